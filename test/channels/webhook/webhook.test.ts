import { afterEach, describe, expect, it } from 'vitest';
import { renderWebhook, WEBHOOK_PAYLOAD_SCHEMA } from '../../../src/channels/webhook/render.js';
import { webhookSettings, webhookSettingsSchema } from '../../../src/channels/webhook/settings.js';
import { signWebhookBody, verifyWebhookSignature } from '../../../src/channels/webhook/signature.js';
import { createWebhookSender } from '../../../src/channels/webhook/webhook.js';
import { channelFactories } from '../../../src/channels/registry.js';
import { channelKindSettings } from '../../../src/channels/settings.js';
import { startHttpReceiver, validateJsonPayload, type HttpReceiver } from '../../support/http-receiver.js';
import { firingNotification, groupedNotification, timezoneFor } from '../common/fixtures.js';
import { captureLogger, contractDeps, describeChannelContract } from '../contract.js';

const SECRET_PATH = '/hooks/in-house/ApiToken0123456789abcdef';
const HMAC_SECRET = 'hmac-shared-secret-0123456789';
const API_KEY = 'header-api-key-0123456789abcdef';

describeChannelContract({
  kind: 'webhook',
  golden: {
    dir: new URL('./golden/', import.meta.url),
    render: (notification) => renderWebhook(notification, { timezoneFor }),
  },
  http: {
    validate: validateJsonPayload,
    secretPath: SECRET_PATH,
    createSender: ({ url, timeoutMs, deps }) =>
      createWebhookSender(
        'hook',
        { url, secret: HMAC_SECRET, headers: { 'X-Api-Key': API_KEY }, timeout: `${timeoutMs}ms` },
        deps,
      ),
  },
});

describe('webhook channel', () => {
  let receiver: HttpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('is registered, with url, secret and headers as secrets', () => {
    expect(channelKindSettings.webhook).toBe(webhookSettings);
    expect(channelFactories.webhook).toBe(createWebhookSender);
    expect(webhookSettings.secretFields).toEqual(['url', 'secret', 'headers']);
  });

  it.each([
    [{ url: 'https://tools.example/hook' }, true],
    [{ url: 'https://tools.example/hook', secret: 'short' }, false],
    [{ url: 'https://tools.example/hook', headers: { 'X-Api-Key': 'k' } }, true],
    [{ url: 'https://tools.example/hook', headers: { 'Content-Type': 'text/plain' } }, false],
    [{ url: 'https://tools.example/hook', headers: { 'bad header': 'x' } }, false],
    [{ url: 'https://tools.example/hook', timeout: '2s' }, true],
    [{ url: 'https://tools.example/hook', retries: 3 }, false],
  ])('settings %j valid: %s', (input, valid) => {
    expect(webhookSettingsSchema.safeParse(input).success).toBe(valid);
  });

  it('always sends the envelope with the alert events unchanged', () => {
    const payload = renderWebhook(groupedNotification, { timezoneFor });
    expect(payload).toMatchObject({ schema: WEBHOOK_PAYLOAD_SCHEMA, version: 1, key: 'grouped', state: 'firing' });
    expect(payload.title).toBe('[FIRING:2] site-a · Disk space low');
    expect(payload.events).toEqual(groupedNotification.events);
  });

  it('signs timestamp and raw body with HMAC-SHA256 and sends custom headers and the delivery key', async () => {
    receiver = await startHttpReceiver({ validate: validateJsonPayload });
    const now = Date.parse('2026-03-02T08:15:30.000Z');
    const sender = createWebhookSender(
      'hook',
      { url: receiver.urlFor('/in'), secret: HMAC_SECRET, headers: { 'X-Api-Key': API_KEY }, timeout: '2s' },
      contractDeps(captureLogger(), { clock: { now: () => now } }),
    );

    expect(await sender.send(firingNotification)).toMatchObject({ status: 'delivered' });

    const request = receiver.requests[0]!;
    expect(request.headers['x-api-key']).toBe(API_KEY);
    expect(request.headers['x-performanceflow-delivery']).toBe('firing');
    expect(request.headers['x-performanceflow-timestamp']).toBe(String(now / 1000));
    const signature = String(request.headers['x-performanceflow-signature']);
    expect(signature).toBe(signWebhookBody(HMAC_SECRET, now / 1000, request.body));
    const verify = (overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({
        secret: HMAC_SECRET,
        rawBody: request.body,
        signature,
        timestampSeconds: now / 1000,
        nowSeconds: now / 1000 + 10,
        ...overrides,
      });
    expect(verify({})).toBe(true);
    expect(verify({ rawBody: request.body.replace('site-a', 'site-b') })).toBe(false);
    expect(verify({ timestampSeconds: now / 1000 + 1 })).toBe(false);
    expect(verify({ nowSeconds: now / 1000 + 3600 })).toBe(false);
    expect(verify({ secret: 'another-secret-0123456789' })).toBe(false);
    expect(receiver.problems()).toEqual([]);
  });

  it('sends no signature headers without a secret', async () => {
    receiver = await startHttpReceiver();
    const sender = createWebhookSender(
      'hook',
      { url: receiver.urlFor('/in'), headers: {}, timeout: '2s' },
      contractDeps(captureLogger()),
    );
    await sender.send(firingNotification);
    expect(receiver.requests[0]!.headers['x-performanceflow-signature']).toBeUndefined();
    expect(receiver.requests[0]!.headers['x-performanceflow-timestamp']).toBeUndefined();
  });

  it('keeps the HMAC secret and header values out of outcomes even when the receiver echoes them', async () => {
    receiver = await startHttpReceiver({
      reply: (request) => ({ status: 401, body: `bad key ${String(request.headers['x-api-key'])}` }),
    });
    const logger = captureLogger();
    const sender = createWebhookSender(
      'hook',
      { url: receiver.urlFor('/in'), secret: HMAC_SECRET, headers: { 'X-Api-Key': API_KEY }, timeout: '2s' },
      contractDeps(logger),
    );
    const outcome = await sender.send(firingNotification);
    expect(outcome).toMatchObject({ status: 'permanent', reason: 'http_401', detail: 'HTTP 401: bad key [REDACTED]' });
    expect([JSON.stringify(outcome), ...logger.lines].join('\n')).not.toContain(API_KEY);
  });
});

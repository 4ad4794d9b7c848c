import { afterEach, describe, expect, it } from 'vitest';
import { classifyNetworkError, postJson } from '../../../src/channels/common/http-post.js';
import { channelRedactor } from '../../../src/channels/common/secrets.js';
import { redactorFor } from '../../../src/domain/redact.js';
import { startHttpReceiver, type HttpReceiver } from '../../support/http-receiver.js';

describe('postJson', () => {
  let receiver: HttpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('posts the exact body as JSON and honours an HTTP-date Retry-After', async () => {
    receiver = await startHttpReceiver({
      reply: { status: 503, body: 'busy', headers: { 'retry-after': 'Mon, 02 Mar 2026 08:16:00 GMT' } },
    });
    const outcome = await postJson({
      url: receiver.urlFor('/x'),
      body: '{"a":1}',
      timeoutMs: 1000,
      redact: redactorFor([]),
      now: () => Date.parse('2026-03-02T08:15:30Z'),
    });
    expect(outcome).toEqual({
      status: 'retryable',
      reason: 'http_503',
      retryAfterMs: 30_000,
      detail: 'HTTP 503: busy',
    });
    expect(receiver.requests[0]).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(receiver.requests[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('does not follow redirects (a moved webhook is a configuration problem)', async () => {
    receiver = await startHttpReceiver({
      reply: { status: 301, headers: { location: 'http://127.0.0.1:1/elsewhere' } },
    });
    const outcome = await postJson({
      url: receiver.urlFor('/x'),
      body: '{}',
      timeoutMs: 1000,
      redact: redactorFor([]),
    });
    expect(outcome).toMatchObject({ status: 'permanent', reason: 'http_301' });
    expect(receiver.requests).toHaveLength(1);
  });

  it('turns an injected fetch that throws into a redacted outcome', async () => {
    const url = 'https://hooks.example/services/T/B/TopSecretToken123456';
    const failing = (() =>
      Promise.reject(new TypeError(`fetch failed for ${url}`, { cause: { code: 'ECONNRESET' } }))) as typeof fetch;
    const outcome = await postJson({
      url,
      body: '{}',
      timeoutMs: 1000,
      redact: channelRedactor({ url }, ['url']),
      fetch: failing,
    });
    expect(outcome).toMatchObject({ status: 'retryable', reason: 'connection' });
    expect(JSON.stringify(outcome)).not.toContain('TopSecretToken123456');
  });
});

describe('classifyNetworkError', () => {
  const withCode = (code: string) =>
    Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });
  it.each([
    [Object.assign(new Error('aborted'), { name: 'TimeoutError' }), 'retryable', 'timeout'],
    [withCode('UND_ERR_CONNECT_TIMEOUT'), 'retryable', 'timeout'],
    [withCode('ECONNREFUSED'), 'retryable', 'connection'],
    [withCode('ECONNRESET'), 'retryable', 'connection'],
    [withCode('ENOTFOUND'), 'retryable', 'connection'],
    [new TypeError('Failed to parse URL from x'), 'permanent', 'invalid_url'],
    [new Error('something odd'), 'retryable', 'connection'],
  ])('%s → %s %s', (error, status, reason) => {
    expect(classifyNetworkError(error, 1000)).toMatchObject({ status, reason });
  });
});

describe('channelRedactor', () => {
  it('hides the URL, its token segments, sig= values and string values of secret maps', () => {
    const redact = channelRedactor(
      {
        url: 'https://x.logic.azure.com/workflows/0123456789abcdef0123/triggers?sig=SigValue0123456789abc',
        headers: { Authorization: 'Bearer abcdefgh12345678' },
        timeout: '10s',
      },
      ['url', 'headers'],
    );
    expect(redact('sig SigValue0123456789abc id 0123456789abcdef0123 auth Bearer abcdefgh12345678 after 10s')).toBe(
      'sig [REDACTED] id [REDACTED] auth [REDACTED] after 10s',
    );
  });
});

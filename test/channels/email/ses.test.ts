import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEmailSender } from '../../../src/channels/email/email.js';
import { emailSettingsSchema } from '../../../src/channels/email/settings.js';
import type { DeliveryOutcome } from '../../../src/domain/notification/outcome.js';
import { sesClient, startSesLocal, startSesRefusing, type SesLocal } from '../../support/ses-local.js';
import { outgoingMail, threadOf } from '../../../src/channels/email/mail.js';
import { renderEmail } from '../../../src/channels/email/render.js';
import { sesHeaders, sesMailbox } from '../../../src/channels/email/ses.js';
import { firingNotification, groupedNotification, resolvedNotification, timezoneFor } from '../common/fixtures.js';
import { captureLogger, contractDeps } from '../contract.js';

let ses: SesLocal;
beforeAll(async () => {
  ses = await startSesLocal();
});
afterAll(async () => {
  await ses.close();
});
afterEach(async () => {
  await ses.clear();
});

function sesSender(settings: Record<string, unknown> = {}, client: unknown = ses.client()) {
  return createEmailSender(
    'ses-mail',
    emailSettingsSchema.parse({
      transport: 'ses',
      from: 'PerformanceFlow <alerts@hospital.example>',
      to: ['oncall@hospital.example', 'it-lead@hospital.example'],
      region: 'eu-west-1',
      ...settings,
    }),
    { ...contractDeps(captureLogger()), aws: { ses: client } },
  );
}

describe('email over Amazon SES', () => {
  it('sends one simple message with subject, text and HTML to every recipient', async () => {
    const outcome = await sesSender({ cc: ['archive@hospital.example'] }).send(groupedNotification);

    expect(outcome).toMatchObject({ status: 'delivered' });
    expect(outcome.detail).toMatch(/^SES message \S+/);
    const emails = await ses.emails();
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email!.subject).toBe('[FIRING:2] site-a · Disk space low');
    expect(email!.from).toBe('PerformanceFlow <alerts@hospital.example>');
    expect(email!.destination.to).toEqual(['oncall@hospital.example', 'it-lead@hospital.example']);
    expect(email!.destination.cc).toEqual(['archive@hospital.example']);
    expect(email!.body.text).toContain('- FIRING: value 7.5, threshold outside 10..95');
    expect(email!.body.text).toContain('Started: 2026-03-02 09:15:00 UTC+01:00 (Europe/Berlin)');
    expect(email!.body.html).toContain('[FIRING:2] site-a · Disk space low</h2>');
    // A group has no thread, and a warning no priority: only our notification header.
    expect(email!.headers).toEqual([{ name: 'X-PerformanceFlow-Notification', value: 'grouped' }]);
  });

  it('sends a follow-up its thread headers and a critical opening message the priority headers, never a Message-ID', async () => {
    await sesSender().send(resolvedNotification);
    await sesSender().send(firingNotification);

    const [reply, opening] = await ses.emails();
    const thread = threadOf(resolvedNotification, 'alerts@hospital.example')!.id;
    expect(reply!.headers).toEqual([
      { name: 'In-Reply-To', value: thread },
      { name: 'References', value: thread },
      { name: 'X-PerformanceFlow-Notification', value: 'resolved' },
    ]);
    // SES would replace a Message-ID with its own, so the thread's id is not sent as one.
    expect(opening!.headers).toEqual([
      { name: 'X-PerformanceFlow-Notification', value: 'firing' },
      { name: 'X-Priority', value: '1 (Highest)' },
      { name: 'X-MSMail-Priority', value: 'High' },
      { name: 'Importance', value: 'High' },
    ]);
  });

  it('hands SES v2 SendEmail exactly the simple message: UTF-8 parts, recipients, headers and configuration set', async () => {
    // The refusing stand-in keeps each request: what SES would have been sent.
    const recorder = await startSesRefusing({ status: 400, code: 'MessageRejected', message: 'recorded only' });
    try {
      await sesSender({ cc: ['archive@hospital.example'], configuration_set: 'ops' }, recorder.client()).send(
        resolvedNotification,
      );
      await sesSender({}, recorder.client()).send(firingNotification);

      const [reply, critical] = recorder.requests;
      const rendered = renderEmail(resolvedNotification, { timezoneFor });
      const thread = threadOf(resolvedNotification, 'alerts@hospital.example')!.id;
      expect(reply!.method).toBe('POST');
      expect(reply!.path).toBe('/v2/email/outbound-emails');
      expect(reply!.body).toEqual({
        FromEmailAddress: 'PerformanceFlow <alerts@hospital.example>',
        Destination: {
          ToAddresses: ['oncall@hospital.example', 'it-lead@hospital.example'],
          CcAddresses: ['archive@hospital.example'],
        },
        Content: {
          Simple: {
            Subject: { Data: rendered.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: rendered.text, Charset: 'UTF-8' },
              Html: { Data: rendered.html, Charset: 'UTF-8' },
            },
            Headers: [
              { Name: 'In-Reply-To', Value: thread },
              { Name: 'References', Value: thread },
              { Name: 'X-PerformanceFlow-Notification', Value: 'resolved' },
            ],
          },
        },
        ConfigurationSetName: 'ops',
      });
      expect(critical!.body).not.toHaveProperty('ConfigurationSetName');
      expect(critical!.body.Destination).toEqual({
        ToAddresses: ['oncall@hospital.example', 'it-lead@hospital.example'],
      });
    } finally {
      await recorder.close();
    }
  });

  it('sends header values as printable ASCII of at most 870 characters, as SES v2 takes them', () => {
    const rendered = renderEmail(firingNotification);
    const mail = outgoingMail({ ...firingNotification, key: `Station Süd/${'x'.repeat(900)}` }, rendered, {
      from: 'alerts@hospital.example',
      to: ['oncall@hospital.example'],
      cc: [],
    });

    const value = sesHeaders(mail).find((header) => header.Name === 'X-PerformanceFlow-Notification')!.Value!;
    expect(value.startsWith('Station S%C3%BCd/xxx')).toBe(true);
    expect(value).toHaveLength(870);
    expect(value).toMatch(/^[ -~]+$/);
  });

  it('writes the From mailbox in 7-bit ASCII, as SES reads it: encoded-words, quoting and Punycode', () => {
    expect(sesMailbox('alerts@hospital.example')).toBe('alerts@hospital.example');
    expect(sesMailbox('PerformanceFlow <alerts@hospital.example>')).toBe('PerformanceFlow <alerts@hospital.example>');
    expect(sesMailbox('Klinikum St. Anna, IT <alerts@hospital.example>')).toBe(
      '"Klinikum St. Anna, IT" <alerts@hospital.example>',
    );
    expect(sesMailbox('"Say \\"hi\\"" <alerts@hospital.example>')).toBe('"Say \\"hi\\"" <alerts@hospital.example>');
    expect(sesMailbox('Überwachung <alerts@bücher.example>')).toBe(
      '=?UTF-8?B?w5xiZXJ3YWNodW5n?= <alerts@xn--bcher-kva.example>',
    );

    const long = 'Überwachung der Klinik Sankt Anna — Medizintechnik und IT-Betrieb, Standort Süd';
    const words = sesMailbox(`${long} <alerts@hospital.example>`)
      .replace(/ <alerts@hospital\.example>$/, '')
      .split(' ');
    expect(words.length).toBeGreaterThan(1);
    for (const word of words) expect(word).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    for (const word of words) expect(word.length).toBeLessThanOrEqual(75);
    const decoded = words.map((word) => Buffer.from(word.slice(10, -2), 'base64').toString('utf8')).join('');
    expect(decoded).toBe(long);
  });

  it('sends a non-ASCII sender name and recipient domain through SES in that form', async () => {
    const outcome = await sesSender({
      from: 'Überwachung <alerts@hospital.example>',
      to: ['oncall@bücher.example'],
      cc: ['archive@hospital.example'],
    }).send(firingNotification);

    expect(outcome.status).toBe('delivered');
    const [email] = await ses.emails();
    expect(email!.from).toBe('=?UTF-8?B?w5xiZXJ3YWNodW5n?= <alerts@hospital.example>');
    expect(email!.destination.to).toEqual(['oncall@xn--bcher-kva.example']);
    expect(email!.destination.cc).toEqual(['archive@hospital.example']);
  });

  it('builds its own client from region and endpoint when none is injected', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLOCALTEST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local-test-secret');
    try {
      const outcome = await sesSender({ endpoint: ses.endpoint }, undefined).send(firingNotification);

      expect(outcome.status).toBe('delivered');
      expect(await ses.emails()).toHaveLength(1);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('email over Amazon SES: outcomes', () => {
  it.each<[string, { status: number; code: string; message: string }, Partial<DeliveryOutcome>]>([
    [
      '429 TooManyRequestsException (maximum sending rate exceeded)',
      { status: 429, code: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' },
      { status: 'retryable', reason: 'rate_limited' },
    ],
    [
      'ThrottlingException',
      { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
      { status: 'retryable', reason: 'rate_limited' },
    ],
    [
      '500 InternalFailure',
      { status: 500, code: 'InternalFailure', message: 'internal error' },
      { status: 'retryable', reason: 'internal_failure' },
    ],
    [
      '503 ServiceUnavailable',
      { status: 503, code: 'ServiceUnavailable', message: 'try later' },
      { status: 'retryable', reason: 'service_unavailable' },
    ],
    [
      'MessageRejected (unverified address)',
      { status: 400, code: 'MessageRejected', message: 'Email address is not verified.' },
      { status: 'permanent', reason: 'message_rejected' },
    ],
    [
      'AccessDeniedException (a From identity the role may not send as)',
      {
        status: 403,
        code: 'AccessDeniedException',
        message: 'not authorized to perform `ses:SendEmail` on resource `identity/other.example`',
      },
      { status: 'permanent', reason: 'access_denied' },
    ],
    [
      'MailFromDomainNotVerifiedException',
      { status: 400, code: 'MailFromDomainNotVerifiedException', message: 'MAIL FROM domain not verified.' },
      { status: 'permanent', reason: 'mail_from_domain_not_verified' },
    ],
    [
      'NotFoundException (no such configuration set)',
      { status: 404, code: 'NotFoundException', message: 'Configuration set <ops> does not exist.' },
      { status: 'permanent', reason: 'not_found' },
    ],
    [
      'SendingPausedException',
      { status: 400, code: 'SendingPausedException', message: 'Sending is paused for this account.' },
      { status: 'permanent', reason: 'sending_paused' },
    ],
    [
      'UnrecognizedClientException (bad credentials)',
      {
        status: 403,
        code: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      },
      { status: 'permanent', reason: 'unrecognized_client' },
    ],
  ])('%s → %o', async (_name, refusal, expected) => {
    const refusing = await startSesRefusing(refusal);
    try {
      const outcome = await sesSender({ configuration_set: 'ops' }, refusing.client()).send(firingNotification);

      expect(outcome).toMatchObject(expected);
      expect(outcome.detail).toContain(refusal.message);
      expect(refusing.requests).toHaveLength(1);
      expect(refusing.requests[0]!.path).toBe('/v2/email/outbound-emails');
      expect(refusing.requests[0]!.body.ConfigurationSetName).toBe('ops');
    } finally {
      await refusing.close();
    }
  });

  it('connection refused → retryable connection', async () => {
    const refusing = await startSesRefusing({ status: 500, code: 'x', message: 'x' });
    const endpoint = refusing.endpoint;
    await refusing.close();

    const outcome = await sesSender({}, sesClient(endpoint)).send(firingNotification);

    expect(outcome).toMatchObject({ status: 'retryable', reason: 'connection' });
  });
});

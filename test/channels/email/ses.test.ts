import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEmailSender } from '../../../src/channels/email/email.js';
import { emailSettingsSchema } from '../../../src/channels/email/settings.js';
import type { DeliveryOutcome } from '../../../src/domain/notification/outcome.js';
import { sesClient, startSesLocal, startSesRefusing, type SesLocal } from '../../support/ses-local.js';
import { threadOf } from '../../../src/channels/email/mail.js';
import { firingNotification, groupedNotification, resolvedNotification } from '../common/fixtures.js';
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
  it('sends one raw MIME message with subject, text and HTML to every recipient', async () => {
    const outcome = await sesSender({ cc: ['archive@hospital.example'] }).send(groupedNotification);

    expect(outcome).toMatchObject({ status: 'delivered' });
    expect(outcome.detail).toMatch(/^SES message \S+/);
    const emails = await ses.emails();
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email!.subject).toBe('[FIRING:2] site-a · Disk space low');
    expect(email!.from).toContain('alerts@hospital.example');
    expect(email!.destination.to).toEqual(['oncall@hospital.example, it-lead@hospital.example']);
    expect(email!.destination.cc).toEqual(['archive@hospital.example']);
    expect(email!.body.text).toContain('- FIRING: value 7.5, threshold outside 10..95');
    expect(email!.body.text).toContain('Started: 2026-03-02 09:15:00 UTC+01:00 (Europe/Berlin)');
    expect(email!.body.html).toContain('[FIRING:2] site-a · Disk space low</h2>');
  });

  it('hands SES the envelope from the settings and the MIME with the thread and priority headers', async () => {
    // The refusing stand-in keeps each request's form parameters: what SES would have been sent.
    const recorder = await startSesRefusing({ status: 400, code: 'MessageRejected', message: 'recorded only' });
    try {
      await sesSender({ cc: ['archive@hospital.example'], configuration_set: 'ops' }, recorder.client()).send(
        resolvedNotification,
      );
      await sesSender({}, recorder.client()).send(firingNotification);

      const [reply, critical] = recorder.requests;
      expect(reply!.get('Action')).toBe('SendRawEmail');
      expect(reply!.get('Source')).toBe('PerformanceFlow <alerts@hospital.example>');
      expect(['1', '2', '3', '4'].map((n) => reply!.get(`Destinations.member.${n}`))).toEqual([
        'oncall@hospital.example',
        'it-lead@hospital.example',
        'archive@hospital.example',
        null,
      ]);
      expect(reply!.get('ConfigurationSetName')).toBe('ops');
      const mime = Buffer.from(reply!.get('RawMessage.Data')!, 'base64').toString('utf8');
      const thread = threadOf(resolvedNotification, 'alerts@hospital.example')!.id;
      expect(mime).toMatch(/^Message-ID: <[0-9a-f]{32}@hospital\.example>\r?$/m);
      expect(mime).toContain(`In-Reply-To: ${thread}`);
      expect(mime).toContain(`References: ${thread}`);
      // MailComposer writes header names in its own case (X-Performanceflow-Notification).
      expect(mime).toMatch(/^X-PerformanceFlow-Notification: \S/im);
      expect(mime).not.toMatch(/^X-Priority:/im);
      expect(mime).toContain('Content-Type: multipart/alternative');

      const opening = Buffer.from(critical!.get('RawMessage.Data')!, 'base64').toString('utf8');
      expect(opening).toContain(`Message-ID: ${threadOf(firingNotification, 'alerts@hospital.example')!.id}`);
      expect(opening).not.toContain('In-Reply-To:');
      expect(opening).toMatch(/^X-Priority: 1 \(Highest\)\r?$/im);
      expect(opening).toMatch(/^Importance: High\r?$/im);
      expect(critical!.get('ConfigurationSetName')).toBeNull();
    } finally {
      await recorder.close();
    }
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
  it.each<
    [string, { status: number; code: string; message: string; type?: 'Sender' | 'Receiver' }, Partial<DeliveryOutcome>]
  >([
    [
      'Throttling (maximum sending rate exceeded)',
      { status: 400, code: 'Throttling', message: 'Maximum sending rate exceeded.' },
      { status: 'retryable', reason: 'rate_limited' },
    ],
    [
      '500 InternalFailure',
      { status: 500, code: 'InternalFailure', message: 'internal error', type: 'Receiver' },
      { status: 'retryable', reason: 'internal_failure' },
    ],
    [
      '503 ServiceUnavailable',
      { status: 503, code: 'ServiceUnavailable', message: 'try later', type: 'Receiver' },
      { status: 'retryable', reason: 'service_unavailable' },
    ],
    [
      'MessageRejected (unverified address)',
      { status: 400, code: 'MessageRejected', message: 'Email address is not verified.' },
      { status: 'permanent', reason: 'message_rejected' },
    ],
    [
      'ConfigurationSetDoesNotExist',
      { status: 400, code: 'ConfigurationSetDoesNotExist', message: 'Configuration set <ops> does not exist.' },
      { status: 'permanent', reason: 'configuration_set_does_not_exist' },
    ],
    [
      'AccountSendingPausedException',
      { status: 400, code: 'AccountSendingPausedException', message: 'Sending is paused for this account.' },
      { status: 'permanent', reason: 'account_sending_paused' },
    ],
    [
      'InvalidClientTokenId (bad credentials)',
      { status: 403, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' },
      { status: 'permanent', reason: 'invalid_client_token_id' },
    ],
  ])('%s → %o', async (_name, refusal, expected) => {
    const refusing = await startSesRefusing(refusal);
    try {
      const outcome = await sesSender({ configuration_set: 'ops' }, refusing.client()).send(firingNotification);

      expect(outcome).toMatchObject(expected);
      expect(outcome.detail).toContain(refusal.message);
      expect(refusing.requests).toHaveLength(1);
      expect(refusing.requests[0]!.get('Action')).toBe('SendRawEmail');
      expect(refusing.requests[0]!.get('ConfigurationSetName')).toBe('ops');
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

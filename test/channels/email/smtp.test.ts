import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailSender } from '../../../src/channels/email/email.js';
import { emailSettingsSchema } from '../../../src/channels/email/settings.js';
import { closedPort } from '../../support/closed-port.js';
import { startSmtpServer, type SmtpTestServer } from '../../support/smtp-server.js';
import { outgoingMail } from '../../../src/channels/email/mail.js';
import { sesHeaders } from '../../../src/channels/email/ses.js';
import { renderEmail } from '../../../src/channels/email/render.js';
import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import type { Notification } from '../../../src/domain/notification/outcome.js';
import { alertEvent, firingNotification, groupedNotification, resolvedNotification } from '../common/fixtures.js';
import { captureLogger, contractDeps, describeChannelContract, type CapturedLogger } from '../contract.js';

const PASSWORD = 'correct-horse-battery-staple-42';
const WRONG_PASSWORD = 'wrong-horse-battery-staple-99';

let smtp: SmtpTestServer | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

function emailSender(settings: Record<string, unknown>, logger: CapturedLogger = captureLogger()) {
  return createEmailSender(
    'oncall-mail',
    emailSettingsSchema.parse({
      transport: 'smtp',
      from: 'PerformanceFlow <alerts@hospital.example>',
      to: ['oncall@hospital.example', 'it-lead@hospital.example'],
      host: '127.0.0.1',
      timeout: '2s',
      ...settings,
    }),
    contractDeps(logger),
  );
}

describeChannelContract({
  kind: 'email over SMTP',
  leaks: {
    secrets: [PASSWORD, Buffer.from(PASSWORD).toString('base64')],
    scenarios: {
      'wrong password (535)': async (logger) => {
        smtp = await startSmtpServer({ auth: { username: 'pflow', password: WRONG_PASSWORD } });
        const sender = emailSender({ port: smtp.port, username: 'pflow', password: PASSWORD }, logger);
        const outcome = await sender.send(firingNotification);
        await sender.close?.();
        return { outcomes: [outcome] };
      },
      'server refuses the recipient (550) after AUTH': async (logger) => {
        smtp = await startSmtpServer({ auth: { username: 'pflow', password: PASSWORD } });
        smtp.refuse('rcpt', 550, `5.1.1 no such user (you sent ${PASSWORD})`);
        const sender = emailSender({ port: smtp.port, username: 'pflow', password: PASSWORD }, logger);
        const outcome = await sender.send(firingNotification);
        await sender.close?.();
        return { outcomes: [outcome] };
      },
      'connection refused': async (logger) => {
        const sender = emailSender({ port: await closedPort(), username: 'pflow', password: PASSWORD }, logger);
        return { outcomes: [await sender.send(firingNotification)] };
      },
    },
  },
});

describe('email over SMTP: delivery', () => {
  it('delivers subject, text and HTML parts to every recipient, with cc', async () => {
    smtp = await startSmtpServer();
    const sender = emailSender({ port: smtp.port, cc: ['archive@hospital.example'] });

    const outcome = await sender.send(groupedNotification);

    expect(outcome).toMatchObject({ status: 'delivered' });
    expect(outcome.detail).toContain('3 recipient(s) accepted');
    expect(smtp.messages).toHaveLength(1);
    const [mail] = smtp.messages;
    expect(mail!.envelope).toEqual({
      from: 'alerts@hospital.example',
      to: ['oncall@hospital.example', 'it-lead@hospital.example', 'archive@hospital.example'],
    });
    expect(mail!.parsed.subject).toBe('[FIRING:2] site-a · Disk space low');
    expect(mail!.parsed.from?.value).toEqual([{ name: 'PerformanceFlow', address: 'alerts@hospital.example' }]);
    expect(addresses(mail!.parsed.to)).toEqual(['oncall@hospital.example', 'it-lead@hospital.example']);
    expect(addresses(mail!.parsed.cc)).toEqual(['archive@hospital.example']);
    expect(mail!.parsed.text).toContain('- FIRING: value 4.25, threshold outside 10..95');
    expect(mail!.parsed.text).toContain('Started: 2026-03-02 09:16:30 UTC+01:00 (Europe/Berlin)');
    expect(mail!.parsed.html).toContain(
      '<h2 style="margin:0 0 8px 0;font-size:18px">[FIRING:2] site-a · Disk space low</h2>',
    );
    expect(mail!.parsed.headers.get('x-performanceflow-notification')).toBe('grouped');
  });

  it('gives the same notification the same Message-ID and a different one another Message-ID', async () => {
    smtp = await startSmtpServer();
    const sender = emailSender({ port: smtp.port });

    await sender.send(firingNotification);
    await sender.send(firingNotification);
    await sender.send(resolvedNotification);

    const [first, again, other] = smtp.messages.map((mail) => mail.parsed.messageId);
    expect(first).toMatch(/^<[0-9a-f]{32}\.alert@hospital\.example>$/);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it('threads an alert’s messages in one channel under its first: reminder, escalation, ack update, resolved', async () => {
    smtp = await startSmtpServer();
    const sender = emailSender({ port: smtp.port });
    const firing = firingNotification.events[0]!;
    const follow = (key: string, overrides: Partial<AlertEvent>): Notification => ({
      key,
      channel: firingNotification.channel,
      events: [alertEvent({ ...overrides, id: `${firing.id}/${key}` })],
    });
    await sender.send(firingNotification);
    await sender.send(follow('repeat', { repeat: true }));
    await sender.send(follow('escalate-1', { escalation: { tier: 1, channels: ['oncall-mail'] } }));
    await sender.send(follow('ack', { acknowledgement: { by: 'Ana', reason: 'on it', at: firing.evaluatedAt } }));
    await sender.send(resolvedNotification);
    // A group of several alerts, and the same alert's next problem, start threads of their own.
    await sender.send(groupedNotification);
    await sender.send(follow('next', { startsAt: '2026-03-02T10:00:00.000Z' }));

    const [opening, ...rest] = smtp.messages.map((mail) => mail.parsed);
    const root = opening!.messageId!;
    expect(root).toMatch(/^<[0-9a-f]{32}\.alert@hospital\.example>$/);
    expect(opening!.inReplyTo).toBeUndefined();
    const replies = rest.slice(0, 4);
    expect(replies.map((mail) => [mail.inReplyTo, mail.references])).toEqual(Array(4).fill([root, root]));
    expect(new Set(replies.map((mail) => mail.messageId)).size).toBe(4);
    expect(replies.map((mail) => mail.messageId)).not.toContain(root);
    const [group, next] = rest.slice(4);
    expect(group!.inReplyTo).toBeUndefined();
    expect(next!.inReplyTo).toBeUndefined();
    expect(next!.messageId).toMatch(/\.alert@/);
    expect(next!.messageId).not.toBe(root);
  });

  it('another email channel threads the same alert on its own; SES gets the same thread headers', () => {
    const rendered = renderEmail(resolvedNotification);
    const addresses = { from: 'alerts@hospital.example', to: ['a@hospital.example'], cc: [] };
    const here = outgoingMail(resolvedNotification, rendered, addresses);
    const there = outgoingMail({ ...resolvedNotification, channel: 'it-mail' }, rendered, addresses);
    expect(here.inReplyTo).toMatch(/\.alert@hospital\.example>$/);
    expect(there.inReplyTo).not.toBe(here.inReplyTo);
    expect(sesHeaders(here)).toEqual(
      expect.arrayContaining([
        { Name: 'In-Reply-To', Value: here.inReplyTo },
        { Name: 'References', Value: here.inReplyTo },
      ]),
    );
  });

  it('marks a critical firing alert as high priority, a resolved one as normal', async () => {
    smtp = await startSmtpServer();
    const sender = emailSender({ port: smtp.port });

    await sender.send(firingNotification);
    await sender.send(resolvedNotification);

    // mailparser folds X-Priority, X-MSMail-Priority and Importance into one `priority` header.
    expect(smtp.messages[0]!.parsed.headers.get('priority')).toBe('high');
    expect(smtp.messages[1]!.parsed.headers.has('priority')).toBe(false);
  });

  it('authenticates with username and password', async () => {
    smtp = await startSmtpServer({ auth: { username: 'pflow', password: PASSWORD } });

    const outcome = await emailSender({ port: smtp.port, username: 'pflow', password: PASSWORD }).send(
      firingNotification,
    );

    expect(outcome.status).toBe('delivered');
    expect(smtp.messages[0]!.user).toBe('pflow');
  });

  it('upgrades with STARTTLS when require_tls is set', async () => {
    smtp = await startSmtpServer({ startTls: true });

    const outcome = await emailSender({ port: smtp.port, require_tls: true, tls_verify: false }).send(
      firingNotification,
    );

    expect(outcome.status).toBe('delivered');
    expect(smtp.messages[0]!.secure).toBe(true);
  });

  it('speaks TLS from the first byte when secure is set', async () => {
    smtp = await startSmtpServer({ secure: true });

    const outcome = await emailSender({ port: smtp.port, secure: true, tls_verify: false }).send(firingNotification);

    expect(outcome.status).toBe('delivered');
    expect(smtp.messages[0]!.secure).toBe(true);
  });

  it('refuses an unverifiable certificate when tls_verify is on (retryable: the relay can fix it)', async () => {
    smtp = await startSmtpServer({ secure: true });

    const outcome = await emailSender({ port: smtp.port, secure: true }).send(firingNotification);

    expect(outcome).toMatchObject({ status: 'retryable', reason: 'tls' });
    expect(smtp.messages).toHaveLength(0);
  });

  it('refuses to send in clear text when require_tls is set and the server offers no STARTTLS', async () => {
    smtp = await startSmtpServer();

    const outcome = await emailSender({ port: smtp.port, require_tls: true, tls_verify: false }).send(
      firingNotification,
    );

    expect(outcome.status).not.toBe('delivered');
    expect(smtp.messages).toHaveLength(0);
  });

  it('reports delivered, naming the refused address, when only some recipients are refused', async () => {
    smtp = await startSmtpServer();
    smtp.refuseRecipient('it-lead@hospital.example', 550, '5.1.1 Mailbox unavailable');

    const outcome = await emailSender({ port: smtp.port }).send(firingNotification);

    expect(outcome.status).toBe('delivered');
    expect(outcome.detail).toContain('1 recipient(s) refused: it-lead@hospital.example');
    expect(smtp.messages[0]!.envelope.to).toEqual(['oncall@hospital.example']);
  });
});

describe('email over SMTP: outcomes', () => {
  it.each([
    ['550 on RCPT TO (mailbox unavailable)', 'rcpt', 550, '5.1.1 Mailbox unavailable', 'permanent', 'smtp_550'],
    ['451 on DATA (local error)', 'data', 451, '4.3.0 Local error in processing', 'retryable', 'smtp_451'],
    ['452 on RCPT TO (insufficient storage)', 'rcpt', 452, '4.2.2 Mailbox full', 'retryable', 'smtp_452'],
    ['421 on MAIL FROM (service not available)', 'mail', 421, '4.7.0 Try again later', 'retryable', 'smtp_421'],
    ['554 on DATA (transaction failed)', 'data', 554, '5.7.1 Message rejected as spam', 'permanent', 'smtp_554'],
  ] as const)('%s → %s %s', async (_name, stage, code, text, status, reason) => {
    smtp = await startSmtpServer();
    smtp.refuse(stage, code, text);

    const outcome = await emailSender({ port: smtp.port }).send(firingNotification);

    expect(outcome).toMatchObject({ status, reason });
    expect(outcome.detail).toContain(text);
  });

  it('wrong password → permanent smtp_535 with the server text, no password', async () => {
    smtp = await startSmtpServer({ auth: { username: 'pflow', password: WRONG_PASSWORD } });

    const outcome = await emailSender({ port: smtp.port, username: 'pflow', password: PASSWORD }).send(
      firingNotification,
    );

    expect(outcome).toMatchObject({ status: 'permanent', reason: 'smtp_535' });
    expect(outcome.detail).toContain('Authentication credentials invalid');
    expect(smtp.authAttempts).toEqual([{ username: 'pflow', password: PASSWORD }]);
  });

  it('no credentials where the server requires them → permanent', async () => {
    smtp = await startSmtpServer({ auth: { username: 'pflow', password: PASSWORD } });

    const outcome = await emailSender({ port: smtp.port }).send(firingNotification);

    expect(outcome).toMatchObject({ status: 'permanent', reason: 'smtp_530' });
  });

  it('connection refused → retryable connection', async () => {
    const outcome = await emailSender({ port: await closedPort() }).send(firingNotification);

    expect(outcome).toMatchObject({ status: 'retryable', reason: 'connection' });
  });

  it('a server that never greets → retryable timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;

      const outcome = await emailSender({ port, timeout: '300ms' }).send(firingNotification);

      expect(outcome).toMatchObject({ status: 'retryable', reason: 'timeout' });
    } finally {
      silent.close();
    }
  });
});

function addresses(field: unknown): string[] {
  const list = Array.isArray(field) ? field : [field];
  return list.flatMap((entry: { value: { address: string }[] }) => entry.value.map((value) => value.address));
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteDelivery } from '../../src/adapters/local/sqlite-delivery.js';
import { createEmailSender } from '../../src/channels/email/email.js';
import { emailSettingsSchema } from '../../src/channels/email/settings.js';
import { NotificationDispatcher } from '../../src/delivery/dispatcher.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import type { Notification } from '../../src/domain/notification/outcome.js';
import { computeDigest } from '../../src/domain/report/digest.js';
import { reportWindow } from '../../src/domain/report/window.js';
import { ReportScheduler } from '../../src/runtime/report-scheduler.js';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp-server.js';
import { captureLogger, contractDeps } from '../channels/contract.js';
import { springInput } from '../domain/report/fixtures.js';

const config = parseDeploymentConfig(
  `
version: 1
sites: [{ id: ward-a, name: Ward A, timezone: Europe/Berlin }]
channels:
  - { id: mail, kind: email, email: { transport: smtp, host: 127.0.0.1, port: 2525, from: 'PerformanceFlow <pflow@hospital.example>', to: [it@hospital.example] } }
reports:
  - { id: morning, at: '07:00', channels: [mail] }
`,
  'report.yaml',
  {},
);

/** The digest of whatever day is asked, from the hand-checked fixture's data. */
const service = {
  asked: [] as string[],
  async digest(site: string, day: string) {
    this.asked.push(`${site} ${day}`);
    return computeDigest({ ...springInput, window: reportWindow(day, 'Europe/Berlin') });
  },
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-report-sched-'));
  service.asked = [];
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('ReportScheduler on a fake clock', () => {
  it('fires at 07:00 Berlin time before and after the spring-forward change, each for the day before', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-03-27T12:00:00.000Z') });
    const sent: { at: string; key: string }[] = [];
    const scheduler = new ReportScheduler({
      config,
      service,
      dispatch: async (notifications: readonly Notification[]) => {
        for (const n of notifications) sent.push({ at: new Date(Date.now()).toISOString(), key: n.key });
      },
      log: { has: async () => true }, // nothing missed before the start
      clock: { now: () => Date.now() },
      logger: captureLogger(),
    });
    await scheduler.start();
    await vi.advanceTimersByTimeAsync(4 * 86_400_000);
    await scheduler.stop();
    expect(sent).toEqual([
      // 07:00 CET = 06:00Z; from Sunday 29 March on, 07:00 CEST = 05:00Z.
      { at: '2026-03-28T06:00:00.000Z', key: 'mail|report:morning/ward-a/2026-03-27' },
      { at: '2026-03-29T05:00:00.000Z', key: 'mail|report:morning/ward-a/2026-03-28' },
      { at: '2026-03-30T05:00:00.000Z', key: 'mail|report:morning/ward-a/2026-03-29' },
      { at: '2026-03-31T05:00:00.000Z', key: 'mail|report:morning/ward-a/2026-03-30' },
    ]);
  });

  it('fires at 07:00 across the fall-back change (25-hour day), never twice', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-10-24T12:00:00.000Z') });
    const sent: string[] = [];
    const scheduler = new ReportScheduler({
      config,
      service,
      dispatch: async () => void sent.push(new Date(Date.now()).toISOString()),
      log: { has: async () => true },
      clock: { now: () => Date.now() },
      logger: captureLogger(),
    });
    await scheduler.start();
    await vi.advanceTimersByTimeAsync(2 * 86_400_000);
    await scheduler.stop();
    expect(sent).toEqual(['2026-10-25T06:00:00.000Z', '2026-10-26T06:00:00.000Z']);
    expect(service.asked).toEqual(['ward-a 2026-10-24', 'ward-a 2026-10-25']);
  });

  it('at start, sends the report missed while stopped (and only if the log does not have it)', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-03-30T09:00:00.000Z') });
    const sent: string[] = [];
    const deps = {
      config,
      service,
      dispatch: async (ns: readonly Notification[]) => void sent.push(...ns.map((n) => n.key)),
      clock: { now: () => Date.now() },
      logger: captureLogger(),
    };
    const missed = new ReportScheduler({ ...deps, log: { has: async () => false } });
    await missed.start();
    await missed.stop();
    const done = new ReportScheduler({ ...deps, log: { has: async () => true } });
    await done.start();
    await done.stop();
    expect(sent).toEqual(['mail|report:morning/ward-a/2026-03-29']);
  });
});

describe('a daily report through the dispatcher to a real SMTP server', () => {
  let smtp: SmtpTestServer | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  it('is received as an HTML email with the chart and a text part, once however often it is sent', async () => {
    smtp = await startSmtpServer();
    const sender = createEmailSender(
      'mail',
      emailSettingsSchema.parse({
        transport: 'smtp',
        host: '127.0.0.1',
        port: smtp.port,
        from: 'PerformanceFlow <pflow@hospital.example>',
        to: ['it@hospital.example'],
        timeout: '2s',
      }),
      contractDeps(captureLogger()),
    );
    const delivery = SqliteDelivery.open(join(dir, 'delivery.db'));
    const dispatcher = new NotificationDispatcher({
      routes: [],
      channels: config.channels,
      senders: new Map([['mail', sender]]),
      delivery: config.delivery,
      queue: delivery.queue,
      log: delivery.log,
      deadLetters: delivery.deadLetters,
    });
    const scheduler = new ReportScheduler({
      config,
      service,
      dispatch: (ns) => dispatcher.dispatchReports(ns),
      log: delivery.log,
      clock: { now: () => Date.parse('2026-03-30T05:00:00.000Z') },
      logger: captureLogger(),
    });
    const slot = { report: config.reports![0]!, site: 'ward-a' };
    await scheduler.send(slot, '2026-03-29');
    await scheduler.send(slot, '2026-03-29');
    await dispatcher.close();
    await sender.close?.();
    delivery.close();

    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.envelope.to).toEqual(['it@hospital.example']);
    expect(mail.parsed.subject).toBe('Daily report: Ward A, Sunday 29 March 2026');
    expect(mail.parsed.html).toContain('<td valign="bottom"');
    expect(mail.parsed.html).toContain('Alerts fired (2)');
    expect(mail.parsed.text).toContain('this day had 23 hours (clock change)');
    expect(mail.parsed.headers.get('x-performanceflow-notification')).toBe('mail|report:morning/ward-a/2026-03-29');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createEmailSender } from '../../../src/channels/email/email.js';
import { emailSettingsSchema } from '../../../src/channels/email/settings.js';
import { whoIsOnCall, type OnCallSchedule } from '../../../src/domain/lifecycle/oncall.js';
import { startSmtpServer, type SmtpTestServer } from '../../support/smtp-server.js';
import { firingNotification } from '../common/fixtures.js';
import { captureLogger, contractDeps } from '../contract.js';

/** `oncall:<team>` recipients resolve to whoever is on call when the message is sent, over real SMTP. */
const schedule: OnCallSchedule = {
  team: 'ward-it',
  timezone: 'Europe/Amsterdam',
  every: 'daily',
  handoverMinute: 9 * 60,
  start: '2026-12-01',
  members: [
    { name: 'Ana', email: 'ana@hospital.example' },
    { name: 'Bo', email: 'bo@hospital.example' },
    { name: 'Cas' },
  ],
  overrides: [],
};

let smtp: SmtpTestServer | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

function sender(now: { value: number }, to: string[]) {
  return createEmailSender(
    'ward-mail',
    emailSettingsSchema.parse({
      transport: 'smtp',
      from: 'alerts@hospital.example',
      to,
      host: '127.0.0.1',
      port: smtp!.port,
      timeout: '2s',
    }),
    {
      ...contractDeps(captureLogger()),
      onCall: (team) => (team === schedule.team ? whoIsOnCall(schedule, now.value).member : undefined),
    },
  );
}

describe('email: on-call recipients', () => {
  it('sends to whoever is on call at send time, across a hand-over', async () => {
    smtp = await startSmtpServer();
    const now = { value: Date.parse('2026-12-02T07:59:00Z') }; // 08:59 CET on day 2: still Ana
    const channel = sender(now, ['oncall:ward-it', 'desk@hospital.example']);
    expect(await channel.send(firingNotification)).toMatchObject({ status: 'delivered' });
    now.value = Date.parse('2026-12-02T08:00:00Z'); // 09:00 CET: Bo
    expect(await channel.send({ ...firingNotification, key: `${firingNotification.key}-2` })).toMatchObject({
      status: 'delivered',
    });
    await channel.close?.();
    expect(smtp.messages.map((mail) => mail.envelope.to)).toEqual([
      ['ana@hospital.example', 'desk@hospital.example'],
      ['bo@hospital.example', 'desk@hospital.example'],
    ]);
  });

  it('fails permanently, saying why, when the only recipient is on call without an email address', async () => {
    smtp = await startSmtpServer();
    const channel = sender({ value: Date.parse('2026-12-03T12:00:00Z') }, ['oncall:ward-it']); // Cas
    expect(await channel.send(firingNotification)).toEqual({
      status: 'permanent',
      reason: 'oncall_unresolved',
      detail: 'nobody with an email address is on call for oncall:ward-it',
    });
    await channel.close?.();
    expect(smtp.messages).toEqual([]);
  });
});

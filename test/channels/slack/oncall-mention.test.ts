import { afterEach, describe, expect, it } from 'vitest';
import { createSlackSender } from '../../../src/channels/slack/slack.js';
import { slackSettingsSchema } from '../../../src/channels/slack/settings.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { whoIsOnCall, type OnCallSchedule } from '../../../src/domain/lifecycle/oncall.js';
import { startHttpReceiver, validateSlackPayload, type HttpReceiver } from '../../support/http-receiver.js';
import { alertEvent, firingNotification, resolvedNotification } from '../common/fixtures.js';
import { captureLogger, contractDeps } from '../contract.js';

/** `mention: [oncall:<team>]` pings whoever is on call when the message is sent, at a real loopback Slack webhook. */
const schedule: OnCallSchedule = {
  team: 'ward-it',
  timezone: 'Europe/Amsterdam',
  every: 'daily',
  handoverMinute: 9 * 60,
  start: '2026-12-01',
  members: [{ name: 'Ana', slack: 'U012ABCDEF' }, { name: 'Bo', slack: 'W0BOBOBO1' }, { name: 'Cas <!channel>' }],
  overrides: [],
};

let receiver: HttpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function sender(now: { value: number }, mention: string[], logger = captureLogger()) {
  return createSlackSender(
    'ward-slack',
    slackSettingsSchema.parse({ url: receiver!.urlFor('/services/T0/B0/secret'), mention }),
    {
      ...contractDeps(logger),
      onCall: (team) => (team === schedule.team ? whoIsOnCall(schedule, now.value).member : undefined),
    },
  );
}
const texts = () => receiver!.requests.map((request) => (request.json as { text: string }).text);
const again = (key: string) => ({ ...firingNotification, key });

describe('slack: mentioning whoever is on call', () => {
  it('mentions the member on call at send time, across a hand-over', async () => {
    receiver = await startHttpReceiver({ validate: validateSlackPayload });
    const now = { value: Date.parse('2026-12-02T07:59:00Z') }; // 08:59 CET on day 2: still Ana
    const channel = sender(now, ['oncall:ward-it']);
    expect(await channel.send(firingNotification)).toEqual({ status: 'delivered', detail: expect.any(String) });
    now.value = Date.parse('2026-12-02T08:00:00Z'); // 09:00 CET: Bo
    expect(await channel.send(again('2'))).toMatchObject({ status: 'delivered' });
    expect(receiver.requests.flatMap((request) => request.problems)).toEqual([]);
    expect(texts().map((text) => text.split(' ')[0])).toEqual(['<@U012ABCDEF>', '<@W0BOBOBO1>']);
    expect(texts()[0]).toBe('<@U012ABCDEF> [FIRING:1] site-a · PFSW login down: PFSW login page is not answering');
  });

  it('pings no one on a resolution or an acknowledgement update; a fixed member id is mentioned too', async () => {
    receiver = await startHttpReceiver({ validate: validateSlackPayload });
    const channel = sender({ value: Date.parse('2026-12-02T12:00:00Z') }, ['oncall:ward-it', 'U0DESK0001']);
    await channel.send(firingNotification);
    await channel.send(resolvedNotification);
    const ack = alertEvent({ acknowledgement: { by: 'Bo', reason: 'on it', at: '2026-12-02T12:01:00.000Z' } });
    await channel.send({ key: 'ack', channel: 'ward-slack', events: [ack] });
    const [firing, resolved, update] = texts();
    expect(firing).toMatch(/^<@W0BOBOBO1> <@U0DESK0001> \[FIRING:1\]/);
    expect(resolved).not.toContain('<@');
    expect(update).not.toContain('<@');
  });

  it('names, escaped, whoever is on call without a Slack member id, and says so in the log', async () => {
    receiver = await startHttpReceiver({ validate: validateSlackPayload });
    const logger = captureLogger();
    const channel = sender({ value: Date.parse('2026-12-03T12:00:00Z') }, ['oncall:ward-it'], logger); // Cas
    expect(await channel.send(firingNotification)).toMatchObject({ status: 'delivered' });
    expect(texts()[0]).toMatch(/^\(on call for ward-it: Cas &lt;!channel&gt;, no Slack member id\) \[FIRING:1\]/);
    expect(logger.lines).toContain(
      'warn slack: nobody on call with a Slack member id to mention {"team":"ward-it","onCall":"Cas <!channel>"}',
    );
  });

  it('config: a mention must be a member id or a team with a schedule', () => {
    const config = (mention: string) => `
version: 1
sites: [{ id: site-a, timezone: Europe/Amsterdam }]
channels:
  - { id: ward-slack, kind: slack, slack: { url: 'https://hooks.slack.com/services/T0/B0/x', mention: ['${mention}'] } }
oncall:
  - { team: ward-it, site: site-a, rotation: daily, handover: '09:00', start: 2026-12-01, members: [{ name: Ana, slack: U012ABCDEF }] }
`;
    expect(parseDeploymentConfig(config('oncall:ward-it'), 'pflow.yaml', {}).channels[0]!.settings).toMatchObject({
      mention: ['oncall:ward-it'],
    });
    expect(() => parseDeploymentConfig(config('oncall:night'), 'pflow.yaml', {})).toThrow(
      /channels\[0\]\.slack\.mention\[0\].*no on-call schedule for team "night"/s,
    );
    expect(() => parseDeploymentConfig(config('@ana'), 'pflow.yaml', {})).toThrow(/must be a Slack member id/);
  });
});

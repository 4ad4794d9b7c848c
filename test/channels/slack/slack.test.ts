import { afterEach, describe, expect, it } from 'vitest';
import { renderSlack, SLACK_RENDER_LIMITS, type SlackText } from '../../../src/channels/slack/render.js';
import { createSlackSender, interpretSlackResponse } from '../../../src/channels/slack/slack.js';
import { slackSettings, slackSettingsSchema } from '../../../src/channels/slack/settings.js';
import { channelKindSettings } from '../../../src/channels/settings.js';
import { channelFactories } from '../../../src/channels/registry.js';
import { startHttpReceiver, validateSlackPayload, type HttpReceiver } from '../../support/http-receiver.js';
import {
  alertEvent,
  firingNotification,
  HOSTILE_RUNBOOK,
  hostileNotification,
  timezoneFor,
} from '../common/fixtures.js';
import { captureLogger, contractDeps, describeChannelContract } from '../contract.js';

const SECRET_PATH = '/services/T0001AAAA/B0001BBBB/SeCrEtToKeN1234567890xyz';

describeChannelContract({
  kind: 'slack',
  golden: {
    dir: new URL('./golden/', import.meta.url),
    render: (notification) => renderSlack(notification, { timezoneFor }),
  },
  http: {
    validate: validateSlackPayload,
    secretPath: SECRET_PATH,
    createSender: ({ url, timeoutMs, deps }) =>
      createSlackSender('ops-slack', { url, timeout: `${timeoutMs}ms` }, deps),
    cases: [
      {
        name: '400 permanent with the receiver text',
        reply: { status: 400, body: 'invalid_payload' },
        expect: { status: 'permanent', reason: 'invalid_payload', detailContains: 'invalid_payload' },
      },
      {
        name: '404 permanent',
        reply: { status: 404, body: 'no_service' },
        expect: { status: 'permanent', reason: 'no_service', detailContains: 'no_service' },
      },
      {
        name: '403 action_prohibited permanent',
        reply: { status: 403, body: 'action_prohibited' },
        expect: { status: 'permanent', reason: 'action_prohibited' },
      },
      {
        name: '200 with a Slack error code is a permanent failure',
        reply: { status: 200, body: 'channel_not_found' },
        expect: { status: 'permanent', reason: 'channel_not_found' },
      },
    ],
  },
});

describe('slack channel', () => {
  let receiver: HttpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('is registered with its schema, secrets and the one-per-second default rate', () => {
    expect(channelKindSettings.slack).toBe(slackSettings);
    expect(channelFactories.slack).toBe(createSlackSender);
    expect(slackSettings.secretFields).toEqual(['url']);
    expect(slackSettings.defaultRateLimitPerSecond).toBe(1);
  });

  it.each([
    [{ url: 'https://hooks.slack.com/services/T/B/x' }, true],
    [{ url: 'https://hooks.slack.com/services/T/B/x', timeout: '5s' }, true],
    [{ url: 'not a url' }, false],
    [{ url: 'ftp://hooks.slack.com/x' }, false],
    [{ url: 'https://hooks.slack.com/services/T/B/x', timeout: 'soon' }, false],
    [{ url: 'https://hooks.slack.com/services/T/B/x', channel: '#ops' }, false],
  ])('settings %j valid: %s', (input, valid) => {
    expect(slackSettingsSchema.safeParse(input).success).toBe(valid);
  });

  it('never echoes the URL in a schema error', () => {
    const result = slackSettingsSchema.safeParse({ url: 'hooks.slack.com/services/T/B/SECRETSECRETSECRET' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).not.toContain('SECRETSECRETSECRET');
  });

  it('colours the bar by state and severity and shows resolved as resolved', () => {
    const colour = (overrides: Parameters<typeof alertEvent>[0]) =>
      renderSlack({ key: 'k', channel: 'c', events: [alertEvent(overrides)] }, { timezoneFor }).attachments[0].color;
    expect(colour({})).toBe('#D32F2F');
    expect(colour({ rule: { id: 'r', name: 'R', severity: 'warning' } })).toBe('#FBC02D');
    expect(colour({ state: 'resolved', endsAt: '2026-03-02T09:00:00.000Z' })).toBe('#2E7D32');
    expect(colour({ state: 'nodata', value: null })).toBe('#757575');
    const resolved = renderSlack(
      { key: 'k', channel: 'c', events: [alertEvent({ state: 'resolved', endsAt: '2026-03-02T09:00:00.000Z' })] },
      { timezoneFor },
    );
    expect(resolved.text).toMatch(/^\[RESOLVED:1\] site-a · PFSW login down/);
    expect(JSON.stringify(resolved)).toContain('*Resolved*');
    expect(JSON.stringify(resolved)).toContain('*Ended*\\n2026-03-02 10:00:00 UTC+01:00');
  });

  it('has buttons for runbook and dashboard, and fields for value, threshold and start time', () => {
    const payload = renderSlack(firingNotification, { timezoneFor });
    const blocks = payload.attachments[0].blocks;
    const actions = blocks.find((block) => block.type === 'actions');
    expect(actions).toMatchObject({
      elements: [
        { text: { text: 'Runbook' }, url: 'https://wiki.example/runbooks/pfsw-login' },
        { text: { text: 'Dashboard' }, url: 'https://grafana.example/d/pfsw?var-site=site-a' },
      ],
    });
    const fields = blocks.flatMap((block) => (block.type === 'section' && block.fields ? block.fields : []));
    expect(fields.map((field) => field.text)).toEqual(
      expect.arrayContaining(['*Value*\n0', '*Threshold*\n&lt; 1', '*Started*\n2026-03-02 09:15:00 UTC+01:00']),
    );
  });

  it('stays within Slack limits for a storm of 500 alerts with huge labels, with a visible marker', async () => {
    const events = Array.from({ length: 500 }, (_, i) =>
      alertEvent({
        id: `storm-${i}`,
        labels: { host: `host-${i}`, note: 'x'.repeat(2500), team: 'infra' },
        annotations: { summary: 's'.repeat(5000), description: 'd'.repeat(5000) },
      }),
    );
    const payload = renderSlack({ key: 'storm', channel: 'c', events }, { timezoneFor });
    const json = JSON.parse(JSON.stringify(payload)) as unknown;
    const raw = JSON.stringify(payload);
    expect(validateSlackPayload(json, raw, { 'content-type': 'application/json' })).toEqual([]);
    expect(raw).toContain('more alerts not shown … (truncated)');
    expect(raw).toContain('… (truncated)');

    receiver = await startHttpReceiver({ validate: validateSlackPayload });
    const sender = createSlackSender(
      's',
      { url: receiver.urlFor('/services/x'), timeout: '2s' },
      contractDeps(captureLogger()),
    );
    expect(await sender.send({ key: 'storm', channel: 'c', events })).toMatchObject({ status: 'delivered' });
    expect(receiver.problems()).toEqual([]);
  });

  it('escapes Slack control characters in label values', () => {
    const payload = renderSlack(
      { key: 'k', channel: 'c', events: [alertEvent({ labels: { path: '<!channel> & <@U123>' } })] },
      { timezoneFor },
    );
    expect(JSON.stringify(payload)).toContain('&lt;!channel&gt; &amp; &lt;@U123&gt;');
    expect(JSON.stringify(payload)).not.toContain('<!channel>');
  });

  it('lets no event data open a link or a mention; only the runbook becomes a button', () => {
    const payload = renderSlack(hostileNotification, { timezoneFor });
    const blocks = payload.attachments[0].blocks;
    const texts = blocks.flatMap((block): SlackText[] => {
      if (block.type === 'header') return [block.text];
      if (block.type === 'section') return [...(block.text ? [block.text] : []), ...(block.fields ?? [])];
      if (block.type === 'context') return [...block.elements];
      return [];
    });
    for (const text of texts.filter((candidate) => candidate.type === 'mrkdwn')) {
      expect(text.verbatim).toBe(true);
      // `<` and `>` open every mrkdwn link and mention; none survives unescaped.
      expect(text.text).not.toMatch(/[<>]/);
    }
    const all = JSON.stringify(texts);
    expect(all).toContain('&lt;https://evil.example/slack|click&gt; &lt;!channel&gt; &lt;@U012AB3CD&gt;');
    expect(all).toContain('&lt;!subteam^S1&gt;');
    expect(payload.text).not.toMatch(/[<>]|:\/\//);
    const urls = blocks.flatMap((block) => (block.type === 'actions' ? block.elements.map((e) => e.url) : []));
    expect(urls).toEqual([HOSTILE_RUNBOOK]);
  });

  it('cuts escaped text on entity boundaries (never `&a… (truncated)`)', () => {
    const summary = '&'.repeat(SLACK_RENDER_LIMITS.sectionText);
    const payload = renderSlack(
      { key: 'k', channel: 'c', events: [alertEvent({ annotations: { summary } })] },
      { timezoneFor },
    );
    const intro = payload.attachments[0].blocks.find((block) => block.type === 'section' && block.text);
    const text = intro?.type === 'section' ? (intro.text?.text ?? '') : '';
    expect(text.length).toBeLessThanOrEqual(SLACK_RENDER_LIMITS.sectionText);
    expect(text).toMatch(/^\*(&amp;)+… \(truncated\)$/);
    expect(payload.text).toMatch(/(&amp;)+… \(truncated\)$/);
  });

  it.each([
    [200, 'ok', undefined],
    [200, '', undefined],
    [200, 'invalid_payload', 'permanent'],
    [404, 'no_service', 'permanent'],
    [429, 'rate_limited', undefined],
    [500, 'rollup_error', undefined],
  ])('interprets HTTP %i %s as %s (undefined = shared policy)', (status, body, expected) => {
    expect(interpretSlackResponse({ status, body, headers: new Headers() })?.status).toBe(expected);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import {
  ADAPTIVE_CARD_VERSION,
  escapeMarkdown,
  renderTeams,
  TEAMS_MAX_PAYLOAD_BYTES,
  type CardElement,
} from '../../../src/channels/teams/render.js';
import { WORD_JOINER as WJ } from '../../../src/channels/common/markup.js';
import { teamsSettings, teamsSettingsSchema } from '../../../src/channels/teams/settings.js';
import { createTeamsSender } from '../../../src/channels/teams/teams.js';
import { channelFactories } from '../../../src/channels/registry.js';
import { channelKindSettings } from '../../../src/channels/settings.js';
import { startHttpReceiver, validateTeamsPayload, type HttpReceiver } from '../../support/http-receiver.js';
import {
  alertEvent,
  firingNotification,
  HOSTILE_RUNBOOK,
  hostileNotification,
  timezoneFor,
} from '../common/fixtures.js';
import { captureLogger, contractDeps, describeChannelContract } from '../contract.js';

const SECRET_PATH =
  '/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SiGnAtUrE0123456789abcdefXYZ';

describeChannelContract({
  kind: 'teams',
  golden: {
    dir: new URL('./golden/', import.meta.url),
    render: (notification) => renderTeams(notification, { timezoneFor }),
  },
  http: {
    validate: validateTeamsPayload,
    secretPath: SECRET_PATH,
    createSender: ({ url, timeoutMs, deps }) =>
      createTeamsSender('ops-teams', { url, timeout: `${timeoutMs}ms` }, deps),
    cases: [
      {
        name: '400 permanent with the receiver text',
        reply: {
          status: 400,
          body: '{"error":{"code":"InvalidRequestContent","message":"The input body is not valid"}}',
        },
        expect: { status: 'permanent', reason: 'http_400', detailContains: 'InvalidRequestContent' },
      },
      {
        name: '413 payload too large is permanent',
        reply: { status: 413, body: 'Request Entity too large' },
        expect: { status: 'permanent', reason: 'http_413', detailContains: 'Request Entity too large' },
      },
    ],
  },
});

describe('teams channel', () => {
  let receiver: HttpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('is registered, with the URL as its secret', () => {
    expect(channelKindSettings.teams).toBe(teamsSettings);
    expect(channelFactories.teams).toBe(createTeamsSender);
    expect(teamsSettings.secretFields).toEqual(['url']);
  });

  it.each([
    ['https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x', true],
    ['https://default123.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/x', true],
    ['https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/x/y', false],
    ['https://outlook.office.com/webhook/abc/IncomingWebhook/x', false],
  ])('settings url %s valid: %s', (url, valid) => {
    const result = teamsSettingsSchema.safeParse({ url });
    expect(result.success).toBe(valid);
    if (!valid) expect(result.error?.issues[0]?.message).toMatch(/retired.*Workflows/);
  });

  it('reports an empty or malformed url as an error, not a crash (an unset ${NAME} reads as "")', () => {
    for (const url of ['', 'not a url']) {
      const result = teamsSettingsSchema.safeParse({ url });
      expect(result.success).toBe(false);
      expect(result.error?.issues).toHaveLength(1);
    }
  });

  it('sends one Adaptive Card in the message envelope, title coloured by state, facts and OpenUrl actions', () => {
    const payload = renderTeams(firingNotification, { timezoneFor });
    expect(payload.type).toBe('message');
    expect(payload.attachments).toHaveLength(1);
    const card = payload.attachments[0].content;
    expect(card.version).toBe(ADAPTIVE_CARD_VERSION);
    expect(card.body[0]).toMatchObject({ type: 'Container', style: 'attention', items: [{ color: 'Attention' }] });
    expect(JSON.stringify(card.body)).toContain('{"title":"Value","value":"0"}');
    expect(JSON.stringify(card.body)).toContain('{"title":"Threshold","value":"< 1"}');
    expect(card.actions?.map((action) => action.title)).toEqual(['Runbook', 'Dashboard']);
    const resolved = renderTeams(
      { key: 'k', channel: 'c', events: [alertEvent({ state: 'resolved', endsAt: '2026-03-02T09:00:00.000Z' })] },
      { timezoneFor },
    ).attachments[0].content;
    expect(resolved.body[0]).toMatchObject({ style: 'good' });
    expect((resolved.body[0] as unknown as { items: unknown[] }).items).toEqual([
      expect.objectContaining({ color: 'Good', text: expect.stringMatching(/^\[RESOLVED:1\]/) }),
      expect.objectContaining({ text: '✅ Resolved' }),
    ]);
  });

  it('keeps a card with hundreds of long labels under the size budget and marks what it cut', async () => {
    const labels = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`label_${i}`, 'v'.repeat(200)]));
    const events = Array.from({ length: 120 }, (_, i) =>
      alertEvent({ id: `e${i}`, labels: { ...labels, host: `h${i}` } }),
    );
    const single = renderTeams({ key: 'one', channel: 'c', events: [alertEvent({ labels })] }, { timezoneFor });
    const group = renderTeams({ key: 'many', channel: 'c', events }, { timezoneFor });
    for (const payload of [single, group]) {
      const raw = JSON.stringify(payload);
      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(TEAMS_MAX_PAYLOAD_BYTES);
      expect(raw).toContain('… (truncated)');
      expect(validateTeamsPayload(JSON.parse(raw), raw, { 'content-type': 'application/json' })).toEqual([]);
    }
    expect(JSON.stringify(single)).toMatch(/\d+ more labels … \(truncated\)/);
    expect(JSON.stringify(group)).toMatch(/\d+ more alerts not shown … \(truncated\)/);

    receiver = await startHttpReceiver({ validate: validateTeamsPayload, reply: { status: 202 } });
    const sender = createTeamsSender(
      't',
      { url: receiver.urlFor('/workflows/x'), timeout: '2s' },
      contractDeps(captureLogger()),
    );
    expect(await sender.send({ key: 'many', channel: 'c', events })).toMatchObject({ status: 'delivered' });
    expect(receiver.problems()).toEqual([]);
  });

  it('shrinks no further than needed: a small card keeps every label', () => {
    const raw = JSON.stringify(renderTeams(firingNotification, { timezoneFor }));
    expect(raw).not.toContain('truncated');
    for (const name of ['probe', 'target', 'team']) expect(raw).toContain(`"title":"${name}"`);
  });

  it('renders no event data as a link, formatting, list or card function; only the runbook is an action', () => {
    const card = renderTeams(hostileNotification, { timezoneFor }).attachments[0].content;
    const texts = markdownTexts(card.body);
    expect(texts.length).toBeGreaterThan(10);
    for (const text of texts) {
      expect(text).not.toMatch(/\][([:]/); // [text](url), [text][ref], [ref]: url (no space allowed in between)
      expect(text).not.toMatch(/:\/\/|www\./i); // bare URLs Teams would link by itself
      expect(text).not.toMatch(/(^|[^\\])[*~`]/); // emphasis and code, unless escaped
      expect(text).not.toMatch(/(^|[^\\])<[a-z/!?]/i); // autolinks and HTML tags
      expect(text).not.toMatch(/\{\{/);
      expect(text).not.toMatch(/^\s*([-+]|\d+[.)])\s/m);
    }
    expect(card.actions?.map((action) => action.url)).toEqual([HOSTILE_RUNBOOK]);
  });

  it.each([
    ['[click](https://evil.example)', `[click]${WJ}(https:${WJ}//evil${WJ}.example)`],
    ['[x][1]\n[1]: https://e.example', `[x]${WJ}[1]\n[1]${WJ}: https:${WJ}//e${WJ}.example`],
    ['**urgent** _now_ ~x~ `c`', '\\*\\*urgent\\*\\* \\_now\\_ \\~x\\~ \\`c\\`'],
    ['node_exporter pacs_01', 'node_exporter pacs_01'],
    ['<https://e.example> < 1', `\\<https:${WJ}//e${WJ}.example> < 1`],
    ['- a\n  2. b', '\\- a\n  2\\. b'],
    ['{{DATE(2017-02-14T06:00:00Z, SHORT)}}', `{${WJ}{DATE(2017-02-14T06:00:00Z, SHORT)}}`],
    ['a &amp; b & c', 'a \\&amp; b & c'],
    ['C:\\temp', 'C:\\\\temp'],
    ['[FIRING:1] site-a · PFSW login down', '[FIRING:1] site-a · PFSW login down'],
  ])('escapes %j for Teams markdown', (raw, escaped) => {
    expect(escapeMarkdown(raw)).toBe(escaped);
  });
});

/** Every string Teams reads as markdown: TextBlock text and FactSet titles and values. */
function markdownTexts(elements: readonly CardElement[]): string[] {
  return elements.flatMap((element): string[] => {
    if (element.type === 'TextBlock') return [element.text];
    if (element.type === 'FactSet') return element.facts.flatMap((fact) => [fact.title, fact.value]);
    return markdownTexts(element.items);
  });
}

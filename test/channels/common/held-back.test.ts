import { describe, expect, it } from 'vitest';
import { renderEmail } from '../../../src/channels/email/render.js';
import { renderSlack } from '../../../src/channels/slack/render.js';
import { renderTeams } from '../../../src/channels/teams/render.js';
import type { AlertEvent, HeldBackAlert } from '../../../src/domain/alerts/event.js';
import type { Notification } from '../../../src/domain/notification/outcome.js';
import { validateSlackPayload, validateTeamsPayload } from '../../support/http-receiver.js';
import { alertEvent, timezoneFor } from './fixtures.js';

/** A WAN link's messages list the alerts its depends_on children hold back (or release). */
const child = (id: string, name: string, labels: Record<string, string>, startsAt: string): HeldBackAlert => ({
  rule: { id, name, severity: 'critical' },
  state: 'firing',
  labels,
  startsAt,
});
const held = {
  count: 23,
  alerts: [
    child('login-down', 'PFSW login down', { probe: 'pfsw-login' }, '2026-03-02T08:15:00.000Z'),
    // Event data that tries a Slack mention and an HTML tag: shown as text everywhere.
    child('pacs-down', 'PACS <b>down</b>', { probe: '<@U024BE7LH>' }, '2026-03-02T08:16:00.000Z'),
  ],
};
const wan = (overrides: Partial<AlertEvent>): Notification => ({
  key: 'wan',
  channel: 'test',
  events: [
    alertEvent({ rule: { id: 'wan-down', name: 'WAN link down', severity: 'critical' }, heldBack: held, ...overrides }),
  ],
});
const firing = wan({});
const resolved = wan({
  id: 'site-a/wan-down/0123456789abcdef/2026-03-02T08:42:00.000Z/resolved',
  state: 'resolved',
  previousState: 'firing',
  endsAt: '2026-03-02T08:42:00.000Z',
});
const json = (value: unknown) => JSON.stringify(value);

describe('held-back children in the parent’s message', () => {
  it('email: a list under the alerts, times in the site’s zone, the rest counted', () => {
    const mail = renderEmail(firing, { timezoneFor });
    expect(mail.text).toContain(
      [
        'Held back while this fires (23):',
        '- PFSW login down (critical) · probe=pfsw-login · since 2026-03-02 09:15:00 UTC+01:00',
        '- PACS <b>down</b> (critical) · probe=<@U024BE7LH> · since 2026-03-02 09:16:00 UTC+01:00',
        '… and 21 more.',
      ].join('\n'),
    );
    expect(mail.html).toContain('<h3 style="margin:12px 0 4px 0;font-size:15px">Held back while this fires (23)</h3>');
    expect(mail.html).toContain('<li>PACS &lt;b&gt;down&lt;/b&gt; (critical) · probe=&lt;@U024BE7LH&gt;');
    expect(mail.html).not.toContain('<b>down</b>');
    expect(renderEmail(resolved, { timezoneFor }).text).toContain(
      'Released, still alerting: each now sends its own message (23):',
    );
  });

  it('Slack: one escaped section, no mention can fire, within the payload rules', () => {
    const payload = renderSlack(firing, { timezoneFor });
    const sections = payload.attachments[0].blocks.filter(
      (b) => b.type === 'section' && b.text?.text.includes('Held back'),
    );
    expect(sections).toHaveLength(1);
    const text = (sections[0] as { text: { text: string } }).text.text;
    expect(text).toBe(
      [
        '*Held back while this fires (23)*',
        '• PFSW login down (critical) · probe=pfsw-login · since 2026-03-02 09:15:00 UTC+01:00',
        '• PACS &lt;b&gt;down&lt;/b&gt; (critical) · probe=&lt;@U024BE7LH&gt; · since 2026-03-02 09:16:00 UTC+01:00',
        '… and 21 more',
      ].join('\n'),
    );
    expect(json(payload)).not.toContain('<@U024BE7LH>');
    expect(validateSlackPayload(payload, json(payload), { 'content-type': 'application/json' })).toEqual([]);
    expect(json(renderSlack(resolved, { timezoneFor }))).toContain('Released, still alerting');
  });

  it('Teams: a heading and a list in the card, markdown escaped, within the payload rules', () => {
    const payload = renderTeams(firing, { timezoneFor });
    const body = payload.attachments[0].content.body as readonly { type: string; text?: string }[];
    const heading = body.findIndex((element) => element.text === 'Held back while this fires (23)');
    expect(heading).toBeGreaterThan(0);
    expect(body[heading + 1]!.text).toBe(
      [
        '- PFSW login down (critical) · probe=pfsw-login · since 2026-03-02 09:15:00 UTC+01:00',
        '- PACS \\<b>down\\</b> (critical) · probe=<@U024BE7LH> · since 2026-03-02 09:16:00 UTC+01:00',
        '- … and 21 more',
      ].join('\n'),
    );
    expect(validateTeamsPayload(payload, json(payload), { 'content-type': 'application/json' })).toEqual([]);
    expect(json(renderTeams(resolved, { timezoneFor }))).toContain('Released, still alerting');
  });

  it('an acknowledgement update stays short: no list', () => {
    const ack = wan({ acknowledgement: { by: 'Ana', reason: 'on it', at: '2026-03-02T08:20:00.000Z' } });
    expect(renderEmail(ack, { timezoneFor }).text).not.toContain('Held back');
  });
});

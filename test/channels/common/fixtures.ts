import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import type { Notification } from '../../../src/domain/notification/outcome.js';
import { alertEvent } from '../../support/alert-event.js';

/**
 * Fixed alert events and notifications shared by every channel's tests and golden files:
 * change them (or the sample event they start from) and every golden file changes with them
 * (rewrite with UPDATE_GOLDEN=1).
 */
export { alertEvent };

export const timezoneFor = (site: string): string => (site === 'site-a' ? 'Europe/Berlin' : 'UTC');

function notification(key: string, events: AlertEvent[]): Notification {
  return { key, channel: 'contract', events };
}

export const firingNotification = notification('firing', [alertEvent()]);

export const resolvedNotification = notification('resolved', [
  alertEvent({
    id: 'site-a/pfsw-login/0123456789abcdef/2026-03-02T08:42:00.000Z/resolved',
    state: 'resolved',
    previousState: 'firing',
    value: 1,
    endsAt: '2026-03-02T08:42:00.000Z',
    evaluatedAt: '2026-03-02T08:42:00.000Z',
  }),
]);

export const groupedNotification = notification('grouped', [
  alertEvent({
    id: 'site-a/disk-free/aaaa/2026-03-02T08:15:00.000Z/firing',
    rule: { id: 'disk-free', name: 'Disk space low', severity: 'warning' },
    value: 4.25,
    threshold: { op: 'outside_range', min: 10, max: 95 },
    labels: { host: 'pacs-01', mount: 'D:', team: 'infra' },
    annotations: { summary: 'Free disk space outside the safe band' },
    links: [{ title: 'Grafana: disks', url: 'https://grafana.example/d/disks' }],
  }),
  alertEvent({
    id: 'site-a/disk-free/bbbb/2026-03-02T08:15:00.000Z/firing',
    rule: { id: 'disk-free', name: 'Disk space low', severity: 'warning' },
    value: 7.5,
    threshold: { op: 'outside_range', min: 10, max: 95 },
    labels: { host: 'pacs-02', mount: 'E:', team: 'infra' },
    annotations: { summary: 'Free disk space outside the safe band' },
    links: [{ title: 'Grafana: disks', url: 'https://grafana.example/d/disks' }],
    startsAt: '2026-03-02T08:16:30.000Z',
  }),
]);

export const testNotification = notification('test', [
  alertEvent({ id: 'test/pflow-notify-test', test: true, labels: { source: 'pflow notify test' } }),
]);

/** The four notifications every channel renders to golden files. */
export const goldenNotifications: Readonly<Record<'firing' | 'resolved' | 'grouped' | 'test', Notification>> = {
  firing: firingNotification,
  resolved: resolvedNotification,
  grouped: groupedNotification,
  test: testNotification,
};

/**
 * Event data as an attacker on a monitored server could make it (labels and annotations come
 * from scraped targets): markdown and mrkdwn links, mentions, HTML, bare URLs, Adaptive Card
 * functions and terminal escapes. Only the rule's runbook may become a link.
 */
export const HOSTILE_RUNBOOK = 'https://wiki.example/runbooks/pfsw-login';
export const hostileNotification = notification('hostile', [
  alertEvent({
    labels: {
      md_link: '[click](https://evil.example/md)',
      md_ref: '[click][1]\n[1]: https://evil.example/ref',
      mrkdwn: '<https://evil.example/slack|click> <!channel> <@U012AB3CD> <!subteam^S1>',
      html: '<a href="https://evil.example/html">click</a>',
      bare: 'see https://evil.example/bare or www.evil.example',
      emphasis: '**urgent** _now_ ~gone~ `code`',
      list: '- one\n1. two',
      card_fn: '{{DATE(2017-02-14T06:00:00Z, SHORT)}}',
      terminal: '\u001b]8;;https://evil.example/osc\u001b\\click\u001b]8;;\u001b\\ \u009b2J',
    },
    annotations: {
      summary: '[Reset your password](https://evil.example/reset)',
      description: 'Call <tel:+1555> or mail <mailto:x@evil.example>',
      runbook: HOSTILE_RUNBOOK,
    },
    error: '<https://evil.example/err|details> [details](https://evil.example/err)',
  }),
  alertEvent({
    id: 'second',
    labels: { md_link: '[click](https://evil.example/md2)', host: 'pacs_01' },
    annotations: {},
  }),
]);

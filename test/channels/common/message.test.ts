import { describe, expect, it } from 'vitest';
import { formatNumber, formatThreshold, formatTime, summarise } from '../../../src/channels/common/message.js';
import { truncateText } from '../../../src/channels/common/truncate.js';
import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import {
  alertEvent,
  firingNotification,
  groupedNotification,
  resolvedNotification,
  testNotification,
  timezoneFor,
} from './fixtures.js';

const one = (overrides: Partial<AlertEvent>) =>
  summarise({ key: 'k', channel: 'c', events: [alertEvent(overrides)] }, { timezoneFor });

describe('summarise', () => {
  it.each([
    [firingNotification, '[FIRING:1] site-a · PFSW login down'],
    [resolvedNotification, '[RESOLVED:1] site-a · PFSW login down'],
    [groupedNotification, '[FIRING:2] site-a · Disk space low'],
    [testNotification, '[TEST] [FIRING:1] site-a · PFSW login down'],
  ])('titles %#: %s', (notification, title) => {
    expect(summarise(notification, { timezoneFor }).title).toBe(title);
  });

  it.each([
    [{ state: 'nodata', value: null }, '[NODATA:1] site-a · PFSW login down'],
    [{ state: 'error', value: null, error: 'query failed' }, '[ERROR:1] site-a · PFSW login down'],
    [{ repeat: true }, '[FIRING:1] site-a · PFSW login down (reminder)'],
  ] as const)('titles %j as %s', (overrides, title) => {
    expect(one(overrides).title).toBe(title);
  });

  it('headlines the most urgent state of a mixed group and counts each state', () => {
    const message = summarise(
      { key: 'k', channel: 'c', events: [alertEvent({ state: 'resolved' }), alertEvent({}), alertEvent({})] },
      { timezoneFor },
    );
    expect(message.title).toBe('[FIRING:2, RESOLVED:1] site-a · PFSW login down');
    expect(message.state).toBe('firing');
  });

  it('colours by state and severity', () => {
    expect(one({}).colour).toEqual({ hex: '#D32F2F', tone: 'danger' });
    expect(one({ rule: { id: 'r', name: 'R', severity: 'info' } }).colour.tone).toBe('accent');
    expect(one({ state: 'resolved' }).colour.tone).toBe('good');
    expect(one({ state: 'nodata' }).colour.tone).toBe('neutral');
  });

  it('shows value against threshold and start time in the site zone', () => {
    const alert = summarise(firingNotification, { timezoneFor }).alerts[0]!;
    expect(alert).toMatchObject({
      valueText: '0',
      thresholdText: '< 1',
      conditionText: '0 < 1',
      startsAtText: '2026-03-02 09:15:00 UTC+01:00',
      timezone: 'Europe/Berlin',
    });
    expect(one({ value: null }).alerts[0]!.conditionText).toBe('no value (threshold < 1)');
    expect(one({ site: 'elsewhere' }).alerts[0]!.startsAtText).toBe('2026-03-02 08:15:00 UTC+00:00');
    expect(summarise(firingNotification, { timezoneFor: () => 'Not/AZone' }).alerts[0]!.timezone).toBe('UTC');
  });

  it('separates common labels from the labels that tell grouped alerts apart', () => {
    const message = summarise(groupedNotification, { timezoneFor });
    expect(message.commonLabels).toEqual([{ name: 'team', value: 'infra' }]);
    expect(message.alerts[0]!.distinctLabels).toEqual([
      { name: 'host', value: 'pacs-01' },
      { name: 'mount', value: 'D:' },
    ]);
  });

  it('collects runbook, dashboard and rule links once each, http(s) only', () => {
    const message = one({
      annotations: { runbook: 'https://wiki/r', dashboard_url: 'https://g/d' },
      links: [
        { title: 'Runbook again', url: 'https://wiki/r' },
        { title: 'Script', url: 'javascript:alert(1)' },
        { title: 'Vendor', url: 'https://vendor/s' },
      ],
    });
    expect(message.links).toEqual([
      { kind: 'runbook', title: 'Runbook', url: 'https://wiki/r' },
      { kind: 'dashboard', title: 'Dashboard', url: 'https://g/d' },
      { kind: 'link', title: 'Vendor', url: 'https://vendor/s' },
    ]);
  });

  it('refuses a notification without events', () => {
    expect(() => summarise({ key: 'empty', channel: 'c', events: [] })).toThrow(/no events/);
  });
});

describe('formatting', () => {
  it.each([
    [{ op: '>', value: 90 }, '> 90'],
    [{ op: '!=', value: 0.5 }, '!= 0.5'],
    [{ op: 'outside_range', min: 10, max: 20 }, 'outside 10..20'],
    [{ op: 'inside_range', min: -1, max: 1 }, 'inside -1..1'],
  ] as const)('threshold %j → %s', (threshold, text) => {
    expect(formatThreshold(threshold)).toBe(text);
  });

  it.each([
    [0, '0'],
    [4.25, '4.25'],
    [1 / 3, '0.333'],
    [1e21, '1e+21'],
    [Number.NaN, 'NaN'],
  ])('number %d → %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });

  it('formats times with a numeric offset, DST included', () => {
    expect(formatTime('2026-07-01T12:00:00.000Z', 'Europe/Berlin')).toBe('2026-07-01 14:00:00 UTC+02:00');
    expect(formatTime('not a time', 'UTC')).toBe('not a time');
  });

  it('truncates with a visible marker, never splitting a surrogate pair', () => {
    expect(truncateText('short', 10)).toBe('short');
    expect(truncateText('a'.repeat(30), 20)).toBe(`${'a'.repeat(7)}… (truncated)`);
    expect(truncateText(`${'a'.repeat(6)}😀😀😀😀😀😀😀😀`, 20)).toBe(`${'a'.repeat(6)}… (truncated)`);
  });
});

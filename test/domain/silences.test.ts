import { describe, expect, it } from 'vitest';
import { parseMatcher } from '../../src/domain/labels.js';
import { isMuted, type MaintenanceWindow, type Silence, type WeeklySlot } from '../../src/domain/silences.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const utc = (text: string) => Date.parse(text);
const LABELS = { site: 'site-a', probe: 'pfsw-login', severity: 'critical' };

function weekly(slot: WeeklySlot, timezone = 'Europe/Amsterdam'): MaintenanceWindow {
  return { id: 'mw', matchers: [parseMatcher('site="site-a"')], timezone, weekly: [slot], ranges: [] };
}

describe('isMuted: silences', () => {
  const silence: Silence = {
    id: 's1',
    matchers: [parseMatcher('probe="pfsw-login"')],
    startsAt: utc('2026-11-24T10:00:00Z'),
    endsAt: utc('2026-11-24T12:00:00Z'),
  };

  it.each([
    ['just before the start', '2026-11-24T09:59:59.999Z', LABELS, false],
    ['at the start (inclusive)', '2026-11-24T10:00:00Z', LABELS, true],
    ['inside', '2026-11-24T11:00:00Z', LABELS, true],
    ['at the end (exclusive)', '2026-11-24T12:00:00Z', LABELS, false],
    ['inside, other labels', '2026-11-24T11:00:00Z', { ...LABELS, probe: 'other' }, false],
  ])('%s: %s → %s', (_, at, labels, expected) => {
    expect(isMuted(labels, utc(at), [silence], [])).toBe(expected);
  });
});

describe('isMuted: maintenance windows', () => {
  it.each([
    ['before', '2026-12-01T07:59:00Z', false],
    ['inside', '2026-12-01T08:30:00Z', true],
    ['after', '2026-12-01T09:00:00Z', false],
  ])('a fixed range, %s', (_, at, expected) => {
    const window: MaintenanceWindow = {
      id: 'upgrade',
      matchers: [],
      timezone: 'UTC',
      weekly: [],
      ranges: [{ startsAt: utc('2026-12-01T08:00:00Z'), endsAt: utc('2026-12-01T09:00:00Z') }],
    };
    expect(isMuted(LABELS, utc(at), [], [window])).toBe(expected);
  });

  // Saturdays 22:00–02:00 Europe/Amsterdam; on 2026-11-21 that is 21:00–01:00 UTC (CET, +1).
  const saturdayNight = weekly({ weekdays: [6], startMinute: 22 * 60, durationMs: 4 * HOUR });
  it.each([
    ['Saturday 21:59 local', '2026-11-21T20:59:00Z', false],
    ['Saturday 22:00 local', '2026-11-21T21:00:00Z', true],
    ['Sunday 00:30 local, after midnight', '2026-11-21T23:30:00Z', true],
    ['Sunday 01:59 local', '2026-11-22T00:59:00Z', true],
    ['Sunday 02:00 local', '2026-11-22T01:00:00Z', false],
    ['Friday 23:00 local, wrong weekday', '2026-11-20T22:00:00Z', false],
    ['Monday 00:30 local, slot did not start Sunday', '2026-11-22T23:30:00Z', false],
  ])('a weekly slot across midnight, %s → %s', (_, at, expected) => {
    expect(isMuted(LABELS, utc(at), [], [saturdayNight])).toBe(expected);
  });

  it('does not mute labels the window does not match', () => {
    expect(isMuted({ ...LABELS, site: 'site-b' }, utc('2026-11-21T23:30:00Z'), [], [saturdayNight])).toBe(false);
  });

  // Saturdays 23:00 local for four real hours, across both 2026 DST changes in Amsterdam.
  const overDst = weekly({ weekdays: [6], startMinute: 23 * 60, durationMs: 4 * HOUR });
  it.each([
    // Autumn: clocks go 03:00 CEST → 02:00 CET at 01:00 UTC on Sunday 25 October.
    ['autumn: Saturday 22:59 CEST', '2026-10-24T20:59:00Z', false],
    ['autumn: Saturday 23:00 CEST', '2026-10-24T21:00:00Z', true],
    ['autumn: Sunday 02:30 CEST, after midnight', '2026-10-25T00:30:00Z', true],
    ['autumn: Sunday 02:30 CET, the repeated hour', '2026-10-25T01:30:00Z', false],
    ['autumn: Sunday 01:59 CET, four real hours later minus a minute', '2026-10-25T00:59:00Z', true],
    // Spring: clocks go 02:00 CET → 03:00 CEST at 01:00 UTC on Sunday 29 March.
    ['spring: Saturday 23:00 CET', '2026-03-28T22:00:00Z', true],
    ['spring: Sunday 03:59 CEST', '2026-03-29T01:59:00Z', true],
    ['spring: Sunday 04:00 CEST', '2026-03-29T02:00:00Z', false],
  ])('a weekly slot on a DST night, %s → %s', (_, at, expected) => {
    expect(isMuted(LABELS, utc(at), [], [overDst])).toBe(expected);
  });

  it('moves a slot that starts inside the spring-forward gap to just after it', () => {
    // Sunday 02:30 local does not exist on 2026-03-29; the slot starts at 03:30 CEST (01:30 UTC).
    const inGap = weekly({ weekdays: [7], startMinute: 2 * 60 + 30, durationMs: 30 * MINUTE });
    expect(isMuted(LABELS, utc('2026-03-29T01:29:00Z'), [], [inGap])).toBe(false);
    expect(isMuted(LABELS, utc('2026-03-29T01:30:00Z'), [], [inGap])).toBe(true);
    expect(isMuted(LABELS, utc('2026-03-29T01:59:00Z'), [], [inGap])).toBe(true);
    expect(isMuted(LABELS, utc('2026-03-29T02:00:00Z'), [], [inGap])).toBe(false);
  });

  it('matches a slot longer than a day on its second day', () => {
    const weekend = weekly({ weekdays: [6], startMinute: 0, durationMs: 48 * HOUR }, 'UTC');
    expect(isMuted(LABELS, utc('2026-11-22T23:00:00Z'), [], [weekend])).toBe(true);
    expect(isMuted(LABELS, utc('2026-11-23T00:00:00Z'), [], [weekend])).toBe(false);
  });

  it('places the slot in its own time zone, not UTC', () => {
    const newYork = weekly({ weekdays: [2], startMinute: 9 * 60, durationMs: HOUR }, 'America/New_York');
    // Tuesday 2026-11-24 09:30 EST = 14:30 UTC.
    expect(isMuted(LABELS, utc('2026-11-24T14:30:00Z'), [], [newYork])).toBe(true);
    expect(isMuted(LABELS, utc('2026-11-24T09:30:00Z'), [], [newYork])).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { nextLocalTime, previousLocalDay, reportWindow } from '../../../src/domain/report/window.js';

describe('reportWindow', () => {
  it.each([
    ['2026-03-29', 'Europe/Berlin', 23, '2026-03-28T23:00:00.000Z'],
    ['2026-10-25', 'Europe/Berlin', 25, '2026-10-24T22:00:00.000Z'],
    ['2026-07-01', 'Europe/Berlin', 24, '2026-06-30T22:00:00.000Z'],
    ['2026-03-08', 'America/New_York', 23, '2026-03-08T05:00:00.000Z'],
    ['2026-07-01', 'Asia/Kathmandu', 24, '2026-06-30T18:15:00.000Z'],
  ])('%s in %s has %i hours from %s', (day, zone, hours, start) => {
    const w = reportWindow(day, zone);
    expect(w.hours).toBe(hours);
    expect(new Date(w.dayStart).toISOString()).toBe(start);
    expect(w.dayEnd - w.dayStart).toBe(hours * 3_600_000);
  });

  it.each([
    ['2026-3-1', 'UTC', 'day: must be a date as YYYY-MM-DD, got "2026-3-1"'],
    ['2026-02-30', 'UTC', 'day: "2026-02-30" is not a calendar date'],
    ['2026-02-01', 'Mars/Olympus', 'timezone: "Mars/Olympus" is not an IANA time zone'],
  ])('refuses %s in %s', (day, zone, message) => {
    expect(() => reportWindow(day, zone)).toThrow(message);
  });
});

describe('nextLocalTime', () => {
  const at = (iso: string) => Date.parse(iso);
  it.each([
    // 07:00 in Berlin is 06:00Z in winter, 05:00Z in summer: the spring-forward morning is already summer.
    ['2026-03-28T06:00:00.000Z', '07:00', '2026-03-29T05:00:00.000Z'],
    ['2026-03-29T05:00:00.000Z', '07:00', '2026-03-30T05:00:00.000Z'],
    ['2026-10-24T05:00:00.000Z', '07:00', '2026-10-25T06:00:00.000Z'],
    // 02:30 does not exist on 29 March: luxon moves it forward to 03:30 CEST.
    ['2026-03-28T12:00:00.000Z', '02:30', '2026-03-29T01:30:00.000Z'],
    // 02:30 happens twice on 25 October: taken once, the first time (CEST).
    ['2026-10-24T12:00:00.000Z', '02:30', '2026-10-25T00:30:00.000Z'],
    ['2026-10-25T00:30:00.000Z', '02:30', '2026-10-26T01:30:00.000Z'],
  ])('after %s, %s Berlin is %s', (after, time, expected) => {
    expect(new Date(nextLocalTime(at(after), 'Europe/Berlin', time)).toISOString()).toBe(expected);
  });

  it('previousLocalDay is the local yesterday', () => {
    expect(previousLocalDay(at('2026-03-29T23:30:00.000Z'), 'Europe/Berlin')).toBe('2026-03-29');
    expect(previousLocalDay(at('2026-03-29T21:30:00.000Z'), 'Europe/Berlin')).toBe('2026-03-28');
  });
});

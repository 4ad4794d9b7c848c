import { describe, expect, it } from 'vitest';
import { DurationSyntaxError, formatDuration, MAX_DURATION_MS, parseDuration } from '../../src/domain/duration.js';

describe('parseDuration (Prometheus grammar)', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['0ms', 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['1y2w3d4h5m6s7ms', 31_536_000_000 + 2 * 604_800_000 + 3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000 + 6_007],
    ['007s', 7_000],
    // The largest Prometheus accepts: (2⁶³ − 1) ns, in whole milliseconds.
    ['9223372036854ms', 9_223_372_036_854],
    ['106751d23h47m16s854ms', 9_223_372_036_854],
    ['292y', 292 * 31_536_000_000],
  ])('accepts %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['1h1h', 'units go from largest to smallest, each at most once'],
    ['1m1h', 'units go from largest to smallest, each at most once'],
    ['30s1m', 'units go from largest to smallest, each at most once'],
    ['1s500ms1s', 'units go from largest to smallest, each at most once'],
    ['', 'empty duration'],
    ['1 minute', 'not a duration: "1 minute" (use e.g. 500ms, 30s, 5m, 4h, 1d)'],
    ['5mins', 'unknown unit "mins"'],
    ['10Y', 'unknown unit "Y"'],
    ['1.5h', 'not a duration: "1.5h"'],
    ['-5m', 'not a duration: "-5m"'],
    ['m', 'not a duration: "m"'],
    ['5', 'not a duration: "5"'],
    ['1h30', 'not a duration: "1h30"'],
    ['00', 'not a duration: "00"'],
    [' 5m', 'not a duration: " 5m"'],
    ['9223372036855ms', 'is out of range (Prometheus durations end at 106751d23h47m16s854ms, about 292 years)'],
    ['293y', 'is out of range'],
    ['99999999999999999999d', 'duration "99999999999999999999d" is out of range'],
    ['292y25w', 'is out of range'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseDuration(text)).toThrow(DurationSyntaxError);
    expect(() => parseDuration(text)).toThrow(message);
  });

  it('names the grammar in the message for a unit out of order', () => {
    expect(() => parseDuration('1m1h')).toThrow(
      'not a duration: "1m1h" (units go from largest to smallest, each at most once: y w d h m s ms, e.g. 1h30m)',
    );
  });

  it('formats what it parses', () => {
    expect(formatDuration(parseDuration('1h30m'))).toBe('1h30m');
    expect(formatDuration(MAX_DURATION_MS)).toBe('106751d23h47m16s854ms');
    expect(formatDuration(0)).toBe('0s');
  });
});

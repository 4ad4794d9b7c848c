import { describe, expect, it } from 'vitest';
import { lastSeenRefreshMs, LAST_SEEN_REFRESH_MAX_MS, needsWrite } from '../../../src/domain/assets/location-writes.js';
import type { TagState } from '../../../src/domain/assets/tracker.js';
import { MIN, S, settings, T0 } from './fixtures.js';

const stored: TagState = {
  site: 'a',
  tag: 'T-1',
  lastSeen: T0,
  zone: 'store-3',
  since: T0,
  battery: 80,
  batteryAt: T0,
};

describe('needsWrite: the stored location is rewritten only when an answer would change', () => {
  it('writes a tag it has no item for, and every move', () => {
    expect(needsWrite(undefined, stored, settings, 'storage')).toBe(true);
    expect(
      needsWrite(stored, { ...stored, lastSeen: T0 + S, zone: 'room-301', since: T0 + S }, settings, 'clinical'),
    ).toBe(true);
    // A flicker back restores an older since: still a change of the stored answer.
    expect(needsWrite(stored, { ...stored, since: T0 - MIN }, settings, 'storage')).toBe(true);
    expect(needsWrite(stored, { ...stored, floor: '3' }, settings, 'storage')).toBe(true);
    expect(needsWrite(stored, { ...stored, button: 'attention', buttonAt: T0 }, settings, 'storage')).toBe(true);
  });

  it('refreshes lastSeen after a quarter of missing_after, at most 5 minutes; in an exit zone a quarter of exit_grace', () => {
    // settings: missing after 30 min, exit grace 2 min.
    expect(lastSeenRefreshMs(settings, 'storage')).toBe(LAST_SEEN_REFRESH_MAX_MS);
    expect(lastSeenRefreshMs({ ...settings, missingAfterMs: 8 * MIN }, 'storage')).toBe(2 * MIN);
    expect(lastSeenRefreshMs(settings, 'exit')).toBe(30 * S);
    expect(lastSeenRefreshMs(settings, undefined)).toBe(5 * MIN);
    const seen = (t: number) => ({ ...stored, lastSeen: t, batteryAt: t, motionAt: t });
    expect(needsWrite(stored, seen(T0 + 5 * MIN - 1), settings, 'storage')).toBe(false);
    expect(needsWrite(stored, seen(T0 + 5 * MIN), settings, 'storage')).toBe(true);
    const atExit = { ...stored, zone: 'exit-main' };
    expect(needsWrite(atExit, { ...atExit, lastSeen: T0 + 29 * S }, settings, 'exit')).toBe(false);
    expect(needsWrite(atExit, { ...atExit, lastSeen: T0 + 30 * S }, settings, 'exit')).toBe(true);
  });

  it('writes a battery level when it leaves its 5 % band or crosses low_battery_below, not for jitter', () => {
    const battery = (b: number) => ({ ...stored, battery: b, batteryAt: T0 + S });
    expect(needsWrite(stored, battery(84), settings, 'storage')).toBe(false);
    expect(needsWrite(stored, battery(79), settings, 'storage')).toBe(true);
    const at17 = { ...stored, battery: 17 };
    const low18 = { ...settings, lowBatteryBelow: 18 };
    // 17 and 19 share a band; with 18 the low threshold, going 17 → 19 changes the answer.
    expect(needsWrite(at17, { ...at17, battery: 19 }, settings, 'storage')).toBe(false);
    expect(needsWrite(at17, { ...at17, battery: 19 }, low18, 'storage')).toBe(true);
    expect(needsWrite({ ...stored, battery: undefined }, stored, settings, 'storage')).toBe(true);
  });
});

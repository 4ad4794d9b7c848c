import { describe, expect, it } from 'vitest';
import { TagTracker } from '../../../src/domain/assets/tracker.js';
import { index, S, T0 } from './fixtures.js';

describe('TagTracker', () => {
  it('follows a tag from zone to zone, since it entered each', () => {
    const tracker = new TagTracker(index, 10 * S);
    expect(tracker.apply('a', { tag: 'T-1', t: T0, zone: 'store-3' })).toBe('new');
    expect(tracker.apply('a', { tag: 'T-1', t: T0 + 30 * S, zone: 'store-3' })).toBe('seen');
    expect(tracker.apply('a', { tag: 'T-1', t: T0 + 60 * S, zone: 'room-301' })).toBe('moved');
    expect(tracker.state('a', 'T-1')).toMatchObject({ zone: 'room-301', since: T0 + 60 * S, lastSeen: T0 + 60 * S });
  });

  it('never moves a tag backwards for a late event, but takes its newer battery reading', () => {
    const tracker = new TagTracker(index, 10 * S);
    tracker.apply('a', { tag: 'T-1', t: T0 + 60 * S, zone: 'room-301' });
    expect(tracker.apply('a', { tag: 'T-1', t: T0, zone: 'store-3', battery: 40 })).toBe('late');
    expect(tracker.state('a', 'T-1')).toMatchObject({
      zone: 'room-301',
      since: T0 + 60 * S,
      battery: 40,
      batteryAt: T0,
    });
    tracker.apply('a', { tag: 'T-1', t: T0 + 70 * S, battery: 39 });
    expect(tracker.apply('a', { tag: 'T-1', t: T0 + 5 * S, battery: 41 })).toBe('late');
    expect(tracker.state('a', 'T-1')!.battery).toBe(39);
  });

  it('ignores a duplicate, and a second zone at the same millisecond', () => {
    const tracker = new TagTracker(index, 10 * S);
    tracker.apply('a', { tag: 'T-1', t: T0, zone: 'store-3', battery: 80 });
    tracker.takeChanged();
    expect(tracker.apply('a', { tag: 'T-1', t: T0, zone: 'store-3', battery: 80 })).toBe('duplicate');
    expect(tracker.apply('a', { tag: 'T-1', t: T0, zone: 'room-301' })).toBe('late');
    expect(tracker.state('a', 'T-1')!.zone).toBe('store-3');
    expect(tracker.takeChanged()).toEqual([]);
  });

  it('treats a zone seen for under a second between two readings of another as a flicker', () => {
    const tracker = new TagTracker(index, 10 * S);
    tracker.apply('a', { tag: 'T-1', t: T0, zone: 'room-301' });
    tracker.apply('a', { tag: 'T-1', t: T0 + 500, zone: 'room-302' });
    expect(tracker.state('a', 'T-1')).toMatchObject({ zone: 'room-302', since: T0 + 500 });
    tracker.apply('a', { tag: 'T-1', t: T0 + 900, zone: 'room-301' });
    // Back in 301 since it first entered it, not since the flicker.
    expect(tracker.state('a', 'T-1')).toMatchObject({ zone: 'room-301', since: T0 });
    expect(tracker.state('a', 'T-1')!.previousZone).toBeUndefined();
    // A real stay in 302 (longer than min dwell) is a move.
    tracker.apply('a', { tag: 'T-1', t: T0 + 20 * S, zone: 'room-302' });
    tracker.apply('a', { tag: 'T-1', t: T0 + 40 * S, zone: 'room-301' });
    expect(tracker.state('a', 'T-1')).toMatchObject({ zone: 'room-301', since: T0 + 40 * S });
  });

  it('places an x/y reading in the zone whose area holds it', () => {
    const tracker = new TagTracker(index, 10 * S);
    tracker.apply('a', { tag: 'T-1', t: T0, x: 4, y: 5, floor: '3' });
    expect(tracker.state('a', 'T-1')).toMatchObject({ zone: 'room-301', floor: '3' });
    tracker.apply('a', { tag: 'T-1', t: T0 + S, x: 40, y: 5, floor: '3' });
    expect(tracker.state('a', 'T-1')!.zone).toBe('room-301');
  });

  it('keeps sites apart and reports what changed for the store', () => {
    const tracker = new TagTracker(index, 10 * S);
    tracker.apply('a', { tag: 'T-1', t: T0, zone: 'store-3' });
    tracker.apply('b', { tag: 'T-1', t: T0, zone: 'x' });
    expect(tracker.takeChanged().map((s) => s.site)).toEqual(['a', 'b']);
    expect(tracker.takeChanged()).toEqual([]);
    const restored = new TagTracker(index, 10 * S, [tracker.state('a', 'T-1')!]);
    expect(restored.apply('a', { tag: 'T-1', t: T0, zone: 'store-3' })).toBe('duplicate');
  });
});

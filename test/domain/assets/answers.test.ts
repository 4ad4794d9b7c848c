import { describe, expect, it } from 'vitest';
import { assetOverview, assetSeries, whereIs } from '../../../src/domain/assets/answers.js';
import { TagTracker } from '../../../src/domain/assets/tracker.js';
import { index, MIN, registry, S, settings, T0 } from './fixtures.js';

function wing() {
  const tracker = new TagTracker(index, 10 * S);
  tracker.apply('a', { tag: 'T-1', t: T0, zone: 'store-3', battery: 90 });
  tracker.apply('a', { tag: 'T-2', t: T0, zone: 'clean-2', battery: 12 });
  tracker.apply('a', { tag: 'T-3', t: T0, zone: 'room-301' });
  tracker.apply('a', { tag: 'T-9', t: T0, zone: 'exit-main' });
  return tracker;
}

describe('whereIs', () => {
  it('answers by asset id with zone, since and status', () => {
    const [pump] = whereIs({ asset: 'pump-3' }, registry.assets, wing(), index, settings, T0 + MIN);
    expect(pump).toEqual({
      asset: 'pump-3',
      site: 'a',
      tag: 'T-3',
      type: 'infusion-pump',
      status: 'present',
      available: false,
      zone: 'room-301',
      zoneName: 'Room 301',
      zoneKind: 'clinical',
      floor: '3',
      since: T0,
      lastSeen: T0,
      lowBattery: false,
    });
  });

  it('puts the available ones on the asked floor first for "nearest pump on floor 3"', () => {
    const tracker = wing();
    const answer = whereIs({ type: 'infusion-pump', floor: '3' }, registry.assets, tracker, index, settings, T0 + MIN);
    expect(answer.map((l) => [l.asset, l.available, l.floor])).toEqual([
      ['pump-1', true, '3'],
      ['pump-2', true, '2'],
      ['pump-3', false, '3'],
    ]);
    expect(
      whereIs(
        { type: 'infusion-pump', availableOnly: true, limit: 1, floor: '2' },
        registry.assets,
        tracker,
        index,
        settings,
        T0 + MIN,
      ).map((l) => l.asset),
    ).toEqual(['pump-2']);
  });

  it('calls an asset missing after missing_after, and gone when last seen at an exit', () => {
    const tracker = wing();
    const at = (ms: number) => assetOverview(registry.assets, tracker, index, settings, ms);
    expect(at(T0 + MIN).leftBuilding).toEqual([]);
    expect(at(T0 + 2 * MIN + 1).leftBuilding.map((l) => l.asset)).toEqual(['chair-1']);
    expect(at(T0 + 30 * MIN).missing).toEqual([]);
    expect(at(T0 + 30 * MIN + 1).missing.map((l) => l.asset)).toEqual(['pump-1', 'pump-2', 'pump-3']);
    // Seen again: present again.
    tracker.apply('a', { tag: 'T-1', t: T0 + 31 * MIN, zone: 'store-3' });
    expect(at(T0 + 31 * MIN).missing.map((l) => l.asset)).toEqual(['pump-2', 'pump-3']);
    expect(at(T0).lowBattery.map((l) => l.asset)).toEqual(['pump-2']);
  });
});

describe('par levels', () => {
  it('crosses below its minimum and back up', () => {
    const tracker = wing();
    const par = (now: number) => assetOverview(registry.assets, tracker, index, settings, now).parLevels[0];
    expect(par(T0)).toEqual({ site: 'a', zone: 'store-3', type: 'infusion-pump', min: 2, available: 1, shortBy: 1 });
    tracker.apply('a', { tag: 'T-2', t: T0 + MIN, zone: 'store-3' });
    expect(par(T0 + MIN)).toMatchObject({ available: 2, shortBy: 0 });
    tracker.apply('a', { tag: 'T-3', t: T0 + 2 * MIN, zone: 'store-3' });
    expect(par(T0 + 2 * MIN)).toMatchObject({ available: 3, shortBy: 0 });
    tracker.apply('a', { tag: 'T-1', t: T0 + 3 * MIN, zone: 'room-302' });
    tracker.apply('a', { tag: 'T-2', t: T0 + 3 * MIN, zone: 'room-301' });
    expect(par(T0 + 3 * MIN)).toMatchObject({ available: 1, shortBy: 1 });
    // A missing pump in the store does not count as available.
    expect(par(T0 + 33 * MIN)).toMatchObject({ available: 0, shortBy: 2 });
  });
});

describe('assetSeries', () => {
  it('writes the answers as series for the rules', () => {
    const tracker = wing();
    const now = T0 + 3 * MIN;
    const samples = assetSeries(assetOverview(registry.assets, tracker, index, settings, now), index, now);
    const pick = (name: string) =>
      samples.filter((s) => s.name === name).map((s) => [s.labels.asset ?? s.labels.zone, s.value]);
    expect(pick('pflow_asset_last_seen_age_seconds')).toEqual([
      ['pump-1', 180],
      ['pump-2', 180],
      ['pump-3', 180],
      ['chair-1', 180],
    ]);
    expect(pick('pflow_asset_left_building')).toEqual([['chair-1', 1]]);
    expect(pick('pflow_asset_battery_percent')).toEqual([
      ['pump-1', 90],
      ['pump-2', 12],
    ]);
    expect(pick('pflow_zone_par_shortfall')).toEqual([['store-3', 1]]);
    expect(samples.find((s) => s.name === 'pflow_asset_left_building')!.labels).toEqual({
      site: 'a',
      asset: 'chair-1',
      type: 'wheelchair',
      zone: 'exit-main',
      zone_name: 'Main exit',
    });
    expect(samples.every((s) => s.time === now)).toBe(true);
  });
});

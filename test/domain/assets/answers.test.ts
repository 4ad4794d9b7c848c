import { describe, expect, it } from 'vitest';
import {
  AssetLookup,
  assetOverview,
  assetSeries,
  locate,
  whereIs,
  type AssetLocation,
  type WhereIsQuery,
} from '../../../src/domain/assets/answers.js';
import { RegistryIndex, type Asset, type AssetRegistry, type Zone } from '../../../src/domain/assets/registry.js';
import { mulberry32 } from '../../../src/domain/assets/simulator.js';
import { TagTracker } from '../../../src/domain/assets/tracker.js';
import { index, MIN, registry, S, settings, T0 } from './fixtures.js';

const lookup = new AssetLookup(registry.assets);

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
    const [pump] = whereIs({ asset: 'pump-3' }, lookup, wing(), index, settings, T0 + MIN);
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
    const answer = whereIs({ type: 'infusion-pump', floor: '3' }, lookup, tracker, index, settings, T0 + MIN);
    expect(answer.map((l) => [l.asset, l.available, l.floor])).toEqual([
      ['pump-1', true, '3'],
      ['pump-2', true, '2'],
      ['pump-3', false, '3'],
    ]);
    expect(
      whereIs(
        { type: 'infusion-pump', availableOnly: true, limit: 1, floor: '2' },
        lookup,
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

/** Where-is as it was before the lookup: every asset located, filtered, sorted, cut. */
function whereIsByScan(
  query: WhereIsQuery,
  assets: readonly Asset[],
  tracker: TagTracker,
  idx: RegistryIndex,
  now: number,
): AssetLocation[] {
  const out = assets
    .filter(
      (a) =>
        (query.site === undefined || a.site === query.site) &&
        (query.asset === undefined || a.id === query.asset) &&
        (query.tag === undefined || a.tag === query.tag) &&
        (query.type === undefined || a.type === query.type) &&
        (query.department === undefined || a.department === query.department),
    )
    .map((a) => locate(a, tracker.state(a.site, a.tag), idx, settings, now))
    .filter((l) => (query.status === undefined || l.status === query.status) && (!query.availableOnly || l.available));
  const rank = (l: AssetLocation) =>
    (l.available ? 0 : 4) +
    (query.floor !== undefined && l.floor === query.floor ? 0 : 2) +
    (l.status === 'present' ? 0 : 1);
  out.sort((a, b) => rank(a) - rank(b) || (b.lastSeen ?? -1) - (a.lastSeen ?? -1) || a.asset.localeCompare(b.asset));
  return query.limit === undefined ? out : out.slice(0, query.limit);
}

describe('whereIs through the lookup by id, tag and type', () => {
  /** Two sites that reuse asset ids and tags, every status, ties on lastSeen. */
  function bigWing(seed: number) {
    const random = mulberry32(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const kinds = ['storage', 'clean', 'dirty', 'clinical', 'exit', 'other'] as const;
    const zones: Zone[] = [];
    for (const site of ['a', 'b'])
      for (let z = 0; z < 12; z++)
        zones.push({ id: `z${z}`, site, name: `Zone ${z}`, floor: String(z % 3), kind: kinds[z % 6]!, stage: 'x' });
    const assets: Asset[] = [];
    for (const site of ['a', 'b'])
      for (let i = 0; i < 300; i++)
        assets.push({
          id: `asset-${i}`,
          site,
          tag: `T-${i}`,
          type: pick(['infusion-pump', 'wheelchair', 'bed']),
          ...(random() < 0.7 && { department: pick(['ward-1', 'ward-2']) }),
          source: 'config',
        });
    const reg: AssetRegistry = { zones, assets, parLevels: [] };
    const idx = new RegistryIndex(reg);
    const tracker = new TagTracker(idx, 10 * S);
    for (const asset of assets) {
      if (random() < 0.1) continue; // never seen
      // Whole minutes back, so many assets share a lastSeen and the id decides.
      const t = T0 - Math.floor(random() * 40) * MIN;
      tracker.apply(asset.site, { tag: asset.tag, t, zone: pick(zones.filter((z) => z.site === asset.site)).id });
    }
    return { reg, idx, tracker, random, pick };
  }

  it('answers every kind of query exactly as a scan of all assets does', () => {
    for (const seed of [1, 2, 3]) {
      const { reg, idx, tracker, random, pick } = bigWing(seed);
      const lookupOf = new AssetLookup(reg.assets);
      for (let q = 0; q < 300; q++) {
        const query: WhereIsQuery = {
          ...(random() < 0.5 && { site: pick(['a', 'b', 'c']) }),
          ...(random() < 0.2 && { asset: `asset-${Math.floor(random() * 320)}` }),
          ...(random() < 0.15 && { tag: `T-${Math.floor(random() * 320)}` }),
          ...(random() < 0.6 && { type: pick(['infusion-pump', 'wheelchair', 'bed', 'ventilator']) }),
          ...(random() < 0.3 && { department: pick(['ward-1', 'ward-2']) }),
          ...(random() < 0.5 && { floor: pick(['0', '1', '2']) }),
          ...(random() < 0.2 && { status: pick(['present', 'missing', 'left_building', 'never_seen'] as const) }),
          ...(random() < 0.4 && { availableOnly: true }),
          ...(random() < 0.5 && { limit: pick([1, 3, 5, 50, 10_000]) }),
        };
        const now = T0 + pick([0, 5 * MIN, 20 * MIN]);
        expect(whereIs(query, lookupOf, tracker, idx, settings, now), JSON.stringify(query)).toEqual(
          whereIsByScan(query, reg.assets, tracker, idx, now),
        );
      }
    }
  });

  it('finds an id in every site that has it, and each site alone', () => {
    const { reg, idx, tracker } = bigWing(4);
    const lookupOf = new AssetLookup(reg.assets);
    expect(
      whereIs({ asset: 'asset-7' }, lookupOf, tracker, idx, settings, T0)
        .map((l) => l.site)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(whereIs({ asset: 'asset-7', site: 'b' }, lookupOf, tracker, idx, settings, T0).map((l) => l.site)).toEqual([
      'b',
    ]);
    expect(whereIs({ asset: 'asset-999' }, lookupOf, tracker, idx, settings, T0)).toEqual([]);
    expect(whereIs({ type: 'ventilator' }, lookupOf, tracker, idx, settings, T0)).toEqual([]);
    expect(lookupOf.asset('asset-7', 'b')).toMatchObject({ id: 'asset-7', site: 'b' });
    expect(lookupOf.asset('asset-7')).toMatchObject({ id: 'asset-7', site: 'a' });
    expect(lookupOf.asset('asset-7', 'c')).toBeUndefined();
  });

  it('returns the first `limit` of the full ranking, as many as there are when fewer', () => {
    const { reg, idx, tracker } = bigWing(5);
    const lookupOf = new AssetLookup(reg.assets);
    const all = whereIs({ type: 'bed', floor: '1' }, lookupOf, tracker, idx, settings, T0);
    expect(all.length).toBeGreaterThan(50);
    for (const limit of [1, 2, 7, 50]) {
      expect(whereIs({ type: 'bed', floor: '1', limit }, lookupOf, tracker, idx, settings, T0)).toEqual(
        all.slice(0, limit),
      );
    }
    expect(whereIs({ type: 'bed', floor: '1', limit: 10_000 }, lookupOf, tracker, idx, settings, T0)).toEqual(all);
    expect(whereIs({ type: 'bed', limit: 0 }, lookupOf, tracker, idx, settings, T0)).toEqual([]);
  });
});

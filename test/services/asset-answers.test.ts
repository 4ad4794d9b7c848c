import { describe, expect, it } from 'vitest';
import { SqliteTagStore } from '../../src/adapters/local/sqlite-tags.js';
import { openDatabase } from '../../src/adapters/local/sqlite.js';
import type { AssetsConfig } from '../../src/domain/assets/config-schema.js';
import type { TagEvent } from '../../src/domain/assets/tag-event.js';
import { assetAnswerSeries } from '../../src/services/asset-answers.js';
import { AssetService } from '../../src/services/assets.js';
import { MIN, registry, settings, T0 } from '../domain/assets/fixtures.js';
import { captureLogger } from '../support/logger.js';

const config: AssetsConfig = { settings, evaluateEveryMs: 15_000, registry, inputs: [] };

/** A morning of the fixture wing: pumps moving and resting, one battery low, two patients through stages. */
function morning(): TagEvent[] {
  const events: TagEvent[] = [];
  for (let m = 0; m <= 180; m++) {
    events.push({ tag: 'T-1', t: T0 + m * MIN, zone: m < 60 ? 'store-3' : 'room-301', battery: 90 });
    events.push({ tag: 'T-2', t: T0 + m * MIN, zone: 'store-3', battery: 12 });
    // The chair stops reporting at minute 100 in the exit zone: it has left the building.
    if (m <= 100) events.push({ tag: 'T-9', t: T0 + m * MIN, zone: m < 90 ? 'corridor' : 'exit-main' });
  }
  const journey = (tag: string, start: number, path: [number, string][]) => {
    for (let m = 0; m <= path[path.length - 1]![0]; m++) {
      events.push({ tag, t: T0 + (start + m) * MIN, zone: [...path].reverse().find(([s]) => m >= s)![1] });
    }
  };
  journey('P-1', 10, [
    [0, 'wait'],
    [20, 'triage'],
    [30, 'wait'],
    [60, 'ct'],
    [75, 'exit-main'],
  ]);
  journey('P-2', 100, [
    [0, 'wait'],
    [5, 'triage'],
    [40, 'wait'],
    [45, 'ct'],
    [70, 'ct'],
  ]);
  return events;
}

describe('assetAnswerSeries: the local runtime’s answers from a snapshot of locations and history', () => {
  const at = T0 + 180 * MIN + 30_000;
  // The local runtime: SQLite tag store and the asset service that ingested everything.
  const db = openDatabase(':memory:');
  const store = new SqliteTagStore(db);
  const local = new AssetService(config, { store, clock: { now: () => at }, logger: captureLogger() });
  local.ingest('a', morning());
  // What the AWS function reads instead: the location table's states and the metric store's history.
  const deps = {
    locations: { site: async (site: string) => store.loadStates().filter((s) => s.site === site) },
    history: {
      readings: async (site: string, from: number, to: number) =>
        new Map([...store.readings(site, from, to)].map(([tag, rows]) => [tag, rows.map(({ tag: _t, ...r }) => r)])),
    },
    logger: captureLogger(),
  };

  it('now: the same series as the local runtime writes (missing, left building, battery, par levels, occupancy)', async () => {
    const samples = await assetAnswerSeries(config, deps, at, 'now');
    expect(samples).toEqual(local.series());
    const value = (name: string, label: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(label).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value('pflow_asset_left_building', { asset: 'chair-1' })).toBe(1);
    expect(value('pflow_asset_battery_percent', { asset: 'pump-2' })).toBe(12);
    // pump-2 alone in store-3 of the 2 pumps its par level asks for.
    expect(value('pflow_zone_par_shortfall', { zone: 'store-3', type: 'infusion-pump' })).toBe(1);
    expect(value('pflow_stage_occupancy', { stage: 'imaging' })).toBe(1);
  });

  it('day: patient flow and utilization over the last day, as the local service works them out', async () => {
    const samples = await assetAnswerSeries(config, deps, at, 'day');
    expect(samples).toEqual([...local.flowSeries(), ...local.utilizationSeries(at - 86_400_000, at)]);
    const value = (name: string, label: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(label).every(([k, v]) => s.labels[k] === v))?.value;
    // Waits before triage: P-1 20 min, P-2 5 min; before imaging: 30 and 5 min (nearest-rank p90 = the larger).
    expect(value('pflow_stage_wait_p90_seconds', { stage: 'triage' })).toBe(1200);
    expect(value('pflow_stage_wait_p90_seconds', { stage: 'imaging' })).toBe(1800);
    expect(value('pflow_stage_visits', { stage: 'imaging' })).toBe(2);
    // pump-1: 1 h of 3 in storage, 2 in a room; pump-2 all in storage (idle); pump-3 never seen (idle).
    expect(value('pflow_asset_type_clinical_share', { type: 'infusion-pump' })).toBeCloseTo(2 / 6, 2);
    expect(value('pflow_asset_type_idle', { type: 'infusion-pump' })).toBe(2);
    expect(samples.filter((s) => s.name === 'pflow_asset_idle').map((s) => s.labels.asset)).toEqual([
      'pump-2',
      'pump-3',
      'chair-1',
    ]);
  });

  it('now, with assets imported from CSV: the imports count as the local runtime counts its own', async () => {
    const db2 = openDatabase(':memory:');
    const store2 = new SqliteTagStore(db2);
    const pump4 = { id: 'pump-4', site: 'a', tag: 'T-4', type: 'infusion-pump', source: 'import' as const };
    store2.replaceImports(['a'], [pump4], at);
    const withImport = new AssetService(config, { store: store2, clock: { now: () => at }, logger: captureLogger() });
    withImport.ingest('a', [...morning(), { tag: 'T-4', t: at - MIN, zone: 'store-3', battery: 70 }]);
    const loaded: (readonly string[] | undefined)[] = [];
    const samples = await assetAnswerSeries(
      config,
      {
        ...deps,
        locations: { site: async (site: string) => store2.loadStates().filter((s) => s.site === site) },
        imports: { load: async (sites) => (loaded.push(sites), [pump4]) },
      },
      at,
      'now',
    );
    expect(samples).toEqual(withImport.series());
    expect(loaded).toEqual([undefined]);
    // The imported pump rests in store-3 beside pump-2: the par level of 2 is met.
    expect(
      samples.find(
        (s) =>
          s.name === 'pflow_zone_par_shortfall' && s.labels.zone === 'store-3' && s.labels.type === 'infusion-pump',
      )?.value,
    ).toBe(0);
    db2.close();
  });

  it('refuses the day part without a history to read', async () => {
    await expect(assetAnswerSeries(config, { ...deps, history: undefined }, at, 'day')).rejects.toThrow(
      'the day part of the asset answers needs the tag history',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { SqliteTagStore } from '../../src/adapters/local/sqlite-tags.js';
import { openDatabase } from '../../src/adapters/local/sqlite.js';
import type { AssetsConfig } from '../../src/domain/assets/config-schema.js';
import { AssetService } from '../../src/services/assets.js';
import { MIN, registry, settings, T0 } from '../domain/assets/fixtures.js';
import { captureLogger } from '../support/logger.js';

const config: AssetsConfig = { settings, evaluateEveryMs: 15_000, registry, inputs: [] };

function service(now: { t: number }) {
  const db = openDatabase(':memory:');
  const store = new SqliteTagStore(db);
  return {
    store,
    db,
    service: new AssetService(config, { store, clock: { now: () => now.t }, logger: captureLogger() }),
  };
}

describe('AssetService over a real SQLite tag store', () => {
  it('works out utilization from stored events, per asset and per type', () => {
    const now = { t: T0 + 120 * MIN };
    const { service: assets } = service(now);
    // pump-1: 30 min in storage then 90 min in a patient room, reporting every minute.
    const events = [];
    for (let m = 0; m <= 120; m++) events.push({ tag: 'T-1', t: T0 + m * MIN, zone: m < 30 ? 'store-3' : 'room-301' });
    // pump-2: the whole time in storage (idle).
    for (let m = 0; m <= 120; m++) events.push({ tag: 'T-2', t: T0 + m * MIN, zone: 'store-3' });
    assets.ingest('a', events);
    const use = assets.utilization('a', T0, T0 + 120 * MIN);
    expect(use.assets.filter((a) => a.type === 'infusion-pump')).toEqual([
      { asset: 'pump-1', type: 'infusion-pump', seenHours: 2, clinicalShare: 0.75, storageShare: 0.25, idle: false },
      { asset: 'pump-2', type: 'infusion-pump', seenHours: 2, clinicalShare: 0, storageShare: 1, idle: true },
      { asset: 'pump-3', type: 'infusion-pump', seenHours: 0, clinicalShare: 0, storageShare: 0, idle: true },
    ]);
    expect(use.byType.find((t) => t.type === 'infusion-pump')).toEqual({
      type: 'infusion-pump',
      assets: 3,
      idle: 2,
      seenHours: 4,
      clinicalShare: 0.375,
      storageShare: 0.625,
    });
  });

  it('works out patient flow from stored patient-tag events, and series for the rules', () => {
    const now = { t: T0 + 90 * MIN };
    const { service: assets } = service(now);
    const path: [number, string][] = [
      [0, 'wait'],
      [20, 'triage'],
      [30, 'wait'],
      [60, 'ct'],
      [75, 'exit-main'],
    ];
    const events = [];
    for (let m = 0; m <= 76; m++) {
      const zone = [...path].reverse().find(([start]) => m >= start)![1];
      events.push({ tag: 'P-1', t: T0 + m * MIN, zone });
    }
    // A second patient, still waiting now.
    events.push({ tag: 'P-2', t: T0 + 85 * MIN, zone: 'wait' }, { tag: 'P-2', t: T0 + 89 * MIN, zone: 'wait' });
    // An asset tag is never part of patient flow.
    events.push({ tag: 'T-1', t: T0, zone: 'wait' }, { tag: 'T-1', t: T0 + 30 * MIN, zone: 'triage' });
    assets.ingest('a', events);
    const flow = assets.flow('a', T0, T0 + 90 * MIN);
    expect(flow.patients).toBe(1);
    expect(flow.stages.map((s) => [s.stage, s.visits, s.waitP90Ms, s.stayP50Ms])).toEqual([
      ['imaging', 1, 30 * MIN, 15 * MIN],
      ['triage', 1, 20 * MIN, 10 * MIN],
    ]);
    expect(flow.occupancy).toMatchObject({ waiting: 1, triage: 0, imaging: 0 });
    const series = assets.flowSeries().filter((s) => s.name === 'pflow_stage_wait_p90_seconds');
    // The last day's flow (T0 is within it): 20 and 30 minutes.
    expect(series.map((s) => [s.labels.stage, s.value])).toEqual([
      ['imaging', 1800],
      ['triage', 1200],
    ]);
  });

  it('takes nothing when the store refuses the write: the tracker is put back', () => {
    const now = { t: T0 };
    const { service: assets, db } = service(now);
    assets.ingest('a', [{ tag: 'T-1', t: T0, zone: 'store-3' }]);
    db.close();
    expect(() => assets.ingest('a', [{ tag: 'T-1', t: T0 + MIN, zone: 'room-301' }])).toThrow();
    expect(assets.asset('pump-1')).toMatchObject({ zone: 'store-3', since: T0 });
  });
});

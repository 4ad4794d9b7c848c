import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { openDatabase } from '../../src/adapters/local/sqlite.js';
import type { AssetsConfig } from '../../src/domain/assets/config-schema.js';
import type { TagEvent } from '../../src/domain/assets/tag-event.js';
import { LocalAssets } from '../../src/runtime/local-assets.js';
import { IntervalScheduler } from '../../src/runtime/scheduler.js';
import { MIN, registry, settings, T0 } from '../domain/assets/fixtures.js';
import { captureLogger } from '../support/logger.js';
import { ManualTime } from '../support/manual-time.js';

/**
 * The local runtime's day series (patient flow and utilization), on the AWS asset function's
 * {part: "day"} cadence: written to pflow.db's metric store at start and every 15 minutes after,
 * on a manual clock (nothing sleeps), with the real SQLite tag and metric stores.
 */

const config: AssetsConfig = { settings, evaluateEveryMs: 15_000, registry, inputs: [] };

/** Three hours: pump-1 an hour in storage then in a room, pump-2 always in storage; a patient through triage. */
function morning(): TagEvent[] {
  const events: TagEvent[] = [];
  for (let m = 0; m <= 180; m++) {
    events.push({ tag: 'T-1', t: T0 + m * MIN, zone: m < 60 ? 'store-3' : 'room-301' });
    events.push({ tag: 'T-2', t: T0 + m * MIN, zone: 'store-3' });
    if (m >= 10 && m <= 60) events.push({ tag: 'P-1', t: T0 + m * MIN, zone: m < 30 ? 'wait' : 'triage' });
  }
  return events;
}

describe('LocalAssets: the day series in the SQLite metric store', () => {
  it('writes flow and utilization at start and every 15 minutes, like the AWS asset function', async () => {
    const start = T0 + 180 * MIN + 30_000;
    const time = new ManualTime(start);
    const db = openDatabase(':memory:');
    const metrics = new SqliteStore({ database: db, clock: time.clock, retentionMs: 7 * 86_400_000 });
    const assets = new LocalAssets(config, {
      db,
      clock: time.clock,
      logger: captureLogger(),
      writeSamples: (samples) => metrics.writeMetricSamples(samples),
      retentionMs: 7 * 86_400_000,
    });
    assets.ingest('a', morning());
    const scheduler = new IntervalScheduler(time.clock, captureLogger(), time.timers);
    for (const task of assets.tasks()) scheduler.add(task);
    scheduler.start();
    await time.advance(16 * MIN);
    await scheduler.stop();

    const rows = db
      .prepare(
        `SELECT s.name, s.labels, m.time, m.value FROM metrics m JOIN series s ON s.id = m.series_id
         WHERE s.name IN ('pflow_asset_type_clinical_share', 'pflow_asset_idle', 'pflow_stage_wait_p90_seconds')
         ORDER BY m.time, s.name, s.labels`,
      )
      .all() as { name: string; labels: string; time: number; value: number }[];
    const at = (t: number) =>
      rows.filter((row) => row.time === t).map((row) => [row.name, JSON.parse(row.labels) as object, row.value]);
    // The day's series land only on the 15-minute grid, not on every 15 s asset cycle.
    expect([...new Set(rows.map((row) => row.time - start))]).toEqual([0, 15 * MIN]);
    const first = at(start);
    // pump-1: 1 h of 3 seen hours in storage, 2 in a room; pump-2 always in storage (idle); pump-3 never seen (idle).
    const share = first.find(
      ([name, labels]) =>
        name === 'pflow_asset_type_clinical_share' && (labels as { type: string }).type === 'infusion-pump',
    );
    expect(share?.[2]).toBeCloseTo(2 / 6, 2);
    expect(
      first
        .filter(([name]) => name === 'pflow_asset_idle')
        .map(([, labels]) => (labels as { asset: string }).asset)
        .sort(),
    ).toEqual(['chair-1', 'pump-2', 'pump-3']);
    // P-1 waited 20 minutes before triage.
    expect(first).toContainEqual(['pflow_stage_wait_p90_seconds', { site: 'a', stage: 'triage' }, 1200]);
    metrics.close();
    db.close();
  });
});

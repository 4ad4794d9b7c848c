import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteConsoleQueries } from '../../../src/adapters/local/sqlite-console.js';
import { SqliteDelivery } from '../../../src/adapters/local/sqlite-delivery.js';
import { SqliteStore } from '../../../src/adapters/local/sqlite-store.js';
import { openDatabase, type SqliteDatabase } from '../../../src/adapters/local/sqlite.js';
import type { ProbeResult } from '../../../src/domain/probe-result.js';
import { alertEvent } from '../../support/alert-event.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function result(time: number, overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    site: 'site-a',
    probe: 'portal',
    kind: 'http',
    target: 'https://portal.example/',
    labels: {},
    time,
    success: true,
    durationMs: 100,
    phases: { connectMs: 10, firstByteMs: 80, transferMs: 10 },
    statusCode: 200,
    ...overrides,
  };
}

const down = (time: number, message = 'status 503, expected 200'): Partial<ProbeResult> => ({
  success: false,
  statusCode: 503,
  durationMs: 20,
  failure: { reason: 'status_mismatch', message },
});

describe('SqliteConsoleQueries', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: SqliteStore;
  let queries: SqliteConsoleQueries;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pflow-console-store-'));
    db = openDatabase(join(dir, 'pflow.db'));
    store = new SqliteStore({ database: db, clock: { now: () => T0 }, retentionMs: 30 * 24 * HOUR });
    queries = new SqliteConsoleQueries(db);
  });
  afterEach(() => {
    store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rolls results up into 5-minute buckets with phase averages and status codes, on every write', async () => {
    await store.writeProbeResults([
      result(T0),
      result(T0 + MINUTE, { durationMs: 300, phases: { connectMs: 30 } }),
      result(T0 + 2 * MINUTE, down(T0 + 2 * MINUTE)),
    ]);
    await store.writeProbeResults([result(T0 + 6 * MINUTE)]);
    const buckets = queries.probeBuckets('site-a', 'portal', T0, T0 + HOUR, 5 * MINUTE);
    expect(buckets).toEqual([
      {
        t: T0,
        n: 3,
        ok: 2,
        durationSum: 420,
        durationMax: 300,
        phases: { dns: [0, 0], connect: [50, 3], tls: [0, 0], firstByte: [160, 2], transfer: [20, 2] },
      },
      expect.objectContaining({ t: T0 + 5 * MINUTE, n: 1, ok: 1 }),
    ]);
    // Summed further for longer ranges: one 30-minute point.
    expect(queries.probeBuckets('site-a', 'portal', T0, T0 + HOUR, 30 * MINUTE)).toEqual([
      expect.objectContaining({ t: T0, n: 4, ok: 3, durationSum: 520 }),
    ]);
    expect(queries.statusCodes('site-a', 'portal', T0, T0 + HOUR, false)).toEqual([
      { code: 200, count: 3 },
      { code: 503, count: 1 },
    ]);
    expect(queries.statusCodes('site-a', 'portal', T0 + MINUTE, T0 + 2 * MINUTE, true)).toEqual([
      { code: 200, count: 1 },
      { code: 503, count: 1 },
    ]);
  });

  it('keeps up/down since when: a change of outcome moves it, a late older result does not', async () => {
    await store.writeProbeResults([result(T0), result(T0 + MINUTE)]);
    expect(queries.probeStates()).toEqual([
      { site: 'site-a', probe: 'portal', up: true, since: T0, lastTime: T0 + MINUTE },
    ]);
    await store.writeProbeResults([result(T0 + 2 * MINUTE, down(0)), result(T0 + 3 * MINUTE, down(0))]);
    expect(queries.probeStates()[0]).toMatchObject({ up: false, since: T0 + 2 * MINUTE });
    // An agent's late batch with an older success changes nothing.
    await store.writeProbeResults([result(T0 + 90_000)]);
    expect(queries.probeStates()[0]).toMatchObject({ up: false, since: T0 + 2 * MINUTE, lastTime: T0 + 3 * MINUTE });
  });

  it('lists failures newest first and counts them per reason, through the failures-only index', async () => {
    await store.writeProbeResults([
      result(T0, down(0, 'first')),
      result(T0 + MINUTE),
      result(T0 + 2 * MINUTE, {
        success: false,
        durationMs: 2000,
        failure: { reason: 'timeout', message: 'no answer' },
      }),
      result(T0 + 3 * MINUTE, down(0, 'second')),
    ]);
    expect(queries.failures('site-a', 'portal', T0, T0 + HOUR, 2)).toEqual([
      { time: T0 + 3 * MINUTE, reason: 'status_mismatch', message: 'second', statusCode: 503, durationMs: 20 },
      { time: T0 + 2 * MINUTE, reason: 'timeout', message: 'no answer', statusCode: 200, durationMs: 2000 },
    ]);
    expect(queries.failureReasons('site-a', 'portal', T0, T0 + HOUR)).toEqual([
      { reason: 'status_mismatch', count: 2, last: T0 + 3 * MINUTE },
      { reason: 'timeout', count: 1, last: T0 + 2 * MINUTE },
    ]);
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT time FROM probes WHERE site = 'a' AND probe = 'b' AND success = 0 AND time BETWEEN 1 AND 2`,
      )
      .all() as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join('\n')).toContain('probes_failures');
  });

  it('gives hourly totals of every probe since an instant, from the rollup', async () => {
    await store.writeProbeResults([
      result(T0),
      result(T0 + 10 * MINUTE, down(0)),
      result(T0 + HOUR, { probe: 'other' }),
      result(T0 - 2 * HOUR),
    ]);
    const hourly = queries.hourlyByProbe(T0 - MINUTE);
    expect(hourly.get('site-a\u0000portal')).toEqual([{ t: T0, n: 2, ok: 1, durationSum: 120 }]);
    expect(hourly.get('site-a\u0000other')).toEqual([{ t: T0 + HOUR, n: 1, ok: 1, durationSum: 100 }]);
  });

  it('reads whole hours from the hourly rollup and the partial first hour from the 5-minute one: the same totals', async () => {
    // Two probes, every 2.5 minutes over 5 hours, a failure now and then.
    const results: ProbeResult[] = [];
    for (let t = T0 - 5 * HOUR; t < T0; t += 150_000) {
      results.push(result(t, (t / 150_000) % 7 === 0 ? down(t) : { durationMs: 100 + ((t / 150_000) % 13) }));
      results.push(result(t + 1_000, { probe: 'epd', durationMs: 50 }));
    }
    await store.writeProbeResults(results);
    // Mid-hour, mid-bucket, and on the hour.
    for (const since of [T0 - 3 * HOUR - 17 * MINUTE - 5_000, T0 - 2 * HOUR - 40 * MINUTE, T0 - 4 * HOUR]) {
      const expected = db
        .prepare(
          `SELECT site, probe, bucket - bucket % ${HOUR}, sum(n), sum(ok), sum(duration_sum) FROM probe_rollup
           WHERE bucket >= ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        )
        .raw()
        .all(since) as Array<[string, string, number, number, number, number]>;
      const hourly = queries.hourlyByProbe(since);
      const got = [...hourly].flatMap(([key, rows]) =>
        rows.map((r) => [...key.split('\u0000'), r.t, r.n, r.ok, r.durationSum]),
      );
      expect(got).toEqual(expected);
      expect(queries.hourlyOfProbe('site-a', 'portal', since).get('site-a\u0000portal')).toEqual(
        hourly.get('site-a\u0000portal'),
      );
    }
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT n FROM probe_hourly WHERE site = 'a' AND probe = 'b' AND bucket >= 1`)
      .all() as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join('\n')).toMatch(/SEARCH probe_hourly USING PRIMARY KEY/);
  });

  it('fills the hourly rollup when upgrading from the console tables of version 1', async () => {
    await store.writeProbeResults([result(T0), result(T0 + 10 * MINUTE, down(0)), result(T0 + HOUR)]);
    const before = queries.hourlyByProbe(T0);
    // Back to version 1: no hourly table, and results written meanwhile only reach the 5-minute rollup.
    db.exec(`DROP TRIGGER console_probe_hourly; DROP TABLE probe_hourly;
             UPDATE pflow_schema SET version = 1 WHERE component = 'console'`);
    await store.writeProbeResults([result(T0 + HOUR + MINUTE, down(0))]);
    const upgraded = new SqliteConsoleQueries(db);
    expect(upgraded.hourlyByProbe(T0).get('site-a\u0000portal')).toEqual([
      before.get('site-a\u0000portal')![0],
      { t: T0 + HOUR, n: 2, ok: 1, durationSum: 120 },
    ]);
    expect(db.prepare(`SELECT version FROM pflow_schema WHERE component = 'console'`).pluck().get()).toBe(2);
  });

  it("gives one probe's hourly totals alone, equal to its row of every probe's", async () => {
    await store.writeProbeResults([
      result(T0),
      result(T0 + 10 * MINUTE, down(0)),
      result(T0 + HOUR, { probe: 'other' }),
    ]);
    const one = queries.hourlyOfProbe('site-a', 'portal', T0 - MINUTE);
    expect([...one.keys()]).toEqual(['site-a\u0000portal']);
    expect(one.get('site-a\u0000portal')).toEqual(queries.hourlyByProbe(T0 - MINUTE).get('site-a\u0000portal'));
    expect(queries.hourlyOfProbe('site-a', 'missing', T0 - MINUTE).size).toBe(0);
  });

  it('fills its tables from results stored before it existed (an upgraded data directory)', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'pflow-console-upgrade-'));
    const db2 = openDatabase(join(dir2, 'pflow.db'));
    const store2 = new SqliteStore({ database: db2, clock: { now: () => T0 }, retentionMs: HOUR });
    await store2.writeProbeResults([result(T0), result(T0 + MINUTE, down(0)), result(T0 + 2 * MINUTE, down(0))]);
    const upgraded = new SqliteConsoleQueries(db2);
    expect(upgraded.probeStates()).toEqual([
      { site: 'site-a', probe: 'portal', up: false, since: T0 + MINUTE, lastTime: T0 + 2 * MINUTE },
    ]);
    expect(upgraded.probeBuckets('site-a', 'portal', T0, T0 + HOUR, 5 * MINUTE)).toEqual([
      expect.objectContaining({ n: 3, ok: 1, durationSum: 140, durationMax: 100 }),
    ]);
    expect(upgraded.statusCodes('site-a', 'portal', T0, T0 + HOUR, false)).toEqual([
      { code: 200, count: 1 },
      { code: 503, count: 2 },
    ]);
    // Opening again migrates nothing twice.
    expect(() => new SqliteConsoleQueries(db2)).not.toThrow();
    expect(upgraded.probeBuckets('site-a', 'portal', T0, T0 + HOUR, 5 * MINUTE)).toHaveLength(1);
    store2.close();
    db2.close();
    rmSync(dir2, { recursive: true, force: true });
  });

  it('drops rollups older than the retention cutoff', async () => {
    await store.writeProbeResults([result(T0 - 3 * HOUR), result(T0)]);
    queries.applyRetention(T0 - HOUR);
    expect(queries.probeBuckets('site-a', 'portal', 0, T0 + HOUR, 5 * MINUTE).map((b) => b.t)).toEqual([T0]);
    expect(queries.statusCodes('site-a', 'portal', 0, T0 + HOUR, false)).toEqual([{ code: 200, count: 1 }]);
    expect(db.prepare('SELECT bucket FROM probe_hourly').pluck().all()).toEqual([T0]);
  });

  it('tells per event and channel what became of its notifications, and totals per channel', async () => {
    const delivery = SqliteDelivery.on(db);
    const withDelivery = new SqliteConsoleQueries(db, db);
    const fired = alertEvent({ id: 'e1' });
    const other = alertEvent({ id: 'e2' });
    await delivery.log.record(['slack|e1', 'slack|group:2:abc', 'slack|e2'], 'slack', T0);
    await delivery.queue.enqueue({ key: 'teams|e1', channel: 'teams', events: [fired] }, 2, T0 + MINUTE, 'http_503');
    await delivery.deadLetters.add(
      { key: 'mail|e1', channel: 'mail', events: [fired] },
      'http_404',
      1,
      T0 + 2 * MINUTE,
    );
    const records = withDelivery.deliveries(['e1'], ['slack', 'teams', 'mail']);
    expect(records).toEqual([
      { eventId: 'e1', channel: 'slack', outcome: 'delivered', at: T0, detail: '' },
      { eventId: 'e1', channel: 'teams', outcome: 'retrying', at: T0 + MINUTE, detail: '2 attempt(s); last: http_503' },
      { eventId: 'e1', channel: 'mail', outcome: 'dead_letter', at: T0 + 2 * MINUTE, detail: '1 attempt(s); http_404' },
    ]);
    expect(withDelivery.deliveries([other.id], ['slack'])).toEqual([
      expect.objectContaining({ eventId: 'e2', outcome: 'delivered' }),
    ]);
    // Events delivered (a group's own key is not an event), notifications waiting and dead.
    expect(withDelivery.channelTotals(T0 - HOUR)).toEqual([
      { channel: 'mail', delivered: 0, retrying: 0, deadLetters: 1 },
      { channel: 'slack', delivered: 2, retrying: 0, deadLetters: 0 },
      { channel: 'teams', delivered: 0, retrying: 1, deadLetters: 0 },
    ]);
    expect(queries.deliveries(['e1'], ['slack'])).toEqual([]);
  });
});

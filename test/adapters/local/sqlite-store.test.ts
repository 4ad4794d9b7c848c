import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/adapters/local/sqlite-store.js';
import { openDatabase } from '../../../src/adapters/local/sqlite.js';
import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import type { ProbeResult } from '../../../src/domain/probe-result.js';
import type { MetricSample, SeriesWindow } from '../../../src/domain/records.js';
import type { AlertInstanceState } from '../../../src/domain/rules/types.js';
import { alertEvent as sampleAlertEvent } from '../../support/alert-event.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function probeResult(overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    site: 'site-a',
    probe: 'pfsw-login',
    kind: 'http',
    target: 'https://pfsw.example/login',
    labels: { team: 'apps' },
    time: T0,
    success: true,
    durationMs: 120,
    phases: { dnsMs: 2, connectMs: 10, tlsMs: 30, firstByteMs: 60, transferMs: 18 },
    statusCode: 200,
    ...overrides,
  };
}

function sample(name: string, labels: Record<string, string>, time: number, value: number): MetricSample {
  return { name, labels: { site: 'site-a', ...labels }, time, value };
}

function alertEvent(id: string, evaluatedAt: string, overrides: Partial<AlertEvent> = {}): AlertEvent {
  return sampleAlertEvent({ id, startsAt: evaluatedAt, evaluatedAt, ...overrides });
}

function instanceState(key: string, overrides: Partial<AlertInstanceState> = {}): AlertInstanceState {
  const [ruleId = 'rule', fingerprint = 'fp'] = key.split('/');
  return {
    key,
    ruleId,
    site: 'site-a',
    fingerprint,
    labels: { probe: 'pfsw-login' },
    state: 'pending',
    since: T0,
    lastValue: 0,
    lastEvaluatedAt: T0,
    version: 0,
    ...overrides,
  };
}

/** Windows in a stable order, for comparing with expected lists. */
function sorted(windows: SeriesWindow[]): SeriesWindow[] {
  const key = (w: SeriesWindow) => `${w.measure}|${JSON.stringify(Object.entries(w.labels).sort())}`;
  return [...windows].sort((a, b) => key(a).localeCompare(key(b)));
}

let dir: string;
let store: SqliteStore;
let now: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-store-'));
  now = T0 + HOUR;
  store = new SqliteStore({ database: join(dir, 'pflow.db'), clock: { now: () => now }, retentionMs: 24 * HOUR });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('probe results', () => {
  it('unpivots the requested measures into one window per series, with the probe dimensions as labels', async () => {
    await store.writeProbeResults([
      probeResult({ time: T0 + 2 * MINUTE, durationMs: 300 }),
      probeResult({ time: T0, durationMs: 100 }),
      probeResult({ time: T0 + MINUTE, success: false, durationMs: 200, failure: { reason: 'timeout', message: 'x' } }),
      // A TCP probe never has DNS-less phases here: no dns_ms, so no dns_ms window for it.
      probeResult({ probe: 'db', kind: 'tcp', target: 'db:5432', labels: {}, phases: { connectMs: 3 } }),
    ]);

    const windows = await store.fetchWindows({
      table: 'probes',
      measures: ['success', 'duration_ms', 'dns_ms', 'no_such_measure'],
      since: T0,
      until: T0 + 2 * MINUTE,
    });

    const login = {
      team: 'apps',
      site: 'site-a',
      probe: 'pfsw-login',
      kind: 'http',
      target: 'https://pfsw.example/login',
    };
    const db = { site: 'site-a', probe: 'db', kind: 'tcp', target: 'db:5432' };
    expect(sorted(windows)).toEqual(
      sorted([
        {
          table: 'probes',
          measure: 'success',
          labels: login,
          points: [
            { t: T0, v: 1 },
            { t: T0 + MINUTE, v: 0 },
            { t: T0 + 2 * MINUTE, v: 1 },
          ],
        },
        {
          table: 'probes',
          measure: 'duration_ms',
          labels: login,
          points: [
            { t: T0, v: 100 },
            { t: T0 + MINUTE, v: 200 },
            { t: T0 + 2 * MINUTE, v: 300 },
          ],
        },
        {
          table: 'probes',
          measure: 'dns_ms',
          labels: login,
          points: [
            { t: T0, v: 2 },
            { t: T0 + MINUTE, v: 2 },
            { t: T0 + 2 * MINUTE, v: 2 },
          ],
        },
        { table: 'probes', measure: 'success', labels: db, points: [{ t: T0, v: 1 }] },
        { table: 'probes', measure: 'duration_ms', labels: db, points: [{ t: T0, v: 120 }] },
      ]),
    );
  });

  it.each([
    { name: 'both bounds inclusive', since: T0, until: T0 + 2 * MINUTE, times: [T0, T0 + MINUTE, T0 + 2 * MINUTE] },
    { name: 'since excludes older', since: T0 + 1, until: T0 + 2 * MINUTE, times: [T0 + MINUTE, T0 + 2 * MINUTE] },
    { name: 'until excludes newer', since: T0, until: T0 + 2 * MINUTE - 1, times: [T0, T0 + MINUTE] },
    { name: 'empty window', since: T0 + 3 * MINUTE, until: T0 + 4 * MINUTE, times: [] },
  ])('time bounds: $name', async ({ since, until, times }) => {
    await store.writeProbeResults([0, 1, 2].map((i) => probeResult({ time: T0 + i * MINUTE })));

    const windows = await store.fetchWindows({ table: 'probes', measures: ['success'], since, until });

    expect(windows.flatMap((w) => w.points.map((p) => p.t))).toEqual(times);
  });

  it('filters by site', async () => {
    await store.writeProbeResults([
      probeResult({ site: 'site-a' }),
      probeResult({ site: 'site-b' }),
      probeResult({ site: 'site-c' }),
    ]);

    const windows = await store.fetchWindows({
      table: 'probes',
      measures: ['success'],
      since: T0,
      until: T0,
      sites: ['site-a', 'site-c'],
    });

    expect(windows.map((w) => w.labels.site).sort()).toEqual(['site-a', 'site-c']);
  });

  it('returns the latest result of each probe as a full ProbeResult', async () => {
    const latestLogin = probeResult({
      time: T0 + MINUTE,
      success: false,
      failure: { reason: 'cert_expiring', message: 'certificate expires in 3 days' },
      tlsVersion: 'TLSv1.3',
      certNotAfter: T0 + 3 * 24 * HOUR,
      certDaysLeft: 3,
      details: { redirects: 1, final: 'https://pfsw.example/home', cached: false },
    });
    const onlyDb = probeResult({ probe: 'db', kind: 'tcp', target: 'db:5432', labels: {}, phases: { connectMs: 3 } });
    await store.writeProbeResults([probeResult({ time: T0 }), latestLogin, onlyDb]);
    await store.writeProbeResults([probeResult({ site: 'site-b', time: T0 - MINUTE })]);
    await store.writeProbeResults([probeResult({ time: T0 - HOUR })]); // a late, older result

    expect(store.latestProbeResults()).toEqual([
      onlyDb,
      latestLogin,
      probeResult({ site: 'site-b', time: T0 - MINUTE }),
    ]);
  });
});

describe('metric samples', () => {
  it('groups samples by series, oldest first, and keeps only the requested names', async () => {
    await store.writeMetricSamples([
      sample('node_load1', { instance: 'a' }, T0 + MINUTE, 0.7),
      sample('node_load1', { instance: 'a' }, T0, 0.5),
      sample('node_load1', { instance: 'b' }, T0, 2),
      sample('node_memory_free', { instance: 'a' }, T0, 1e9),
      sample('node_cpu_seconds', { instance: 'a' }, T0, 10),
      sample('node_load1', { instance: 'c' }, T0 - 1, 9), // before the window: no series at all
    ]);

    const windows = await store.fetchWindows({
      table: 'metrics',
      measures: ['node_load1', 'node_memory_free'],
      since: T0,
      until: T0 + MINUTE,
    });

    expect(sorted(windows)).toEqual(
      sorted([
        {
          table: 'metrics',
          measure: 'node_load1',
          labels: { site: 'site-a', instance: 'a' },
          points: [
            { t: T0, v: 0.5 },
            { t: T0 + MINUTE, v: 0.7 },
          ],
        },
        {
          table: 'metrics',
          measure: 'node_load1',
          labels: { site: 'site-a', instance: 'b' },
          points: [{ t: T0, v: 2 }],
        },
        {
          table: 'metrics',
          measure: 'node_memory_free',
          labels: { site: 'site-a', instance: 'a' },
          points: [{ t: T0, v: 1e9 }],
        },
      ]),
    );
  });

  it('treats label order as irrelevant, keeps NaN and ±Inf, and replaces a re-sent sample instead of duplicating it', async () => {
    await store.writeMetricSamples([
      { name: 'up', labels: { site: 'site-a', job: 'node', instance: 'a' }, time: T0, value: Number.NaN },
      { name: 'up', labels: { instance: 'a', job: 'node', site: 'site-a' }, time: T0 + 1, value: Infinity },
    ]);
    await store.writeMetricSamples([sample('up', { job: 'node', instance: 'a' }, T0 + 2, 1)]);
    await store.writeMetricSamples([sample('up', { job: 'node', instance: 'a' }, T0 + 2, 1)]);

    const windows = await store.fetchWindows({ table: 'metrics', measures: ['up'], since: T0, until: T0 + 2 });

    expect(windows).toHaveLength(1);
    expect(windows[0]!.points).toEqual([
      { t: T0, v: Number.NaN },
      { t: T0 + 1, v: Infinity },
      { t: T0 + 2, v: 1 },
    ]);
  });

  it('filters by site', async () => {
    await store.writeMetricSamples([
      { name: 'up', labels: { site: 'site-a' }, time: T0, value: 1 },
      { name: 'up', labels: { site: 'site-b' }, time: T0, value: 1 },
    ]);

    const windows = await store.fetchWindows({
      table: 'metrics',
      measures: ['up'],
      since: T0,
      until: T0,
      sites: ['site-b'],
    });

    expect(windows.map((w) => w.labels)).toEqual([{ site: 'site-b' }]);
  });

  it('does not remember a series created by a batch that rolled back (disk full)', async () => {
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`);
    const batch = Array.from({ length: 2_000 }, (_, i) => sample('disk_free', { disk: `d${i}` }, T0, i));

    await expect(store.writeMetricSamples(batch)).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    store.db.pragma('max_page_count = 1073741823');
    await store.writeMetricSamples(batch);

    const windows = await store.fetchWindows({ table: 'metrics', measures: ['disk_free'], since: T0, until: T0 });
    expect(windows).toHaveLength(2_000);
  });
});

describe('fetchWindows', () => {
  it.each([
    { table: 'probes' as const, measures: ['success', 'duration_ms', 'dns_ms', 'connect_ms', 'status_code'] },
    { table: 'probes' as const, measures: ['success'], sites: ['site-a', 'site-b'] },
    { table: 'metrics' as const, measures: ['up', 'node_load1', 'node_load5', 'node_memory_free'] },
    { table: 'metrics' as const, measures: ['up'], sites: ['site-a', 'site-b'] },
  ])('runs exactly one SQL statement for $table $measures $sites', async (query) => {
    const executed: string[] = [];
    const db = new Database(join(dir, 'counted.db'), { verbose: (sql) => executed.push(String(sql)) });
    const counted = new SqliteStore({ database: db, clock: { now: () => now }, retentionMs: HOUR });
    try {
      await counted.writeProbeResults([probeResult(), probeResult({ site: 'site-b', probe: 'other' })]);
      await counted.writeMetricSamples(query.measures.map((name) => sample(name, {}, T0, 1)));
      executed.length = 0;

      const windows = await counted.fetchWindows({ ...query, since: T0, until: T0 });

      expect(windows.length).toBeGreaterThan(0);
      expect(executed).toHaveLength(1);
    } finally {
      db.close();
    }
  });
});

describe('alert history', () => {
  it('stores each event once, however often it is replayed, and lists the newest first', async () => {
    const events = [
      alertEvent('e1', '2026-11-24T10:01:00Z'),
      alertEvent('e2', '2026-11-24T10:02:00Z', { state: 'resolved', previousState: 'firing', value: 1 }),
      alertEvent('e3', '2026-11-24T10:03:00Z'),
    ];
    await store.writeAlertEvents(events);
    await store.writeAlertEvents(events);
    await store.writeAlertEvents([events[1]!]);

    expect(store.recentAlertEvents(10)).toEqual([events[2], events[1], events[0]]);
    expect(store.recentAlertEvents(2).map((e) => e.id)).toEqual(['e3', 'e2']);
    expect(store.db.prepare('SELECT COUNT(*) FROM alerts').pluck().get()).toBe(3);
  });
});

describe('alert states (compare-and-set)', () => {
  it('creates, updates and reports conflicts per write, stamping version = expected + 1', async () => {
    const created = await store.compareAndSet([
      { next: instanceState('r1/a', { version: 1 }), expectedVersion: 0 },
      { next: instanceState('r1/b', { version: 1 }), expectedVersion: 0 },
      { next: instanceState('r2/a', { version: 1 }), expectedVersion: 0 },
    ]);
    expect(created).toEqual({ written: ['r1/a', 'r1/b', 'r2/a'], conflicts: [] });

    const mixed = await store.compareAndSet([
      { next: instanceState('r1/a', { state: 'firing', version: 2 }), expectedVersion: 1 },
      { next: instanceState('r1/b', { state: 'firing', version: 99 }), expectedVersion: 1 },
      { next: instanceState('r2/a', { state: 'firing' }), expectedVersion: 0 }, // already exists
      { next: instanceState('r1/a', { state: 'ok' }), expectedVersion: 1 }, // stale after the first write
    ]);
    expect(mixed).toEqual({ written: ['r1/a', 'r1/b'], conflicts: ['r2/a', 'r1/a'] });

    const r1 = await store.loadStates(['r1']);
    expect([...r1.keys()].sort()).toEqual(['r1/a', 'r1/b']);
    expect(r1.get('r1/a')).toEqual(instanceState('r1/a', { state: 'firing', version: 2 }));
    expect(r1.get('r1/b')!.version).toBe(2);
    expect((await store.loadStates(['r2'])).get('r2/a')).toEqual(instanceState('r2/a', { version: 1 }));
    expect((await store.loadStates([])).size).toBe(0);
  });

  it('deletes states, after which the key can be created again', async () => {
    await store.compareAndSet([
      { next: instanceState('r1/a'), expectedVersion: 0 },
      { next: instanceState('r1/b'), expectedVersion: 0 },
    ]);

    await store.deleteStates(['r1/a']);

    expect(store.listAlertStates().map((s) => s.key)).toEqual(['r1/b']);
    expect(await store.compareAndSet([{ next: instanceState('r1/a'), expectedVersion: 0 }])).toEqual({
      written: ['r1/a'],
      conflicts: [],
    });
  });
});

describe('retention', () => {
  it('deletes rows older than now - retention and series left without samples', async () => {
    const old = now - 25 * HOUR;
    const recent = now - HOUR;
    await store.writeProbeResults([
      probeResult({ time: old }),
      probeResult({ time: recent }),
      probeResult({ probe: 'retired', time: old }),
    ]);
    await store.writeMetricSamples([
      sample('gone', {}, old, 1),
      sample('kept', {}, old, 1),
      sample('kept', {}, recent, 2),
    ]);
    await store.writeAlertEvents([
      alertEvent('old', new Date(old).toISOString()),
      alertEvent('new', new Date(recent).toISOString()),
    ]);

    const report = store.applyRetention();

    expect(report).toEqual({ cutoff: now - 24 * HOUR, probes: 2, metrics: 2, series: 1, alerts: 1 });
    const all = { since: 0, until: now };
    expect((await store.fetchWindows({ ...all, table: 'probes', measures: ['success'] }))[0]!.points).toEqual([
      { t: recent, v: 1 },
    ]);
    expect(await store.fetchWindows({ ...all, table: 'metrics', measures: ['gone', 'kept'] })).toEqual([
      { table: 'metrics', measure: 'kept', labels: { site: 'site-a' }, points: [{ t: recent, v: 2 }] },
    ]);
    expect(store.recentAlertEvents(10).map((e) => e.id)).toEqual(['new']);
    expect(store.latestProbeResults().map((r) => [r.probe, r.time])).toEqual([['pfsw-login', recent]]);

    // The deleted series is created afresh, not looked up by a stale cached id.
    await store.writeMetricSamples([sample('gone', {}, now, 3)]);
    expect(await store.fetchWindows({ ...all, table: 'metrics', measures: ['gone'] })).toHaveLength(1);
  });
});

describe('schema', () => {
  it('reopens an existing file without migrating again, and refuses a newer schema', async () => {
    await store.writeProbeResults([probeResult()]);
    store.close();

    store = new SqliteStore({ database: join(dir, 'pflow.db'), clock: { now: () => now }, retentionMs: HOUR });
    expect(store.latestProbeResults()).toHaveLength(1);

    const db = openDatabase(join(dir, 'pflow.db'));
    db.prepare("UPDATE pflow_schema SET version = 99 WHERE component = 'store'").run();
    db.close();
    expect(
      () => new SqliteStore({ database: join(dir, 'pflow.db'), clock: { now: () => now }, retentionMs: HOUR }),
    ).toThrow(/schema is version 99/);
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import type { AlertEvent } from '../../src/domain/alerts/event.js';
import type { EventBus, MetricStore } from '../../src/domain/ports.js';
import type { ProbeResult } from '../../src/domain/probe-result.js';
import type { MetricSample, SeriesWindow, WindowQuery } from '../../src/domain/records.js';
import type { RuleGroupDefinition } from '../../src/domain/rules/types.js';
import { runRuleGroup } from '../../src/services/run-rule-group.js';
import { rule } from '../domain/rules/fixtures.js';
import { captureLogger } from '../support/logger.js';

/**
 * Scenarios every MetricStore must pass, whatever the backend: the windows a rule cycle reads back
 * after writes, and whole rule cycles over them. Run against SQLite and against a real Prometheus.
 */
export interface ContractStore {
  readonly store: MetricStore;
  /** The epoch ms this test's data is placed around (a backend sharing one server across tests moves it). */
  readonly t0: number;
  /** Queries the backend ran so far, if it can count them. */
  readonly queries?: () => number;
}

const MINUTE = 60_000;

export function describeMetricStoreContract(name: string, setup: () => Promise<ContractStore>): void {
  describe(`MetricStore contract: ${name}`, () => {
    let store: MetricStore;
    let T0: number;
    let counted: ContractStore['queries'];

    beforeEach(async () => {
      ({ store, t0: T0, queries: counted } = await setup());
    });

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
        phases: { dnsMs: 2, connectMs: 10, tlsMs: 30, firstByteMs: 60.123, transferMs: 18 },
        statusCode: 200,
        ...overrides,
      };
    }

    function sample(metric: string, labels: Record<string, string>, time: number, value: number): MetricSample {
      return { name: metric, labels: { site: 'site-a', ...labels }, time, value };
    }

    const sorted = (windows: SeriesWindow[]) => {
      const key = (w: SeriesWindow) => `${w.measure}|${JSON.stringify(Object.entries(w.labels).sort())}`;
      return [...windows].sort((a, b) => key(a).localeCompare(key(b)));
    };

    it('unpivots probe results into one window per measure and series, with the probe dimensions as labels', async () => {
      await store.writeProbeResults([
        probeResult({ time: T0 + 2 * MINUTE, durationMs: 300 }),
        probeResult({ time: T0, durationMs: 100 }),
        probeResult({
          time: T0 + MINUTE,
          success: false,
          durationMs: 200.5,
          failure: { reason: 'timeout', message: 'x' },
        }),
        probeResult({ probe: 'db', kind: 'tcp', target: 'db:5432', labels: {}, phases: { connectMs: 3 } }),
      ]);

      const windows = await store.fetchWindows({
        table: 'probes',
        measures: ['success', 'duration_ms', 'first_byte_ms', 'no_such_measure'],
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
      const at = (...values: number[]) => values.map((v, i) => ({ t: T0 + i * MINUTE, v }));
      expect(sorted(windows)).toEqual(
        sorted([
          { table: 'probes', measure: 'success', labels: login, points: at(1, 0, 1) },
          { table: 'probes', measure: 'duration_ms', labels: login, points: at(100, 200.5, 300) },
          { table: 'probes', measure: 'first_byte_ms', labels: login, points: at(60.123, 60.123, 60.123) },
          { table: 'probes', measure: 'success', labels: db, points: [{ t: T0, v: 1 }] },
          { table: 'probes', measure: 'duration_ms', labels: db, points: [{ t: T0, v: 120 }] },
        ]),
      );
    });

    it.each([
      { name: 'both bounds inclusive', since: 0, until: 2 * MINUTE, times: [0, MINUTE, 2 * MINUTE] },
      { name: 'since excludes older', since: 1, until: 2 * MINUTE, times: [MINUTE, 2 * MINUTE] },
      { name: 'until excludes newer', since: 0, until: 2 * MINUTE - 1, times: [0, MINUTE] },
      { name: 'empty window', since: 3 * MINUTE, until: 4 * MINUTE, times: [] },
    ])('probe window bounds: $name', async ({ since, until, times }) => {
      await store.writeProbeResults([0, 1, 2].map((i) => probeResult({ time: T0 + i * MINUTE })));

      const windows = await store.fetchWindows({
        table: 'probes',
        measures: ['success'],
        since: T0 + since,
        until: T0 + until,
      });

      expect(windows.flatMap((w) => w.points.map((p) => p.t - T0))).toEqual(times);
    });

    it('filters probe windows by site', async () => {
      await store.writeProbeResults(['site-a', 'site-b', 'site-c'].map((site) => probeResult({ site })));

      const windows = await store.fetchWindows({
        table: 'probes',
        measures: ['success'],
        since: T0,
        until: T0,
        sites: ['site-a', 'site-c'],
      });

      expect(windows.map((w) => w.labels.site).sort()).toEqual(['site-a', 'site-c']);
    });

    it('groups metric samples by series, oldest first, and keeps only the requested names', async () => {
      await store.writeMetricSamples([
        sample('node_load1', { instance: 'a' }, T0 + MINUTE, 0.7),
        sample('node_load1', { instance: 'a' }, T0, 0.5),
        sample('node_load1', { instance: 'b' }, T0, 2),
        sample('node_memory_free', { instance: 'a' }, T0, 1e9),
        sample('node_cpu_seconds', { instance: 'a' }, T0, 10),
        sample('node_load1', { instance: 'c' }, T0 - 1, 9),
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

    it('keeps NaN and ±Inf, ignores label order, and keeps a re-sent sample once', async () => {
      await store.writeMetricSamples([
        { name: 'up', labels: { site: 'site-a', job: 'node', instance: 'a' }, time: T0, value: Number.NaN },
        { name: 'up', labels: { instance: 'a', job: 'node', site: 'site-a' }, time: T0 + 1, value: Infinity },
        { name: 'up', labels: { instance: 'a', job: 'node', site: 'site-a' }, time: T0 + 2, value: -Infinity },
      ]);
      await store.writeMetricSamples([sample('up', { job: 'node', instance: 'a' }, T0 + 3, 1)]);
      await store.writeMetricSamples([sample('up', { job: 'node', instance: 'a' }, T0 + 3, 1)]);

      const windows = await store.fetchWindows({ table: 'metrics', measures: ['up'], since: T0, until: T0 + 3 });

      expect(windows).toHaveLength(1);
      expect(windows[0]!.points).toEqual([
        { t: T0, v: Number.NaN },
        { t: T0 + 1, v: Infinity },
        { t: T0 + 2, v: -Infinity },
        { t: T0 + 3, v: 1 },
      ]);
    });

    it('filters metric windows by site', async () => {
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

    it('runs a rule cycle: one query per table however many rules, and the right alerts fire', async () => {
      const now = T0 + 10 * MINUTE;
      await store.writeProbeResults(
        Array.from({ length: 25 }, (_, i) =>
          [270, 150, 30].map((secondsAgo) =>
            probeResult({
              probe: `probe-${i}`,
              target: `https://probe-${i}.example/`,
              labels: {},
              time: now - secondsAgo * 1_000,
              success: i !== 7,
              durationMs: i === 3 ? 2_500 : 40,
              phases: {},
            }),
          ),
        ).flat(),
      );
      await store.writeMetricSamples(
        Array.from({ length: 25 }, (_, i) =>
          sample('http_request_duration_seconds', { probe: `probe-${i}` }, now - 30_000, i === 5 ? 3 : 0.2),
        ),
      );
      const group: RuleGroupDefinition = {
        name: 'availability',
        intervalMs: 30_000,
        rules: Array.from({ length: 25 }, (_, i) => [
          rule({ id: `probe-${i}-down`, match: [`probe="probe-${i}"`] }),
          rule({
            id: `probe-${i}-slow`,
            measure: 'duration_ms',
            match: [`probe="probe-${i}"`],
            reducer: 'avg',
            threshold: { op: '>', value: 1_000 },
            windowMs: 5 * MINUTE,
          }),
          rule({
            id: `probe-${i}-latency`,
            table: 'metrics',
            measure: 'http_request_duration_seconds',
            match: [`probe="probe-${i}"`],
            threshold: { op: '>', value: 2 },
            windowMs: 5 * MINUTE,
          }),
        ]).flat(),
      };
      const states = new SqliteStore({ database: ':memory:', clock: { now: () => now }, retentionMs: 86_400_000 });
      const published: AlertEvent[] = [];
      const queries: WindowQuery[] = [];
      const bus: EventBus = { publish: async (events) => void published.push(...events) };
      const before = counted?.();
      try {
        const report = await runRuleGroup(group, {
          metrics: {
            fetchWindows: (query) => {
              queries.push(query);
              return store.fetchWindows(query);
            },
            writeAlertEvents: (events) => store.writeAlertEvents(events),
          },
          states,
          bus,
          clock: { now: () => now },
          logger: captureLogger(),
          silences: () => [],
          maintenanceWindows: () => [],
        });

        expect(report.queries).toBe(2);
        expect(queries.map((q) => q.table)).toEqual(['probes', 'metrics']);
        if (before !== undefined) expect(counted!() - before).toBe(2);
        expect(
          published
            .filter((e) => e.state === 'firing')
            .map((e) => e.rule.id)
            .sort(),
        ).toEqual(['probe-3-slow', 'probe-5-latency', 'probe-7-down']);
        expect(published.find((e) => e.rule.id === 'probe-3-slow')!.value).toBe(2_500);
        expect(published.find((e) => e.rule.id === 'probe-7-down')!.labels).toMatchObject({
          probe: 'probe-7',
          kind: 'http',
          target: 'https://probe-7.example/',
        });
      } finally {
        states.close();
      }
    });
  });
}

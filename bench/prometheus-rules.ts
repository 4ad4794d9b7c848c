/**
 * A rule cycle over 100,000 series through a real Prometheus (Debian's package, started here on
 * 127.0.0.1 with a temporary data directory): query time (HTTP + Prometheus + JSON), conversion
 * time (matrix → series windows), the whole cycle, and the query count, for 100 and for 10,000
 * rules. The count must stay at one per table. Prints figures; asserts nothing.
 *
 *   npx tsx bench/prometheus-rules.ts
 */
import { SqliteStore } from '../src/adapters/local/sqlite-store.js';
import { PrometheusStore, prometheusEndpoints } from '../src/adapters/prometheus/prometheus-store.js';
import { queryMatrix } from '../src/adapters/prometheus/query.js';
import { authenticator } from '../src/adapters/prometheus/auth.js';
import { matrixToWindows, windowSelector } from '../src/adapters/prometheus/series-mapping.js';
import { parseMatcher } from '../src/domain/labels.js';
import type { ProbeResult } from '../src/domain/probe-result.js';
import type { MetricSample, WindowQuery } from '../src/domain/records.js';
import type { RuleDefinition, RuleGroupDefinition } from '../src/domain/rules/types.js';
import { runRuleGroup } from '../src/services/run-rule-group.js';
import { startPrometheus } from '../test/support/prometheus-server.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const PROBES = 25_000; // × success + duration = 50,000 probe series
const METRIC_SERIES = 50_000;
const SAMPLES_PER_SERIES = 3;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function rule(i: number, table: 'probes' | 'metrics'): RuleDefinition {
  return {
    id: `r${i}`,
    name: `rule ${i}`,
    group: 'bench',
    severity: 'warning',
    table,
    measure: table === 'probes' ? (i % 2 === 0 ? 'success' : 'duration_ms') : 'node_load1',
    matchers: [
      parseMatcher(table === 'probes' ? `probe="probe-${i % PROBES}"` : `instance="host-${i % METRIC_SERIES}"`),
    ],
    windowMs: 5 * 60_000,
    reducer: table === 'probes' && i % 2 === 0 ? 'last' : 'avg',
    threshold: table === 'probes' && i % 2 === 0 ? { op: '<', value: 1 } : { op: '>', value: 1e9 },
    forMs: 0,
    keepFiringForMs: 0,
    noData: 'ok',
    onError: 'error',
    repeatIntervalMs: 0,
    sendResolved: true,
    labels: {},
    annotations: {},
    links: [],
  };
}

const server = await startPrometheus();
try {
  const store = new PrometheusStore({
    ...prometheusEndpoints(server.url),
    logger: silent,
    maxSamplesProcessed: 50_000_000,
  });
  let written = 0;
  const writeStart = performance.now();
  for (let k = 0; k < SAMPLES_PER_SERIES; k++) {
    const time = NOW - (SAMPLES_PER_SERIES - k) * 60_000;
    for (let from = 0; from < PROBES; from += 5_000) {
      const results: ProbeResult[] = [];
      for (let i = from; i < from + 5_000; i++) {
        results.push({
          site: `site-${i % 5}`,
          probe: `probe-${i}`,
          kind: 'tcp',
          target: `host-${i}:443`,
          labels: {},
          time,
          success: i % 97 !== 0,
          durationMs: 10 + (i % 50),
          phases: {},
        });
      }
      await store.writeProbeResults(results);
      written += results.length * 2;
    }
    for (let from = 0; from < METRIC_SERIES; from += 10_000) {
      const samples: MetricSample[] = [];
      for (let i = from; i < from + 10_000; i++) {
        samples.push({
          name: 'node_load1',
          labels: { site: `site-${i % 5}`, job: 'node', instance: `host-${i}` },
          time,
          value: (i % 400) / 100,
        });
      }
      await store.writeMetricSamples(samples);
      written += samples.length;
    }
  }
  const writeMs = performance.now() - writeStart;
  console.log(
    `rule cycle over ${(PROBES * 2 + METRIC_SERIES).toLocaleString('en-US')} series through Prometheus ${server.url}, Node ${process.version}`,
  );
  console.log(
    `  loaded ${written.toLocaleString('en-US')} samples by remote write in ${(writeMs / 1000).toFixed(1)} s (${Math.round(written / (writeMs / 1000)).toLocaleString('en-US')} samples/s, including Prometheus)`,
  );

  const query = {
    url: prometheusEndpoints(server.url).queryUrl,
    authenticate: authenticator({ kind: 'none' }),
    maxSamplesProcessed: 50_000_000,
  };
  for (const count of [100, 10_000]) {
    const rules = Array.from({ length: count }, (_, i) => rule(i, i % 2 === 0 ? 'probes' : 'metrics'));
    const group: RuleGroupDefinition = { name: 'bench', intervalMs: 60_000, rules };
    // The cycle's own queries, timed in two parts: the request, and the conversion of its matrix.
    let queryMs = 0;
    let convertMs = 0;
    let series = 0;
    const queries: WindowQuery[] = [
      { table: 'probes', measures: ['success', 'duration_ms'], since: NOW - 300_000, until: NOW },
      { table: 'metrics', measures: ['node_load1'], since: NOW - 300_000, until: NOW },
    ];
    for (const q of queries) {
      const start = performance.now();
      const result = await queryMatrix(query, windowSelector(q)!, q.until);
      const mid = performance.now();
      series += matrixToWindows(q.table, q.measures, q.since, q.until, result.matrix).length;
      queryMs += mid - start;
      convertMs += performance.now() - mid;
    }
    const states = new SqliteStore({ database: ':memory:', clock: { now: () => NOW }, retentionMs: 86_400_000 });
    const before = store.queryStats().queries;
    const cycleStart = performance.now();
    await runRuleGroup(group, {
      metrics: store,
      states,
      bus: { publish: async () => {} },
      clock: { now: () => NOW },
      logger: silent,
      silences: () => [],
      maintenanceWindows: () => [],
    });
    const cycleMs = performance.now() - cycleStart;
    states.close();
    console.log(
      `  ${count.toLocaleString('en-US').padStart(6)} rules: ${store.queryStats().queries - before} queries, ${series.toLocaleString('en-US')} series windows; query ${queryMs.toFixed(0)} ms, conversion ${convertMs.toFixed(0)} ms; whole cycle ${cycleMs.toFixed(0)} ms`,
    );
  }
} finally {
  await server.stop();
}

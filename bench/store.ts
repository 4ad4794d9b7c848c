/**
 * Store benchmark: sustained batched writes into the local SQLite store (probe results also with
 * the web console's triggers, as the local runtime's pflow.db has them), and the time to fetch one
 * evaluation cycle's windows. Prints figures; asserts nothing.
 *
 *   npx tsx bench/store.ts
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteConsoleQueries } from '../src/adapters/local/sqlite-console.js';
import { SqliteStore } from '../src/adapters/local/sqlite-store.js';
import type { ProbeResult } from '../src/domain/probe-result.js';
import type { MetricSample } from '../src/domain/records.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'pflow-bench-store-'));

function freshStore(name: string): SqliteStore {
  return new SqliteStore({ database: join(dir, name), clock: { now: () => T0 }, retentionMs: 7 * 24 * 3_600_000 });
}

function fileMb(name: string): string {
  const size = (suffix: string) => {
    try {
      return statSync(join(dir, name + suffix)).size;
    } catch {
      return 0;
    }
  };
  return ((size('') + size('-wal')) / 1e6).toFixed(0);
}

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString('en-US');

/** Times only the store calls: building the batches is the caller's cost, not the store's. */
async function timeBatches<T>(batches: number, build: (batch: number) => T[], write: (batch: T[]) => Promise<void>) {
  let storeMs = 0;
  let cpuMicros = 0;
  let count = 0;
  const wallStart = performance.now();
  for (let b = 0; b < batches; b++) {
    const batch = build(b);
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await write(batch);
    const cpu = process.cpuUsage(cpuStart);
    cpuMicros += cpu.user + cpu.system;
    storeMs += performance.now() - start;
    count += batch.length;
  }
  return { count, storeMs, cpuMs: cpuMicros / 1000, wallMs: performance.now() - wallStart };
}

async function metricWrites(): Promise<void> {
  const series = 1_000;
  const batchSize = 5_000;
  const total = 1_000_000;
  const labelsOf = Array.from({ length: series }, (_, i) => ({
    site: `site-${i % 4}`,
    job: 'node',
    instance: `host-${i % 250}:9100`,
    device: `eth${Math.floor(i / 250)}`,
  }));
  const store = freshStore('metrics.db');
  // Each batch is 5 scrapes of all 1,000 series, 15 s apart, as the agent would push them.
  const result = await timeBatches(
    total / batchSize,
    (b) => {
      const batch: MetricSample[] = [];
      for (let k = 0; k < batchSize; k++) {
        const scrape = b * (batchSize / series) + Math.floor(k / series);
        batch.push({
          name: 'node_network_receive_bytes_total',
          labels: labelsOf[k % series]!,
          time: T0 + scrape * 15_000,
          value: scrape * 1_000 + k,
        });
      }
      return batch;
    },
    (batch) => store.writeMetricSamples(batch),
  );
  store.close();
  console.log(
    `metric samples: ${result.count.toLocaleString('en-US')} over ${series} series in batches of ${batchSize}: ` +
      `${rate(result.count, result.storeMs)} samples/s wall in the store (${rate(result.count, result.wallMs)}/s including batch building), ` +
      `${rate(result.count, result.cpuMs)} samples per CPU-second, ` +
      `file ${fileMb('metrics.db')} MB`,
  );
}

/**
 * `withConsole`: the local runtime's pflow.db also has the web console's tables, whose triggers
 * (console_probe_rollup, console_probe_hourly) and failures-only index update on every probe row
 * written; the second run shows what they add to each write.
 */
async function probeWrites(withConsole: boolean): Promise<void> {
  const probes = 500;
  const batchSize = 1_000;
  const total = 200_000;
  const name = withConsole ? 'probes-console.db' : 'probes.db';
  const store = freshStore(name);
  if (withConsole) new SqliteConsoleQueries(store.db);
  const result = await timeBatches(
    total / batchSize,
    (b) =>
      Array.from({ length: batchSize }, (_, k): ProbeResult => {
        const i = b * batchSize + k;
        return {
          site: `site-${i % 4}`,
          probe: `probe-${i % probes}`,
          kind: 'http',
          target: `https://app-${i % probes}.example/health`,
          labels: { team: 'apps' },
          time: T0 + Math.floor(i / probes) * 30_000,
          success: i % 50 !== 0,
          durationMs: 40 + (i % 17),
          phases: { dnsMs: 1, connectMs: 3, tlsMs: 9, firstByteMs: 20, transferMs: 2 },
          statusCode: 200,
          tlsVersion: 'TLSv1.3',
          certDaysLeft: 80,
        };
      }),
    (batch) => store.writeProbeResults(batch),
  );
  const latestStart = performance.now();
  const latest = store.latestProbeResults();
  const latestMs = performance.now() - latestStart;
  store.close();
  console.log(
    `probe results${withConsole ? ' with console triggers' : ''}: ${result.count.toLocaleString('en-US')} over ${probes} probes in batches of ${batchSize}: ` +
      `${rate(result.count, result.storeMs)} results/s wall in the store, ${rate(result.count, result.cpuMs)} per CPU-second, file ${fileMb(name)} MB; ` +
      `latestProbeResults (${latest.length} probes) ${latestMs.toFixed(0)} ms`,
  );
}

async function cycleFetch(): Promise<void> {
  const series = 100_000;
  const scrapes = 20; // 20 scrapes, 15 s apart: 5 minutes of history
  const store = freshStore('cycle.db');
  const labelsOf = Array.from({ length: series }, (_, i) => ({
    site: `site-${i % 4}`,
    job: 'cadvisor',
    container: `container-${i}`,
  }));
  for (let scrape = 0; scrape < scrapes; scrape++) {
    for (let offset = 0; offset < series; offset += 10_000) {
      const batch: MetricSample[] = [];
      for (let i = offset; i < offset + 10_000; i++) {
        batch.push({ name: 'container_cpu_usage', labels: labelsOf[i]!, time: T0 + scrape * 15_000, value: i });
      }
      await store.writeMetricSamples(batch);
    }
  }
  // A rule cycle with a 1-minute window: 5 points per series (both bounds inclusive).
  const until = T0 + (scrapes - 1) * 15_000;
  const query = { table: 'metrics' as const, measures: ['container_cpu_usage'], since: until - 60_000, until };
  await store.fetchWindows(query); // warm the page cache, as a running evaluator has it
  const runs = 5;
  let best = Infinity;
  let bestCpu = Infinity;
  let windows = 0;
  let points = 0;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const result = await store.fetchWindows(query);
    const cpu = process.cpuUsage(cpuStart);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
    best = Math.min(best, performance.now() - start);
    windows = result.length;
    points = result.reduce((sum, w) => sum + w.points.length, 0);
  }
  const retentionStart = performance.now();
  const retention = store.applyRetention(T0 + 7 * 24 * 3_600_000 + 5 * 15_000);
  const retentionMs = performance.now() - retentionStart;
  store.close();
  console.log(
    `fetchWindows cycle: ${windows.toLocaleString('en-US')} series, ${points.toLocaleString('en-US')} points, one SQL query: ` +
      `${best.toFixed(0)} ms wall, ${bestCpu.toFixed(0)} CPU-ms (best of ${runs})`,
  );
  console.log(
    `applyRetention: deleted ${retention.metrics.toLocaleString('en-US')} of ${(series * scrapes).toLocaleString('en-US')} samples in ${retentionMs.toFixed(0)} ms`,
  );
}

try {
  console.log(`store benchmark (SQLite WAL, synchronous=NORMAL, temp file under ${tmpdir()}), Node ${process.version}`);
  await metricWrites();
  await probeWrites(false);
  await probeWrites(true);
  await cycleFetch();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Console benchmark: a pflow.db seeded through the product's own store writers with 7 days of
 * results for 100 probes at a 30 s interval (2,016,000 results, about 1 % failures), then
 *  - the console JSON endpoints (`/api/console/*`) over HTTP for the 7-day range: p50 and p99
 *    (the goal is p99 < 300 ms);
 *  - the probe page's time to first chart in Debian's chromium (playwright-core), from navigation
 *    start to the page's own `pflow:first-chart` mark, cold (new page each time).
 * Prints figures; asserts nothing. The seeded database is kept in .cache/ between runs (seeding
 * takes minutes): delete .cache/bench-console/ to seed again.
 *
 *   nice npx tsx bench/console-api.ts
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { openDatabase } from '../src/adapters/local/sqlite.js';
import { SqliteConsoleQueries } from '../src/adapters/local/sqlite-console.js';
import { SqliteStore } from '../src/adapters/local/sqlite-store.js';
import { parseDeploymentConfig } from '../src/domain/config/load.js';
import type { ProbeResult } from '../src/domain/probe-result.js';
import { ApiServer } from '../src/runtime/api-server.js';
import { ConsoleApi } from '../src/runtime/console-api.js';
import { ConsoleAssets } from '../src/runtime/console-assets.js';
import { LiveReadModel } from '../src/runtime/read-model.js';

const PROBES = 100;
const SITES = 4;
const INTERVAL_MS = 30_000;
const DAY_MS = 86_400_000;
const RANGE_MS = 7 * DAY_MS;
const NOW = Date.parse('2026-11-24T10:00:00Z');
const START = NOW - RANGE_MS;
const CYCLES = RANGE_MS / INTERVAL_MS;
const REQUESTS = 200;
const PAGE_LOADS = 20;
const CHROMIUM = process.env.PFLOW_CHROMIUM ?? '/usr/bin/chromium';

const dir = join(process.cwd(), '.cache', 'bench-console');
const dbPath = join(dir, 'pflow.db');
const clock = { now: () => NOW };

const probeId = (i: number) => `probe-${String(i).padStart(3, '0')}`;
const siteOf = (i: number) => `site-${i % SITES}`;

const yaml = [
  'version: 1',
  'sites:',
  ...Array.from({ length: SITES }, (_, s) => `  - id: site-${s}`),
  'probes:',
  ...Array.from({ length: PROBES }, (_, i) =>
    [
      `  - id: ${probeId(i)}`,
      `    site: ${siteOf(i)}`,
      '    kind: http',
      `    target: https://app-${i}.example/health`,
      '    interval: 30s',
    ].join('\n'),
  ),
].join('\n');
const config = parseDeploymentConfig(yaml, 'bench', {});

function result(i: number, cycle: number): ProbeResult {
  const time = START + cycle * INTERVAL_MS + ((i * 97) % INTERVAL_MS);
  // About 1 % failures, in runs (an outage of a few cycles), and one probe down at the end.
  const failing = (cycle + i * 31) % 400 < 4 || (i === 7 && cycle > CYCLES - 40);
  const jitter = (cycle * 7 + i * 13) % 23;
  return {
    site: siteOf(i),
    probe: probeId(i),
    kind: 'http',
    target: `https://app-${i}.example/health`,
    labels: {},
    time,
    success: !failing,
    durationMs: 40 + jitter,
    phases: { dnsMs: 1, connectMs: 3 + (jitter % 3), tlsMs: 9, firstByteMs: 20 + jitter, transferMs: 2 },
    statusCode: failing ? 503 : 200,
    tlsVersion: 'TLSv1.3',
    certDaysLeft: 80,
    ...(failing && { failureReason: 'status_mismatch', failureMessage: 'status 503, expected 200' }),
  } as ProbeResult;
}

async function seed(): Promise<void> {
  if (existsSync(dbPath)) {
    console.log(`seed: reusing ${dbPath}`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const partial = join(dir, 'seeding.db');
  const db = openDatabase(partial);
  // The store's schema, then the console's (rollups kept by triggers), as the runtime opens them,
  // so every write below keeps the rollups too.
  const store = new SqliteStore({ database: db, clock, retentionMs: 30 * DAY_MS });
  new SqliteConsoleQueries(db);
  const started = performance.now();
  const cyclesPerBatch = 50;
  for (let c = 0; c < CYCLES; c += cyclesPerBatch) {
    const batch: ProbeResult[] = [];
    for (let cycle = c; cycle < Math.min(CYCLES, c + cyclesPerBatch); cycle++) {
      for (let i = 0; i < PROBES; i++) batch.push(result(i, cycle));
    }
    await store.writeProbeResults(batch);
  }
  store.close();
  db.close();
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(partial + suffix)) renameSync(partial + suffix, dbPath + suffix);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `seed: ${(CYCLES * PROBES).toLocaleString('en-US')} results (${PROBES} probes × ${CYCLES} cycles of 30 s) in ${seconds.toFixed(0)} s`,
  );
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function timeEndpoint(base: string, label: string, paths: (n: number) => string): Promise<void> {
  // Two warm-up requests: the first pays for prepared statements and the page cache.
  for (let n = 0; n < 2; n++) await (await fetch(base + paths(n))).arrayBuffer();
  const times: number[] = [];
  let bytes = 0;
  for (let n = 0; n < REQUESTS; n++) {
    const start = performance.now();
    const response = await fetch(base + paths(n));
    const body = await response.arrayBuffer();
    times.push(performance.now() - start);
    if (response.status !== 200) throw new Error(`${paths(n)}: HTTP ${response.status}`);
    bytes = body.byteLength;
  }
  times.sort((a, b) => a - b);
  const p99 = percentile(times, 99);
  console.log(
    `${label.padEnd(44)} p50 ${fmt(percentile(times, 50)).padStart(9)}  p99 ${fmt(p99).padStart(9)}  max ${fmt(times.at(-1)!).padStart(9)}  ` +
      `${(bytes / 1024).toFixed(0)} KiB  ${p99 < 300 ? 'goal met' : 'GOAL MISSED (p99 < 300 ms)'}`,
  );
}

async function main(): Promise<void> {
  await seed();
  const db = openDatabase(dbPath);
  const store = new SqliteStore({ database: db, clock, retentionMs: 30 * DAY_MS });
  const queries = new SqliteConsoleQueries(db);
  const count = (db.prepare('SELECT count(*) AS n FROM probes').get() as { n: number }).n;
  const readModel = new LiveReadModel(
    store,
    { pendingProbeResults: () => [], pendingAlertEvents: () => [] },
    { listAlertStates: () => [] },
  );
  const consoleApi = new ConsoleApi({ config, queries, readModel, clock });
  const assets = new ConsoleAssets();
  const api = new ApiServer('127.0.0.1:0', readModel, () => ({}), [
    (url) => consoleApi.handle(url),
    (url) => assets.handle(url),
  ]);
  const base = await api.start();
  console.log(
    `console API over ${count.toLocaleString('en-US')} results, ${PROBES} probes, 7-day range, ${REQUESTS} requests each, one at a time:`,
  );
  try {
    // Each probe request names another probe, so no answer comes from a warm page of the last one.
    await timeEndpoint(base, '/api/console/status', () => '/api/console/status');
    await timeEndpoint(
      base,
      '/api/console/probe?range=7d (30-min buckets)',
      (n) => `/api/console/probe?site=${siteOf(n % PROBES)}&probe=${probeId(n % PROBES)}&range=7d`,
    );
    await timeEndpoint(
      base,
      '/api/console/probe?range=24h',
      (n) => `/api/console/probe?site=${siteOf(n % PROBES)}&probe=${probeId(n % PROBES)}&range=24h`,
    );
    await timeEndpoint(
      base,
      '/api/console/probe?range=1h (each result)',
      (n) => `/api/console/probe?site=${siteOf(n % PROBES)}&probe=${probeId(n % PROBES)}&range=1h`,
    );
    await timeEndpoint(base, '/api/console/alerts', () => '/api/console/alerts');
    await firstChart(base);
  } finally {
    await api.stop();
    store.close();
    db.close();
  }
}

async function firstChart(base: string): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`time to first chart: skipped, no chromium at ${CHROMIUM} (apt-get install chromium)`);
    return;
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const times: number[] = [];
    for (let n = 0; n < PAGE_LOADS + 1; n++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const i = (n * 37) % PROBES;
      await page.goto(`${base}/console/probe.html?site=${siteOf(i)}&probe=${probeId(i)}&range=7d`);
      await page.waitForFunction(() => performance.getEntriesByName('pflow:first-chart').length > 0, null, {
        timeout: 30_000,
      });
      const ms = await page.evaluate(() => performance.getEntriesByName('pflow:first-chart')[0]!.startTime);
      if (n > 0) times.push(ms); // the first load starts the browser's caches and processes
      await page.close();
    }
    times.sort((a, b) => a - b);
    console.log(
      `time to first chart, probe page, 7d, ${PAGE_LOADS} loads in chromium: p50 ${fmt(percentile(times, 50))}, ` +
        `p99 ${fmt(percentile(times, 99))} (navigation start → pflow:first-chart mark)`,
    );
  } finally {
    await browser.close();
  }
}

await main();

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { openDatabase } from '../../src/adapters/local/sqlite.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { systemClock } from '../../src/domain/ports.js';
import { LocalRuntime, type LocalRuntimeDeps } from '../../src/runtime/local-runtime.js';
import { alertEvent } from './alert-event.js';
import { startApiLoad, type ApiLoadReport } from './api-load.js';
import { captureLogger, type CapturedLog } from './logger.js';
import { startTargetProcess } from './target-process.js';

/**
 * The probe-timing scenario of issue 13, shared by its test and its benchmark: the real local
 * runtime probes a loopback target that answers in about a millisecond (in its own process), with
 * or without 32 HTTP clients reading `/api/probes` and `/api/events?limit=1000` over 1,000 stored
 * events; then the results the runtime stored in that window are read back from its database.
 */
export interface ProbeTimingOptions {
  readonly probes: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** How long results are collected for (after one interval of warm-up). */
  readonly windowMs: number;
  /** HTTP clients on the API during the window; 0 for none. */
  readonly apiClients: number;
  /** Alert events stored before the start, what `/api/events?limit=1000` returns. */
  readonly events?: number;
  /** Passed to LocalRuntime: how the runtime is composed (e.g. where probes run). */
  readonly runtime?: Partial<Omit<LocalRuntimeDeps, 'clock' | 'logger' | 'stdout'>>;
}

export interface ProbeTimingReport {
  /** Results stored for the window: success and failure reasons per result. */
  readonly results: number;
  readonly failures: Readonly<Record<string, number>>;
  /** Recorded duration_ms of every stored result (a failure's too), ascending. */
  readonly durations: readonly number[];
  readonly avg: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  /** Results whose details say the runner, not the target, was late (`runnerStartLateMs`, `runnerStalledMs`). */
  readonly runnerLate: number;
  readonly api: ApiLoadReport | undefined;
  /** The runtime's own account of its probe runner, from `/api/health` at the end of the window. */
  readonly runner: RuntimeHealth['probeRunner'] | undefined;
  /** p95 of the results whose runner was not stalled during the attempt (no `runnerStalledMs`). */
  readonly p95Unflagged: number;
  /** Stored results that took over 50 ms with no runner stall to explain it. */
  readonly slowUnexplained: number;
  readonly logs: readonly CapturedLog[];
}

export async function measureProbeTiming(options: ProbeTimingOptions): Promise<ProbeTimingReport> {
  const dir = mkdtempSync(join(tmpdir(), 'pflow-probe-timing-'));
  const target = await startTargetProcess();
  try {
    const dataDir = join(dir, 'data');
    seedEvents(join(dataDir, 'pflow.db'), options.events ?? 1_000);
    const probes = Array.from({ length: options.probes }, (_, index) =>
      [
        `  - id: loopback-${index}`,
        '    site: site-a',
        '    kind: http',
        `    target: ${target.url}`,
        `    interval: ${options.intervalMs}ms`,
        `    timeout: ${options.timeoutMs}ms`,
      ].join('\n'),
    );
    const yaml = [
      'version: 1',
      'sites: [{ id: site-a }]',
      'probes:',
      ...probes,
      'local:',
      `  data_dir: ${dataDir}`,
      '  api_listen: 127.0.0.1:0',
    ].join('\n');
    const config = parseDeploymentConfig(yaml, 'probe-timing.yaml', {});
    const logger = captureLogger();
    const runtime = new LocalRuntime(config, {
      clock: systemClock,
      logger,
      stdout: () => undefined,
      ...options.runtime,
    });
    const urls = await runtime.start();
    let api: ApiLoadReport | undefined;
    let health: RuntimeHealth | undefined;
    let from = 0;
    let until = 0;
    try {
      await allProbesReported(urls.api, options.probes);
      await delay(options.intervalMs);
      from = Date.now();
      const load =
        options.apiClients > 0
          ? startApiLoad(urls.api, { clients: options.apiClients, paths: ['/api/probes', '/api/events?limit=1000'] })
          : undefined;
      await delay(options.windowMs);
      until = Date.now();
      api = await load?.stop();
      health = (await (await fetch(`${urls.api}/api/health`)).json()) as RuntimeHealth;
    } finally {
      await runtime.stop();
    }
    return { ...readResults(urls.database, from, until), api, runner: health?.probeRunner, logs: logger.entries };
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface RuntimeHealth {
  readonly probeRunner?: {
    readonly isolation: string;
    readonly runnerLate: Readonly<Record<string, number>>;
  };
}

function seedEvents(database: string, count: number): void {
  const db = openDatabase(database);
  const store = new SqliteStore({ database: db, clock: systemClock, retentionMs: 86_400_000 });
  const base = Date.now() - count * 1_000;
  const events = Array.from({ length: count }, (_, index) => {
    const at = new Date(base + index * 1_000).toISOString();
    return alertEvent({ id: `site-a/pfsw-login/${index}/${at}/firing`, startsAt: at, evaluatedAt: at });
  });
  void store.writeAlertEvents(events);
  db.close();
}

function readResults(database: string, from: number, until: number) {
  const db = openDatabase(database);
  try {
    const rows = db
      .prepare('SELECT success, failure_reason, duration_ms, details FROM probes WHERE time >= ? AND time < ?')
      .all(from, until) as {
      success: number;
      failure_reason: string | null;
      duration_ms: number;
      details: string | null;
    }[];
    const failures: Record<string, number> = {};
    const durations: number[] = [];
    let runnerLate = 0;
    let slowUnexplained = 0;
    const unflagged: number[] = [];
    for (const row of rows) {
      durations.push(row.duration_ms);
      if (row.success !== 1)
        failures[row.failure_reason ?? 'unknown'] = (failures[row.failure_reason ?? 'unknown'] ?? 0) + 1;
      const details = row.details === null ? {} : (JSON.parse(row.details) as object);
      if ('runnerStartLateMs' in details || 'runnerStalledMs' in details) runnerLate += 1;
      if (!('runnerStalledMs' in details)) unflagged.push(row.duration_ms);
      if (row.duration_ms > 50 && !('runnerStalledMs' in details)) slowUnexplained += 1;
    }
    durations.sort((a, b) => a - b);
    unflagged.sort((a, b) => a - b);
    const quantile = (sorted: number[], q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
    const at = (q: number) => quantile(durations, q);
    return {
      results: rows.length,
      failures,
      durations,
      avg: durations.reduce((sum, d) => sum + d, 0) / Math.max(1, durations.length),
      p50: at(0.5),
      p95: at(0.95),
      max: durations.at(-1) ?? NaN,
      runnerLate,
      slowUnexplained,
      p95Unflagged: quantile(unflagged, 0.95),
    };
  } finally {
    db.close();
  }
}

/** Waits until every probe has a result in `/api/probes`: the runner is up (a worker takes a moment to start). */
async function allProbesReported(api: string, probes: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const body = (await (await fetch(`${api}/api/probes`)).json()) as { probes: unknown[] };
    if (body.probes.length >= probes) return;
    if (Date.now() > deadline) throw new Error(`only ${body.probes.length} of ${probes} probes reported within 30 s`);
    await delay(100);
  }
}

// Real time on purpose: the scenario is load over a window of wall time, not a schedule under test.
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

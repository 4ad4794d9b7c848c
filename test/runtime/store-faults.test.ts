import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { systemClock } from '../../src/domain/ports.js';
import { LocalRuntime } from '../../src/runtime/local-runtime.js';
import { captureLogger } from '../support/logger.js';

/**
 * The local runtime under the store faults an operator's machine sees: another process holding the
 * database, and a full disk. Time passes for real (the runtime's own timers and a real SQLite file),
 * so the tests wait for conditions with a deadline; what they assert is what the runtime recorded
 * and delivered, and how long its event loop was held.
 */

let dir: string;
let target: Server;
let targetUp = true;
let lines: any[] = [];
let runtime: LocalRuntime | undefined;
let logger: ReturnType<typeof captureLogger>;
let api = '';

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logger.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const get = async (path: string): Promise<any> => (await fetch(`${api}${path}`)).json();

function configText(dataDir: string, port: number): string {
  const probes = [0, 1, 2, 3]
    .map(
      (i) => `
  - id: portal-${i}
    site: site-a
    kind: http
    target: http://127.0.0.1:${port}/health
    interval: 200ms
    timeout: 150ms
    labels: { service: portal }`,
    )
    .join('');
  return `
version: 1
sites:
  - id: site-a
    timezone: UTC
probes:${probes}
rule_groups:
  - name: availability
    interval: 250ms
    rules:
      - id: portal-down
        name: Portal down
        severity: critical
        measure: success
        matchers: ['service="portal"']
        window: 1s
        reducer: last
        threshold: { op: '<', value: 1 }
channels:
  - id: terminal
    kind: console
    console: { format: json }
routes:
  - channels: [terminal]
local:
  data_dir: ${dataDir}
  api_listen: 127.0.0.1:0
`;
}

async function startRuntime(dataDir: string): Promise<LocalRuntime> {
  const port = (target.address() as { port: number }).port;
  const config = parseDeploymentConfig(configText(dataDir, port), 'faults.yaml', {});
  runtime = new LocalRuntime(config, {
    clock: systemClock,
    logger,
    stdout: (line) => lines.push(JSON.parse(line)),
    storeAlertAfterMs: 300,
  });
  api = (await runtime.start()).api;
  return runtime;
}

const storeAlerts = (state: string) =>
  lines.filter((event) => event.rule.id === 'pflow-store-unavailable' && event.state === state);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-faults-'));
  lines = [];
  targetUp = true;
  logger = captureLogger();
  target = createServer((_request, response) => {
    response.statusCode = targetUp ? 200 : 503;
    response.end(targetUp ? 'ok' : 'down');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
});

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function probeTaskRuns(health: any): number {
  return Object.entries(health.tasks as Record<string, { runs: number }>)
    .filter(([name]) => name.startsWith('probe:'))
    .reduce((sum, [, stats]) => sum + stats.runs, 0);
}

describe('another process holding the database (BEGIN EXCLUSIVE)', () => {
  it('never blocks the event loop, keeps probing, alerts on the store, invents no failure, loses nothing', async () => {
    const dataDir = join(dir, 'data');
    await startRuntime(dataDir);
    await until('results in the store', async () =>
      (await get('/api/probes')).probes.length === 4 ? true : undefined,
    );

    const locker = new Database(join(dataDir, 'pflow.db'));
    locker.exec('BEGIN EXCLUSIVE');
    const lockedAt = Date.now();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    let slowestApiMs = 0;
    const timedGet = async (path: string) => {
      const started = performance.now();
      const body = await get(path);
      slowestApiMs = Math.max(slowestApiMs, performance.now() - started);
      return body;
    };

    await until('the store-unavailable alert on the channel', () =>
      storeAlerts('firing').length > 0 ? true : undefined,
    );
    // Hold the lock across many probe intervals and rule cycles.
    await until('40 probe results waiting in memory', async () =>
      (await timedGet('/api/health')).storeBuffer.pending['probe results'] >= 40 ? true : undefined,
    );
    const health = await timedGet('/api/health');
    expect(health.status).toBe('degraded');
    expect(health.store).toMatchObject({
      status: 'failing',
      alertFiring: true,
      lastError: expect.stringMatching(/SQLITE_BUSY/),
    });
    // The API shows results newer than the lock, from memory.
    const latest = (await timedGet('/api/probes')).probes;
    expect(latest).toHaveLength(4);
    for (const result of latest) expect(Date.parse(result.time)).toBeGreaterThan(lockedAt);
    await timedGet('/api/events?limit=100');

    locker.exec('COMMIT');
    locker.close();
    await until('the store alert resolved', () => (storeAlerts('resolved').length > 0 ? true : undefined));
    await until('every held result written', async () =>
      (await get('/api/health')).storeBuffer.pending['probe results'] === 0 ? true : undefined,
    );
    delay.disable();

    // A 2 s busy timeout held the loop ≥ 2 s per write; now no lock wait shows.
    expect(delay.max / 1e6).toBeLessThan(250);
    expect(slowestApiMs).toBeLessThan(500);

    await runtime!.stop();
    const finalHealth = runtime!.health();
    const probeTaskRunsAtStop = probeTaskRuns(finalHealth);
    for (const [name, stats] of Object.entries(finalHealth.tasks)) {
      if (name.startsWith('probe:')) expect(stats, name).toMatchObject({ failures: 0 });
    }
    const db = new Database(join(dataDir, 'pflow.db'), { readonly: true });
    const rows = db.prepare('SELECT success, failure_reason FROM probes').all() as Array<{ success: number }>;
    const stored = db.prepare('SELECT event FROM alerts').pluck().all() as string[];
    db.close();
    // Nothing lost, nothing invented: every run is stored, every one a success.
    expect(rows.length).toBe(finalHealth.storeBuffer.written['probe results']);
    expect(finalHealth.storeBuffer).toMatchObject({
      pending: { 'probe results': 0 },
      refused: { 'probe results': 0 },
      dropped: { 'probe results': 0 },
    });
    // A run the probe runner discards (it was itself stalled, not the target) is the only run not stored.
    const discarded = (finalHealth as { probeRunner?: { runnerLate?: { discarded: number } } }).probeRunner?.runnerLate
      ?.discarded;
    expect(rows.length).toBe(probeTaskRunsAtStop - (discarded ?? 0));
    expect(rows.every((row) => row.success === 1)).toBe(true);
    expect(lines.filter((event) => event.state === 'nodata' || event.rule.id === 'portal-down')).toEqual([]);
    expect(storeAlerts('firing')).toHaveLength(1);
    expect(storeAlerts('firing')[0]).toMatchObject({
      site: 'pflow',
      rule: { id: 'pflow-store-unavailable', severity: 'critical' },
      labels: { component: 'store', store: 'pflow.db' },
    });
    // The store's own alert events are in its history too, written once the lock cleared.
    expect(stored.map((json) => JSON.parse(json).state).sort()).toEqual(['firing', 'resolved']);
    runtime = undefined;
  });
});

/**
 * A real full disk: the data directory on a small tmpfs, filled to the last byte. Mounting needs
 * root (CAP_SYS_ADMIN); where it is refused, SQLite's own limit on the database size
 * (max_page_count on the runtime's connection) makes writes fail with the same SQLITE_FULL.
 */
function mountSmallTmpfs(path: string): boolean {
  mkdirSync(path, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', path], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('a full disk', () => {
  it('keeps rules alerting from memory, shows the latest results, alerts on the store, then writes everything', async () => {
    const dataDir = join(dir, 'data');
    const mounted = mountSmallTmpfs(dataDir);
    const filler = join(dataDir, 'filler');
    try {
      const rt = await startRuntime(dataDir);
      await until('results in the store', async () =>
        (await get('/api/probes')).probes.length === 4 ? true : undefined,
      );

      let release: () => void;
      if (mounted) {
        const chunk = Buffer.alloc(64 * 1024);
        try {
          for (;;) appendFileSync(filler, chunk);
        } catch (error) {
          expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
        }
        release = () => unlinkSync(filler);
      } else {
        const db = (rt as unknown as { db: Database.Database }).db;
        db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
        release = () => db.pragma('max_page_count = 1073741823');
      }

      await until('the store-unavailable alert on the channel', () =>
        storeAlerts('firing').length > 0 ? true : undefined,
      );
      expect((await get('/api/health')).store.lastError).toMatch(/SQLITE_FULL/);

      // The target dies while nothing can be written: the rule still fires, from the results in memory.
      targetUp = false;
      const firing = await until('the portal-down alert while the disk is full', () =>
        lines.find((event) => event.rule.id === 'portal-down' && event.state === 'firing'),
      );
      expect(firing).toMatchObject({ site: 'site-a', value: 0 });
      expect((await get('/api/health')).store.status).toBe('failing');
      const latest = (await get('/api/probes')).probes;
      expect(latest.map((result: any) => result.success)).toEqual([false, false, false, false]);

      release();
      await until('the store alert resolved', () => (storeAlerts('resolved').length > 0 ? true : undefined));
      await until('every held result written', async () => {
        const pending = (await get('/api/health')).storeBuffer.pending;
        return pending['probe results'] === 0 && pending['alert events'] === 0 ? true : undefined;
      });
      await rt.stop();
      const health = rt.health();
      const db = new Database(join(dataDir, 'pflow.db'), { readonly: true });
      const stored = db.prepare('SELECT count(*) FROM probes').pluck().get() as number;
      const events = db.prepare("SELECT count(*) FROM alerts WHERE rule = 'portal-down'").pluck().get() as number;
      db.close();
      expect(stored).toBe(health.storeBuffer.written['probe results']);
      expect(health.storeBuffer).toMatchObject({ pending: { 'probe results': 0 }, dropped: { 'probe results': 0 } });
      expect(events).toBeGreaterThanOrEqual(1);
      expect(lines.filter((event) => event.state === 'nodata')).toEqual([]);
      runtime = undefined;
    } finally {
      await runtime?.stop();
      runtime = undefined;
      if (mounted) execFileSync('umount', ['-l', dataDir], { stdio: 'ignore' });
    }
  });
});

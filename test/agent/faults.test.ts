import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import type { AgentConfig } from '../../src/domain/agent/agent-config.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { systemClock } from '../../src/domain/ports.js';
import { createToken } from '../../src/ingest/token.js';
import { LocalRuntime } from '../../src/runtime/local-runtime.js';
import { captureLogger } from '../support/logger.js';
import { ManualTime } from '../support/manual-time.js';

/**
 * Fault tests against the local runtime's real POST /v1/ingest and pflow.db: each asserts the exact
 * set of test samples in the store — nothing lost (or, past the cap, exactly the counted drops) and
 * nothing stored twice (the samples of the batches the ingest recorded add up to what is stored).
 */

const T0 = Date.parse('2026-12-01T08:00:00Z');
const CHILD = join(import.meta.dirname, 'agent-child.ts');
let root: string;
let port: number;
let token: string;
let runtime: LocalRuntime | undefined;
let tokenAdded = false;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

async function startIngest(): Promise<void> {
  const config = parseDeploymentConfig(
    `version: 1\nsites:\n  - id: ward\nlocal:\n  data_dir: ${join(root, 'data')}\n  api_listen: 127.0.0.1:${String(port)}\n`,
    'faults.yaml',
    {},
  );
  runtime = new LocalRuntime(config, {
    clock: systemClock,
    logger: captureLogger(),
    stdout: () => {},
    probeIsolation: 'in-process',
  });
  if (!tokenAdded) {
    const created = createToken('ward', 'agent', T0);
    await runtime.ingest.add(created.record);
    token = created.token;
    tokenAdded = true;
  }
  await runtime.start();
}

async function stopIngest(): Promise<void> {
  await runtime?.stop();
  runtime = undefined;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pflow-faults-'));
  port = await freePort();
  await startIngest();
});
afterAll(async () => {
  await stopIngest();
  rmSync(root, { recursive: true, force: true });
});

let bufferDir: string;
let agentId: string;
let counter = 0;
beforeEach(() => {
  counter += 1;
  agentId = `agent-${String(counter)}`;
  bufferDir = join(root, `buffer-${String(counter)}`);
});

/** The test_seq values this test's agent got into the store, sorted, and the samples its recorded batches carried. */
function stored(): { values: number[]; batchSamples: number; seqRows: number } {
  const db = new Database(join(root, 'data', 'pflow.db'), { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT m.value AS v FROM metrics m JOIN series s ON s.id = m.series_id
         WHERE s.name = 'test_seq' AND s.labels LIKE ? ORDER BY m.value`,
      )
      .all(`%"agent":"${agentId}"%`) as { v: number }[];
    const batches = db
      .prepare(`SELECT COALESCE(SUM(samples), 0) AS n FROM ingest_batches WHERE batch_id LIKE ?`)
      .get(`${agentId}-%`) as { n: number };
    const heartbeat = db
      .prepare(
        `SELECT COUNT(*) AS n FROM metrics m JOIN series s ON s.id = m.series_id
         WHERE s.name LIKE 'pflow_agent_%' AND s.labels LIKE ?`,
      )
      .get(`%"agent":"${agentId}"%`) as { n: number };
    return { values: rows.map((r) => r.v), batchSamples: batches.n - heartbeat.n, seqRows: rows.length };
  } finally {
    db.close();
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, k) => from + k);
}

function config(overrides: Partial<AgentConfig['buffer']> = {}, batchMaxSamples = 50): AgentConfig {
  return {
    agentId,
    ingest: {
      url: `http://127.0.0.1:${String(port)}/v1/ingest`,
      token,
      mode: 'push',
      batchMaxSamples,
      batchMaxAgeMs: 1_000,
      timeoutMs: 5_000,
      gzipLevel: 1,
    },
    buffer: { dir: bufferDir, maxBytes: 64 * 1024 * 1024, fsync: 'always', fsyncIntervalMs: 1_000, ...overrides },
    scrapeConfigs: [],
    probes: [],
  };
}

const seq = (i: number) => ({ name: 'test_seq', labels: { agent: agentId, n: String(i) }, time: T0 + i, value: i });

describe('an agent in the same process, on a fake clock', () => {
  let agent: Agent | undefined;
  let time: ManualTime;
  beforeEach(() => {
    time = new ManualTime(T0);
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    if (runtime === undefined) await startIngest();
  });

  function open(cfg: AgentConfig): Agent {
    agent = new Agent(cfg, { clock: time.clock, timers: time.timers, logger: captureLogger(), env: {}, scrape: false });
    return agent;
  }

  async function settleSends(a: Agent): Promise<void> {
    await a.forwarder?.kick();
  }

  /** Lets the fake clock run out every backoff until the buffer holds nothing sealed. */
  async function deliverAll(a: Agent): Promise<void> {
    a.batcher.flush();
    for (let i = 0; i < 30 && a.buffer.sealed(1).length > 0; i++) {
      await time.advance(5 * 60_000);
      await a.forwarder?.kick();
      a.batcher.flush();
    }
  }

  it('ingest down for a while, then back: everything arrives once', async () => {
    await stopIngest();
    const a = open(config());
    await a.start();
    for (let i = 1; i <= 400; i++) a.sink.add([seq(i)]);
    await settleSends(a);
    expect(a.forwarder?.backingOff).toBe(true);
    // Ten minutes of outage on the fake clock: retries keep failing, nothing is dropped.
    for (let minute = 0; minute < 10; minute++) {
      await time.advance(60_000);
      await settleSends(a);
    }
    expect(a.buffer.stats().droppedSamples).toBe(0);
    await startIngest();
    await deliverAll(a);
    const after = stored();
    expect(after.values).toEqual(range(1, 400));
    expect(after.batchSamples).toBe(400);
  });

  it('ingest answering 503 (pflow.db locked by another process), then 200: everything arrives once', async () => {
    const locker = new Database(join(root, 'data', 'pflow.db'));
    locker.exec('BEGIN EXCLUSIVE');
    const a = open(config());
    try {
      for (let i = 1; i <= 120; i++) a.sink.add([seq(i)]);
      a.batcher.flush();
      await settleSends(a);
      expect(a.forwarder?.counters.failedAttempts).toBeGreaterThan(0);
      expect(a.buffer.stats().pendingBatches).toBeGreaterThan(0);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    await deliverAll(a);
    expect(stored().values).toEqual(range(1, 120));
    expect(stored().batchSamples).toBe(120);
  });

  it('buffer cap reached while the ingest is down: exactly the oldest counted drops are missing', async () => {
    await stopIngest();
    const cfg = config({ maxBytes: 256 * 1024, fsync: 'interval' }, 20);
    const a = new Agent(cfg, {
      clock: time.clock,
      timers: time.timers,
      logger: captureLogger(),
      env: {},
      scrape: false,
    });
    agent = a;
    const n = 4_000;
    for (let i = 1; i <= n; i++) a.sink.add([seq(i)]);
    a.batcher.flush();
    // The failed send ends: the batch it pinned may go now too.
    await a.forwarder?.kick();
    const dropped = a.buffer.stats().droppedSamples;
    expect(dropped).toBeGreaterThan(0);
    await startIngest();
    await deliverAll(a);
    const after = stored();
    // The cap drops whole oldest segments: what is left is exactly the newest n − dropped.
    expect(after.values).toEqual(range(dropped + 1, n));
    expect(after.batchSamples).toBe(n - dropped);
    expect(a.health().droppedSamples).toBe(dropped);
  });

  // A 256 KiB tmpfs is a real full disk; mounting needs root, as in the buffer's own test.
  const mountPoint = mkdtempSync(join(tmpdir(), 'pflow-agent-fulldisk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]).status === 0;
  afterAll(() => {
    if (mounted) spawnSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it.skipIf(!mounted)('full disk: refused records are counted, everything accepted arrives once', async () => {
    await stopIngest();
    bufferDir = join(mountPoint, 'buffer');
    const a = open(config({ maxBytes: 64 * 1024 * 1024 }, 20));
    const n = 3_000;
    for (let i = 1; i <= n; i++) a.sink.add([seq(i)]);
    a.batcher.flush();
    const refused = a.buffer.stats().refusedSamples;
    expect(refused).toBeGreaterThan(0);
    await startIngest();
    await deliverAll(a);
    const after = stored();
    expect(after.values.length).toBe(n - refused);
    expect(after.batchSamples).toBe(n - refused);
    expect(new Set(after.values).size).toBe(after.values.length);
    expect(a.health().droppedSamples).toBe(refused);
    // Space is free again once acknowledged: new samples are buffered and sent.
    a.sink.add([seq(n + 1)]);
    await deliverAll(a);
    expect(stored().values.at(-1)).toBe(n + 1);
  });
});

describe('kill -9 of a real agent process, then restart', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  function run(
    cfg: AgentConfig,
    mode: string,
    n = 0,
  ): { child: ChildProcess; waitFor: (line: RegExp) => Promise<void> } {
    const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(cfg), mode, String(n)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = proc;
    let seen = '';
    const waiters: { line: RegExp; resolve: () => void }[] = [];
    proc.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      for (const w of [...waiters]) {
        if (w.line.test(seen)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
    return {
      child: proc,
      waitFor: (line) =>
        new Promise<void>((resolve) => {
          if (line.test(seen)) resolve();
          else waiters.push({ line, resolve });
        }),
    };
  }

  async function killed(proc: ChildProcess): Promise<void> {
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
  }

  async function drainUntil(cfg: AgentConfig, expected: number[]): Promise<void> {
    const { child: proc } = run(cfg, 'drain');
    for (let i = 0; i < 600 && stored().values.length < expected.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  }

  it('killed while forwarding (after the 3rd answered send): the restart sends the rest, each sample stored once', async () => {
    const cfg = config({}, 50);
    const first = run(cfg, 'forward', 1_000);
    await first.waitFor(/sent 3 /);
    await killed(first.child);
    const mid = stored();
    expect(mid.values.length).toBeGreaterThanOrEqual(150);
    expect(mid.values.length).toBeLessThan(1_000);
    await drainUntil(cfg, range(1, 1_000));
    const after = stored();
    expect(after.values).toEqual(range(1, 1_000));
    expect(after.batchSamples).toBe(1_000);
  }, 60_000);

  it('killed in the middle of a buffer write: the torn record is cut, every record before it arrives once', async () => {
    const cfg = config({}, 50);
    const first = run(cfg, 'pause', 137);
    await first.waitFor(/header\n/);
    await killed(first.child);
    await drainUntil(cfg, range(1, 136));
    const after = stored();
    expect(after.values).toEqual(range(1, 136));
    expect(after.batchSamples).toBe(136);
  }, 60_000);
});

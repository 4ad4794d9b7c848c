import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../../src/domain/agent/agent-config.js';
import { EventsRuntime } from './runtime.js';

/**
 * kill -9 of a real agent process writing the log drop, against the local runtime's real
 * GET /v1/events: after a restart every event is in the file exactly once, in order.
 */

const CHILD = join(import.meta.dirname, 'logdrop-child.ts');
let root: string;
let ingest: EventsRuntime;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pflow-agent-logdrop-kill-'));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  ingest = new EventsRuntime(join(root, 'ingest'), port);
  await ingest.start();
});
afterAll(async () => {
  await ingest.stop();
  rmSync(root, { recursive: true, force: true });
});

let dir: string;
let counter = 0;
let child: ChildProcess | undefined;
beforeEach(() => {
  counter += 1;
  dir = join(root, `agent-${String(counter)}`);
  mkdirSync(dir);
  rmSync(join(root, 'ingest', 'logdrop', 'ward'), { recursive: true, force: true });
});
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

function config(): AgentConfig {
  return {
    agentId: `ward-${String(counter)}`,
    ingest: {
      url: ingest.ingestUrl,
      token: ingest.token,
      mode: 'push',
      batchMaxSamples: 100,
      batchMaxAgeMs: 60_000,
      timeoutMs: 5_000,
      gzipLevel: 1,
    },
    buffer: { dir: join(dir, 'buffer'), maxBytes: 64 * 1024 * 1024, fsync: 'interval', fsyncIntervalMs: 1_000 },
    scrapeConfigs: [],
    probes: [],
    logDrop: { path: join(dir, 'alerts.jsonl'), maxBytes: 10 * 1024 * 1024, keep: 10, pollIntervalMs: 200 },
  };
}

function run(mode: string): { proc: ChildProcess; waitFor: (line: RegExp) => Promise<void> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config()), mode], {
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
    proc,
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

function text(): string {
  return existsSync(join(dir, 'alerts.jsonl')) ? readFileSync(join(dir, 'alerts.jsonl'), 'utf8') : '';
}

function ids(): string[] {
  return text()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

/** Restarts the agent until the file holds `count` lines, then stops it with SIGTERM (exit 0). */
async function restartUntil(count: number): Promise<void> {
  const { proc } = run('run');
  for (let i = 0; i < 600 && text().split('\n').length - 1 < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  expect(await exited).toBe(0);
}

describe('kill -9 of an agent writing the log drop, then restart', () => {
  it('killed halfway through a write: the torn line is cut, every event written once', async () => {
    const events = await ingest.addEvents(250);
    const first = run('torn');
    await first.waitFor(/torn\n/);
    await killed(first.proc);
    // The first page (100 lines) whole, then just over half of the second's bytes: 50 lines and a torn one.
    expect(text().endsWith('\n')).toBe(false);
    expect(text().split('\n').length - 1).toBe(150);
    await restartUntil(250);
    expect(ids()).toEqual(events);
  }, 60_000);

  it('killed after a write, before the state file was updated: the page fetched again is skipped', async () => {
    const events = await ingest.addEvents(250);
    const first = run('appended');
    await first.waitFor(/appended\n/);
    await killed(first.proc);
    expect(ids()).toEqual(events.slice(0, 200));
    await restartUntil(250);
    expect(ids()).toEqual(events);
  }, 60_000);
});

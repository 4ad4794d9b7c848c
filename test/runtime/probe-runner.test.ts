import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeDefinition } from '../../src/domain/config/model.js';
import type { ProbeResult } from '../../src/domain/probe-result.js';
import { systemClock } from '../../src/domain/ports.js';
import { httpSettingsSchema } from '../../src/probes/http/settings.js';
import type { Worker } from 'node:worker_threads';
import {
  createProbeRunner,
  startProbeWorker,
  WorkerProbeRunner,
  type ProbeIsolation,
} from '../../src/runtime/probe-runner.js';
import { closedPort } from '../support/closed-port.js';
import { captureLogger } from '../support/logger.js';
import { startTargetProcess, type TargetProcess } from '../support/target-process.js';

/** Keeps the main thread busy, as the API encoding large responses or a synchronous SQLite call does. */
function blockMainThread(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy on purpose
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('probe runners', () => {
  // The target has a process of its own: blocking this thread must not slow the target itself.
  let target: TargetProcess;
  let refusedUrl: string;
  beforeAll(async () => {
    target = await startTargetProcess();
    refusedUrl = `http://127.0.0.1:${await closedPort()}/`;
  });
  afterAll(() => target.close());

  const probe = (id: string, url: string): ProbeDefinition => ({
    id,
    site: 'site-a',
    kind: 'http',
    target: url,
    intervalMs: 200,
    timeoutMs: 1_000,
    labels: { team: 'ops' },
    settings: httpSettingsSchema.parse({}),
    runsOn: 'cloud',
  });

  async function runWhileBlocked(isolation: ProbeIsolation) {
    const results: ProbeResult[] = [];
    const logger = captureLogger();
    const runner = createProbeRunner(isolation, [probe('up', target.url), probe('closed', refusedUrl)], {
      clock: systemClock,
      logger,
      onResult: (result) => results.push(result),
    });
    await runner.start();
    await until('first results', () => results.length >= 4);
    const before = results.length;
    blockMainThread(1_500);
    await until('results from during the block', () => results.length >= before + 8);
    await runner.stop();
    return { results, stats: runner.stats(), logger };
  }

  it('in a worker, probes keep their schedule and timings while the main thread is blocked', async () => {
    const { results, stats } = await runWhileBlocked('worker');
    const received = results.length;

    const up = results.filter((r) => r.probe === 'up');
    expect(up.length).toBeGreaterThan(5);
    expect(up.every((r) => r.success)).toBe(true);
    // Blocking the main thread for 1.5 s shows in no recorded timing.
    expect(Math.max(...up.map((r) => r.durationMs))).toBeLessThan(300);
    expect(results.filter((r) => r.probe === 'closed').every((r) => r.failure?.reason === 'refused')).toBe(true);
    expect(results[0]).toMatchObject({ site: 'site-a', kind: 'http', labels: { team: 'ops' } });
    // The schedule went on during the block: results carry times from inside it.
    const times = up.map((r) => r.time).sort((a, b) => a - b);
    expect(Math.max(...times.slice(1).map((t, i) => t - times[i]!))).toBeLessThan(1_000);

    expect(stats.isolation).toBe('worker');
    expect(stats.tasks['probe:site-a/up']?.runs).toBeGreaterThan(5);
    expect(stats.workerRestarts).toBe(0);
    // Stopped: the worker is gone and nothing more arrives.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(results.length).toBe(received);
  });

  it('starts a probe worker that died again, and says so', async () => {
    const results: ProbeResult[] = [];
    const logger = captureLogger();
    const workers: Worker[] = [];
    const runner = new WorkerProbeRunner(
      [probe('up', target.url)],
      { clock: systemClock, logger, onResult: (result) => results.push(result) },
      (data) => {
        const worker = startProbeWorker(data);
        workers.push(worker);
        return worker;
      },
    );
    await runner.start();
    await until('a first result', () => results.length >= 1);

    await workers[0]!.terminate();
    const before = results.length;
    await until('results from the second worker', () => workers.length === 2 && results.length >= before + 3);
    await runner.stop();

    expect(runner.stats().workerRestarts).toBe(1);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'probe worker exited; restarting it' }),
    );
    expect(results.every((r) => r.success)).toBe(true);
  });

  it('in process, the same block is recorded as the runner being late, never as the target', async () => {
    const { results, stats, logger } = await runWhileBlocked('in-process');

    const up = results.filter((r) => r.probe === 'up');
    // An attempt caught by the block either times out (discarded, not stored) or is flagged.
    expect(up.every((r) => r.success)).toBe(true);
    for (const result of up.filter((r) => r.durationMs > 300)) {
      expect(result.details?.runnerStalledMs).toBeGreaterThan(300);
    }
    // Timers due during the block fired late: the runner reports itself, and the results keep clean timings.
    expect(stats.runnerLate.startedLate).toBeGreaterThan(0);
    expect(stats.runnerLate.maxLateMs).toBeGreaterThan(300);
    expect(logger.entries.some((e) => e.level === 'warn' && e.message.startsWith('probe runner late'))).toBe(true);
  });
});

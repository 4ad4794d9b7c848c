import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IntervalScheduler } from '../../src/runtime/scheduler.js';
import { captureLogger } from '../support/logger.js';

const clock = { now: () => Date.now() };

describe('IntervalScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs each task at its own interval on a fixed grid', async () => {
    const runs: Record<string, number[]> = { fast: [], slow: [] };
    const scheduler = new IntervalScheduler(clock, captureLogger());
    scheduler.add({ name: 'fast', intervalMs: 5_000, run: async () => void runs.fast!.push(Date.now()) });
    scheduler.add({
      name: 'slow',
      intervalMs: 30_000,
      initialDelayMs: 1_000,
      run: async () => void runs.slow!.push(Date.now()),
    });
    scheduler.start();

    await vi.advanceTimersByTimeAsync(60_000);
    await scheduler.stop();

    const start = Date.parse('2026-11-24T10:00:00Z');
    expect(runs.fast!.map((t) => t - start)).toEqual(
      [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60].map((s) => s * 1000),
    );
    expect(runs.slow!.map((t) => t - start)).toEqual([1_000, 31_000]);
  });

  it('waits out an interval longer than 2³¹−1 ms instead of spinning', async () => {
    const day = 86_400_000;
    const runs: number[] = [];
    const scheduler = new IntervalScheduler(clock, captureLogger());
    scheduler.add({ name: 'monthly', intervalMs: 25 * day, run: async () => void runs.push(Date.now()) });
    scheduler.start();

    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(50 * day);
    await scheduler.stop();

    const start = Date.parse('2026-11-24T10:00:00Z');
    expect(runs.map((t) => (t - start) / day)).toEqual([0, 25, 50]);
  });

  it('tells a task how late its timer fired against the grid', async () => {
    const late: number[] = [];
    // Timers that fire 70 ms after they were asked to, as on a busy event loop.
    const lateTimers = {
      setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms + 70),
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    };
    const scheduler = new IntervalScheduler(clock, captureLogger(), lateTimers);
    scheduler.add({ name: 'probe', intervalMs: 1_000, run: async ({ lateMs }) => void late.push(lateMs) });
    scheduler.start();

    await vi.advanceTimersByTimeAsync(3_500);
    await scheduler.stop();

    expect(late).toEqual([70, 70, 70, 70]);
  });

  it('never overlaps a task with itself and counts the skipped ticks', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const scheduler = new IntervalScheduler(clock, captureLogger());
    scheduler.add({
      name: 'hangs-for-12s',
      intervalMs: 5_000,
      run: async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((resolve) => setTimeout(resolve, 12_000));
        concurrent--;
      },
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(30_000);

    expect(maxConcurrent).toBe(1);
    const stats = scheduler.stats()['hangs-for-12s']!;
    // Runs start at 0, 15 and 30 s; the ticks at 5, 10, 20 and 25 s find it still running.
    expect(stats.runs).toBe(3);
    expect(stats.skipped).toBe(4);
    await vi.advanceTimersByTimeAsync(12_000);
    await scheduler.stop();
  });

  it('keeps scheduling a task that throws, and logs the failure', async () => {
    const logger = captureLogger();
    let calls = 0;
    const scheduler = new IntervalScheduler(clock, logger);
    scheduler.add({
      name: 'flaky',
      intervalMs: 1_000,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('database is locked');
      },
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(3_000);
    await scheduler.stop();

    expect(calls).toBe(4);
    expect(scheduler.stats().flaky!.failures).toBe(1);
    expect(logger.entries).toContainEqual({
      level: 'error',
      message: 'task failed',
      fields: { task: 'flaky', error: 'database is locked' },
    });
  });

  it('stop() waits for runs in flight and schedules nothing more', async () => {
    let finished = false;
    let calls = 0;
    const scheduler = new IntervalScheduler(clock, captureLogger());
    scheduler.add({
      name: 'slow',
      intervalMs: 1_000,
      run: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 500));
        finished = true;
      },
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    const stopping = scheduler.stop();
    await vi.advanceTimersByTimeAsync(500);
    await stopping;
    await vi.advanceTimersByTimeAsync(5_000);

    expect(finished).toBe(true);
    expect(calls).toBe(1);
  });
});

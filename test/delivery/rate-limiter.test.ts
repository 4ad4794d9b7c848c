import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/delivery/rate-limiter.js';

describe('Semaphore', () => {
  it('runs thousands of queued tasks in arrival order, never more than its limit at once', async () => {
    const semaphore = new Semaphore(3);
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    const task = (n: number) => async () => {
      started.push(n);
      running++;
      peak = Math.max(peak, running);
      await Promise.resolve();
      running--;
      return n;
    };
    // More waiters than the compaction threshold, twice over, so the queue is trimmed under load.
    const count = 5_000;
    const results = await Promise.all(Array.from({ length: count }, (_, n) => semaphore.run(task(n))));
    expect(results).toEqual(Array.from({ length: count }, (_, n) => n));
    expect(started).toEqual(results);
    expect(peak).toBe(3);
    // Idle again: the next task runs at once.
    expect(await semaphore.run(task(count))).toBe(count);
  });
});

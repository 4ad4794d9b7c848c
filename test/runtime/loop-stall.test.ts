import { afterEach, describe, expect, it } from 'vitest';
import { LoopStallMonitor } from '../../src/runtime/loop-stall.js';

/** Keeps this thread busy, as synchronous SQLite work or JSON encoding does; no timer can fire meanwhile. */
function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy on purpose
  }
}

describe('LoopStallMonitor', () => {
  const monitor = new LoopStallMonitor();
  afterEach(() => monitor.stop());

  it('measures a stall of the event loop, even while it is still going on', async () => {
    monitor.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const mark = monitor.mark();

    blockLoop(300);

    // Asked before the heartbeat could run again: the stall in progress counts.
    expect(monitor.stalledSince(mark)).toBeGreaterThanOrEqual(280);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // After the heartbeat ran, the same stall is counted once, not twice (600 ms).
    expect(monitor.stalledSince(mark)).toBeGreaterThanOrEqual(280);
    expect(monitor.stalledSince(mark)).toBeLessThan(550);
  });

  it('counts only what happened after the mark', async () => {
    monitor.start();
    blockLoop(100);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const mark = monitor.mark();

    expect(monitor.stalledSince(mark)).toBeLessThan(100);
  });
});

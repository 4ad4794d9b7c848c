import type { RunnerLag } from '../services/run-probe.js';

/** Heartbeat period: fine enough to see a stall that matters to a millisecond-scale probe. */
const BEAT_MS = 10;
/** Lateness of a beat that is timer and scheduler jitter, not a stall; it must not add up over long attempts. */
const JITTER_MS = 4;

/**
 * Measures how long this thread's event loop was stalled, from a heartbeat timer: a beat that
 * arrives late arrives late because nothing could run, and every callback waiting then (a probe's
 * socket events included) was delayed as much. Marks and totals are per thread: the probe worker
 * measures its own loop, and an in-process runner the main one.
 */
export class LoopStallMonitor implements RunnerLag {
  private stalledTotal = 0;
  private lastBeat = performance.now();
  private timer: NodeJS.Timeout | undefined;

  start(): this {
    if (this.timer !== undefined) return this;
    this.lastBeat = performance.now();
    this.timer = setInterval(() => this.beat(), BEAT_MS);
    // The heartbeat only measures; it must never keep a thread alive.
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  mark(): number {
    return this.total(performance.now());
  }

  stalledSince(mark: number): number {
    return Math.max(0, this.total(performance.now()) - mark);
  }

  private beat(): void {
    const now = performance.now();
    this.stalledTotal += this.excess(now);
    this.lastBeat = now;
  }

  /** The stall total, counting a stall still going on (the beat that would end it has not run yet). */
  private total(now: number): number {
    return this.stalledTotal + this.excess(now);
  }

  private excess(now: number): number {
    const late = now - this.lastBeat - BEAT_MS;
    return late > JITTER_MS ? late : 0;
  }
}

import { monotonicNow, type Clock } from '../domain/ports.js';
import type { DeliveryTimers } from './timers.js';

/**
 * Shapes one channel's sends to `perSecond` (with an optional burst) by making callers wait for
 * their slot, so a receiver such as a Slack webhook (about 1 message/s) never has to answer 429.
 * It is GCRA, the "virtual scheduling" form of a token bucket: each caller reserves the next
 * theoretical arrival time, so concurrent callers queue fairly without a timer per token.
 * It also carries a pause: after a 429 with Retry-After the whole channel waits, not just the
 * one request, because a receiver that is rate limiting us wants every sender to stop.
 * Hand-written: the npm limiters either poll with real timers or cannot take an injected clock.
 * All its times are on the clock's monotonic reading: a wall clock stepped back must not stretch a
 * pause or a slot by the size of the step.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private theoreticalArrival = Number.NEGATIVE_INFINITY;
  private pausedUntil = Number.NEGATIVE_INFINITY;

  constructor(
    perSecond: number | undefined,
    private readonly clock: Clock,
    private readonly timers: DeliveryTimers,
    private readonly burst = 1,
  ) {
    this.intervalMs = perSecond && perSecond > 0 ? 1000 / perSecond : 0;
  }

  /** Resolves when the caller may send. */
  async acquire(): Promise<void> {
    let now = monotonicNow(this.clock);
    let slot = Math.max(now, this.pausedUntil);
    if (this.intervalMs > 0) {
      slot = Math.max(slot, this.theoreticalArrival - (this.burst - 1) * this.intervalMs);
      this.theoreticalArrival = Math.max(this.theoreticalArrival, slot) + this.intervalMs;
    }
    if (slot > now) await this.timers.sleep(slot - now);
    // A pause that began while this caller waited for its slot applies to it too.
    for (now = monotonicNow(this.clock); this.pausedUntil > now; now = monotonicNow(this.clock)) {
      await this.timers.sleep(this.pausedUntil - now);
    }
  }

  /** Holds every caller for `ms` from now. */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, monotonicNow(this.clock) + ms);
  }
}

/** Bounds how many sends to one channel are in flight at once. */
export class Semaphore {
  private available: number;
  /**
   * FIFO of waiters, read from `head` rather than with shift(): a burst of 10,000 events puts
   * 10,000 waiters here, and shift() on an array that large copies it every time (it measured
   * about 4% of the delivery benchmark's CPU).
   */
  private waiting: (() => void)[] = [];
  private head = 0;

  constructor(limit: number) {
    this.available = Math.max(1, limit);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.nextWaiter();
      if (next) next();
      else this.available++;
    }
  }

  private nextWaiter(): (() => void) | undefined {
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
      return undefined;
    }
    const next = this.waiting[this.head++];
    // Drop the consumed front once it is most of the array, so memory stays bounded under load.
    if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    return next;
  }
}

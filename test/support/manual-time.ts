import type { DeliveryTimers } from '../../src/delivery/timers.js';
import type { Clock, Timers } from '../../src/domain/ports.js';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A wall clock and a monotonic clock that tests move separately, with timers that fire on the
 * monotonic one (as Node's do). advance() moves both; jumpWall() steps only the wall clock, as an
 * NTP correction or a VM resume does. Nothing sleeps for real.
 */
export class ManualTime {
  private pending: Pending[] = [];
  private nextId = 1;

  constructor(
    public wall: number,
    public mono = 1_000,
  ) {}

  readonly clock: Clock = { now: () => this.wall, monotonic: () => this.mono };

  readonly timers: Timers & DeliveryTimers = {
    setTimeout: (callback, ms) => this.add(callback, ms),
    clearTimeout: (handle) => this.cancel(handle as number),
    sleep: (ms) => new Promise<void>((resolve) => this.add(resolve, ms)),
    setTimer: (callback, ms) => {
      const id = this.add(callback, ms);
      return () => this.cancel(id);
    },
  };

  /** How far off the earliest pending timer is, or undefined when none is pending. */
  nextDueIn(): number | undefined {
    if (this.pending.length === 0) return undefined;
    return Math.max(0, Math.min(...this.pending.map((p) => p.at)) - this.mono);
  }

  jumpWall(byMs: number): void {
    this.wall += byMs;
  }

  /** Moves both clocks forward by `ms`, firing every timer that comes due, in order, with its promise callbacks. */
  async advance(ms: number): Promise<void> {
    const end = this.mono + ms;
    await settle();
    for (;;) {
      const next = this.pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (next === undefined) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.wall += Math.max(0, next.at - this.mono);
      this.mono = Math.max(this.mono, next.at);
      next.callback();
      await settle();
    }
    this.wall += end - this.mono;
    this.mono = end;
    await settle();
  }

  private add(callback: () => void, ms: number): number {
    const id = this.nextId++;
    this.pending.push({ id, at: this.mono + Math.max(0, ms), callback });
    return id;
  }

  private cancel(id: number): void {
    this.pending = this.pending.filter((p) => p.id !== id);
  }
}

/** Lets promise chains started by a timer run to their next real wait. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/**
 * Runs one invocation to its end on the manual clock: whenever the limiter has a wait pending the
 * clock jumps to it; otherwise the real I/O (dynalite, the webhook) is given its turn.
 */
export async function drive<T>(time: ManualTime, run: Promise<T>): Promise<T> {
  let finished = false;
  void run.finally(() => (finished = true)).catch(() => undefined);
  for (let turns = 0; !finished; turns++) {
    if (turns > 100_000) throw new Error('the invocation did not finish');
    const due = time.nextDueIn();
    if (due !== undefined) await time.advance(due);
    else await new Promise((resolve) => setImmediate(resolve));
  }
  return run;
}

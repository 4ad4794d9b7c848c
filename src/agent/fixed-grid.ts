import { createHash } from 'node:crypto';
import { monotonicNow, type Clock, type Timers } from '../domain/ports.js';

/** One repeating job of the agent: a target's scrape or a probe. */
export interface GridTask {
  readonly intervalMs: number;
  /** Where in its interval the task runs; `stableOffset` keeps it across restarts. */
  readonly offsetMs: number;
  /** Must not throw. */
  run(): Promise<void>;
  /** A turn came while the previous run was still going: that turn is skipped. */
  skipped(): void;
}

interface Loop {
  readonly task: GridTask;
  /** Monotonic ms of the next run. */
  next: number;
  timer: unknown;
  running: Promise<void> | undefined;
}

/**
 * Runs tasks each on its own fixed grid of the monotonic clock (offset + n × interval), so an
 * interval does not drift by the time a run takes, a restart keeps the spread, and a suspended
 * machine does not catch up the turns it missed. Each task is its own loop: a hanging one holds
 * only itself. The scrape and probe schedulers share it so both keep the same timing rules.
 */
export class FixedGridLoops {
  private readonly loops: Loop[] = [];
  private stopped = false;

  constructor(private readonly deps: { readonly clock: Clock; readonly timers: Timers }) {}

  add(task: GridTask): void {
    const loop: Loop = {
      task,
      next: monotonicNow(this.deps.clock) + task.offsetMs,
      timer: undefined,
      running: undefined,
    };
    this.loops.push(loop);
    this.arm(loop);
  }

  /** Stops scheduling and waits for the runs under way (each ends by its own timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const loop of this.loops) this.deps.timers.clearTimeout(loop.timer);
    await Promise.all(this.loops.map((loop) => loop.running));
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private arm(loop: Loop): void {
    if (this.stopped) return;
    const delay = Math.max(0, loop.next - monotonicNow(this.deps.clock));
    loop.timer = this.deps.timers.setTimeout(() => this.fire(loop), delay);
  }

  private fire(loop: Loop): void {
    if (this.stopped) return;
    const interval = loop.task.intervalMs;
    const now = monotonicNow(this.deps.clock);
    loop.next += interval * Math.max(1, Math.floor((now - loop.next) / interval) + 1);
    if (loop.running === undefined) {
      loop.running = loop.task.run().finally(() => {
        loop.running = undefined;
      });
    } else {
      loop.task.skipped();
    }
    this.arm(loop);
  }
}

/** An offset inside `intervalMs` from a hash of `key`: the same after every restart. */
export function stableOffset(key: string, intervalMs: number): number {
  const digest = createHash('sha256').update(key).digest();
  return digest.readUInt32BE(0) % intervalMs;
}

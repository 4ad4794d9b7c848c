import { monotonicNow, systemTimers, type Clock, type Logger, type Timers } from '../domain/ports.js';

export interface ScheduledTask {
  readonly name: string;
  readonly intervalMs: number;
  /** Delay before the first run; spreads tasks that share an interval. */
  readonly initialDelayMs?: number;
  run(tick: TaskTick): Promise<void>;
}

/** What a task is told about the tick that runs it. */
export interface TaskTick {
  /** How far past its slot on the grid this run starts: the scheduler's own lateness, not the task's. */
  readonly lateMs: number;
}

export interface TaskStats {
  runs: number;
  failures: number;
  /** Ticks skipped because the previous run had not finished: the task never overlaps itself. */
  skipped: number;
  /** Wall time (epoch ms) of the last start. */
  lastStartedAt?: number;
  lastDurationMs?: number;
}

/**
 * Runs each task at its interval on a fixed grid (no drift from run time). The grid is on the
 * monotonic clock: a wall clock stepped back 60 s (NTP, a VM resume) must not hold every task for
 * 60 s, nor a step forward fire them all at once; wall time only stamps `lastStartedAt`. A task that is still
 * running when its next tick comes is not started twice; the tick is counted as skipped. A task
 * that throws is logged and runs again at its next tick — one bad task never stops the others.
 */
export class IntervalScheduler {
  private readonly entries = new Map<
    string,
    { task: ScheduledTask; timer?: unknown; running?: Promise<void>; next: number; stats: TaskStats }
  >();
  private stopped = true;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly timers: Timers = systemTimers,
    /** Called on every tick; the runtime passes ClockWatch.check so a clock jump is noticed promptly. */
    private readonly onTick: () => void = () => {},
  ) {}

  add(task: ScheduledTask): void {
    if (this.entries.has(task.name)) throw new Error(`task ${task.name} is already scheduled`);
    this.entries.set(task.name, { task, next: 0, stats: { runs: 0, failures: 0, skipped: 0 } });
  }

  start(): void {
    this.stopped = false;
    const now = monotonicNow(this.clock);
    for (const entry of this.entries.values()) {
      entry.next = now + (entry.task.initialDelayMs ?? 0);
      this.arm(entry);
    }
  }

  stats(): Record<string, Readonly<TaskStats>> {
    return Object.fromEntries([...this.entries].map(([name, entry]) => [name, { ...entry.stats }]));
  }

  /** Stops scheduling and waits for runs in flight to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.entries.values()) {
      if (entry.timer !== undefined) this.timers.clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    await Promise.allSettled([...this.entries.values()].map((entry) => entry.running ?? Promise.resolve()));
  }

  private arm(entry: { task: ScheduledTask; timer?: unknown; next: number }): void {
    if (this.stopped) return;
    const delay = Math.max(0, entry.next - monotonicNow(this.clock));
    entry.timer = this.timers.setTimeout(() => this.tick(entry.task.name), delay);
  }

  private tick(name: string): void {
    const entry = this.entries.get(name);
    if (!entry || this.stopped) return;
    this.onTick();
    const now = monotonicNow(this.clock);
    const lateMs = Math.max(0, now - entry.next);
    // Next slot on the grid after now: a late tick does not shift the schedule.
    const interval = entry.task.intervalMs;
    entry.next += Math.max(1, Math.ceil((now - entry.next + 1) / interval)) * interval;
    if (entry.running) {
      entry.stats.skipped++;
      this.logger.warn('task still running at its next tick; skipped', { task: name });
    } else {
      entry.stats.runs++;
      entry.stats.lastStartedAt = this.clock.now();
      entry.running = entry.task
        .run({ lateMs })
        .catch((error: unknown) => {
          entry.stats.failures++;
          this.logger.error('task failed', {
            task: name,
            error: error instanceof Error ? error.message : String(error),
          });
        })
        .finally(() => {
          entry.stats.lastDurationMs = monotonicNow(this.clock) - now;
          entry.running = undefined;
        });
    }
    this.arm(entry);
  }
}

import { createHash } from 'node:crypto';
import type { ScrapeConfig } from '../../domain/agent/scrape-config.js';
import { resolveTargets, type ScrapeTarget } from '../../domain/agent/scrape-target.js';
import { monotonicNow, type Clock, type Logger, type Timers } from '../../domain/ports.js';
import type { ScrapeResult } from './scraper.js';

export interface ScrapeSchedulerDeps {
  readonly clock: Clock;
  readonly timers: Timers;
  /** Scrapes one target once (scrapeTarget in production); it must not throw. */
  scrape(job: ScrapeConfig, target: ScrapeTarget): Promise<ScrapeResult>;
  /** Receives every result in the order the scrapes finish (the agent appends them to its buffer). */
  onResult(result: ScrapeResult): void;
  readonly logger?: Logger;
}

interface TargetLoop {
  readonly job: ScrapeConfig;
  readonly target: ScrapeTarget;
  /** Monotonic ms of the next scrape. */
  next: number;
  timer: unknown;
  running: Promise<void> | undefined;
}

/**
 * Scrapes every target of every job on its job's interval, like Prometheus: each target at a fixed
 * offset inside the interval (from a hash of its job and URL, so a restart keeps the spread and
 * 100 targets do not all fire at once), on a grid of the monotonic clock so the interval does not
 * drift by the time a scrape takes. A scrape still running when its next turn comes makes that turn
 * be skipped (it cannot happen while the timeout is at most the interval, which the config ensures).
 */
export class ScrapeScheduler {
  private readonly loops: TargetLoop[] = [];
  private stopped = false;
  private errors = 0;

  constructor(
    private readonly jobs: readonly ScrapeConfig[],
    private readonly deps: ScrapeSchedulerDeps,
  ) {}

  /** Failed scrapes since start (the heartbeat's `pflow_agent_scrape_errors_total`). */
  get scrapeErrorsTotal(): number {
    return this.errors;
  }

  /** The targets being scraped, after relabelling. */
  get targets(): readonly ScrapeTarget[] {
    return this.loops.map((loop) => loop.target);
  }

  start(): void {
    const now = monotonicNow(this.deps.clock);
    for (const job of this.jobs) {
      const set = resolveTargets(job);
      for (const problem of set.problems)
        this.deps.logger?.warn('scrape target left out', { job: job.job_name, problem });
      for (const target of set.targets) {
        const loop: TargetLoop = {
          job,
          target,
          next: now + offsetOf(job, target),
          timer: undefined,
          running: undefined,
        };
        this.loops.push(loop);
        this.arm(loop);
      }
    }
  }

  /** Stops scheduling and waits for the scrapes under way (each ends by its own timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const loop of this.loops) this.deps.timers.clearTimeout(loop.timer);
    await Promise.all(this.loops.map((loop) => loop.running));
  }

  private arm(loop: TargetLoop): void {
    if (this.stopped) return;
    const delay = Math.max(0, loop.next - monotonicNow(this.deps.clock));
    loop.timer = this.deps.timers.setTimeout(() => this.fire(loop), delay);
  }

  private fire(loop: TargetLoop): void {
    if (this.stopped) return;
    const interval = loop.job.scrape_interval;
    const now = monotonicNow(this.deps.clock);
    // The next slot on this target's grid after now: turns missed (a suspended machine) are not caught up.
    loop.next += interval * Math.max(1, Math.floor((now - loop.next) / interval) + 1);
    if (loop.running === undefined) {
      loop.running = this.run(loop).finally(() => {
        loop.running = undefined;
      });
    } else {
      this.deps.logger?.warn('scrape skipped: the previous one is still running', {
        job: loop.job.job_name,
        instance: loop.target.labels.instance,
      });
    }
    this.arm(loop);
  }

  private async run(loop: TargetLoop): Promise<void> {
    const result = await this.deps.scrape(loop.job, loop.target);
    if (result.failure !== undefined) this.errors += 1;
    if (this.stopped && result.failure?.reason === 'error') return;
    this.deps.onResult(result);
  }
}

/** A target's offset inside its interval, stable across restarts. */
export function offsetOf(job: ScrapeConfig, target: ScrapeTarget): number {
  const digest = createHash('sha256').update(`${job.job_name}\u0000${target.url}`).digest();
  return digest.readUInt32BE(0) % job.scrape_interval;
}

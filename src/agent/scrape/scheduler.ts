import type { ScrapeConfig } from '../../domain/agent/scrape-config.js';
import { resolveTargets, type ScrapeTarget } from '../../domain/agent/scrape-target.js';
import type { Clock, Logger, Timers } from '../../domain/ports.js';
import { FixedGridLoops, stableOffset } from '../fixed-grid.js';
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

/**
 * Scrapes every target of every job on its job's interval, like Prometheus: each target at a fixed
 * offset inside the interval (from a hash of its job and URL, so a restart keeps the spread and
 * 100 targets do not all fire at once), on a grid of the monotonic clock so the interval does not
 * drift by the time a scrape takes. A scrape still running when its next turn comes makes that turn
 * be skipped (it cannot happen while the timeout is at most the interval, which the config ensures).
 */
export class ScrapeScheduler {
  private readonly loops: FixedGridLoops;
  private readonly scraped: ScrapeTarget[] = [];
  private errors = 0;

  constructor(
    private readonly jobs: readonly ScrapeConfig[],
    private readonly deps: ScrapeSchedulerDeps,
  ) {
    this.loops = new FixedGridLoops(deps);
  }

  /** Failed scrapes since start (the heartbeat's `pflow_agent_scrape_errors_total`). */
  get scrapeErrorsTotal(): number {
    return this.errors;
  }

  /** The targets being scraped, after relabelling. */
  get targets(): readonly ScrapeTarget[] {
    return this.scraped;
  }

  start(): void {
    for (const job of this.jobs) {
      const set = resolveTargets(job);
      for (const problem of set.problems)
        this.deps.logger?.warn('scrape target left out', { job: job.job_name, problem });
      for (const target of set.targets) {
        this.scraped.push(target);
        this.loops.add({
          intervalMs: job.scrape_interval,
          offsetMs: offsetOf(job, target),
          run: () => this.run(job, target),
          skipped: () =>
            this.deps.logger?.warn('scrape skipped: the previous one is still running', {
              job: job.job_name,
              instance: target.labels.instance,
            }),
        });
      }
    }
  }

  /** Stops scheduling and waits for the scrapes under way (each ends by its own timeout). */
  stop(): Promise<void> {
    return this.loops.stop();
  }

  private async run(job: ScrapeConfig, target: ScrapeTarget): Promise<void> {
    const result = await this.deps.scrape(job, target);
    if (result.failure !== undefined) this.errors += 1;
    if (this.loops.isStopped && result.failure?.reason === 'error') return;
    this.deps.onResult(result);
  }
}

/** A target's offset inside its interval, stable across restarts. */
export function offsetOf(job: ScrapeConfig, target: ScrapeTarget): number {
  return stableOffset(`${job.job_name}\u0000${target.url}`, job.scrape_interval);
}

import { describe, expect, it } from 'vitest';
import { offsetOf, ScrapeScheduler } from '../../../src/agent/scrape/scheduler.js';
import type { ScrapeResult } from '../../../src/agent/scrape/scraper.js';
import { scrapeConfigSchema, type ScrapeConfig } from '../../../src/domain/agent/scrape-config.js';
import { resolveTargets, type ScrapeTarget } from '../../../src/domain/agent/scrape-target.js';
import { ManualTime } from '../../support/manual-time.js';

const nodeJob = scrapeConfigSchema.parse({
  job_name: 'node',
  scrape_interval: '15s',
  static_configs: [{ targets: ['a:9100', 'b:9100'] }],
});
const slowJob = scrapeConfigSchema.parse({
  job_name: 'db',
  scrape_interval: '1m',
  static_configs: [{ targets: ['c:9187'] }],
});

function result(job: ScrapeConfig, target: ScrapeTarget, time: number, failed = false): ScrapeResult {
  return {
    job: job.job_name,
    target,
    time,
    samples: [],
    reportSamples: [],
    report: { up: !failed, durationSeconds: 0, scraped: 0, postRelabel: 0 },
    ...(failed ? { failure: { reason: 'timeout' as const, message: 'x' } } : {}),
    warnings: [],
  };
}

describe('ScrapeScheduler (fake clock)', () => {
  it('scrapes each target once per interval of its job, at a stable offset, without drift', async () => {
    const time = new ManualTime(1_700_000_000_000, 0);
    const calls: [string, number][] = [];
    const results: ScrapeResult[] = [];
    const scheduler = new ScrapeScheduler([nodeJob, slowJob], {
      clock: time.clock,
      timers: time.timers,
      scrape: async (job, target) => {
        calls.push([target.address, time.mono]);
        return result(job, target, time.wall);
      },
      onResult: (scraped) => results.push(scraped),
    });
    scheduler.start();
    await time.advance(120_000);

    const at = (address: string) => calls.filter(([a]) => a === address).map(([, mono]) => mono);
    const [a, b] = resolveTargets(nodeJob).targets;
    const [c] = resolveTargets(slowJob).targets;
    const offsetA = offsetOf(nodeJob, a!);
    expect(at('a:9100')).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => offsetA + k * 15_000));
    expect(at('b:9100')).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => offsetOf(nodeJob, b!) + k * 15_000));
    expect(at('c:9187')).toEqual([0, 1].map((k) => offsetOf(slowJob, c!) + k * 60_000));
    expect(results).toHaveLength(calls.length);
    expect(offsetOf(nodeJob, a!)).not.toBe(offsetOf(nodeJob, b!));
    await scheduler.stop();
  });

  it('skips a turn while the previous scrape of that target is still running, and counts failures', async () => {
    const time = new ManualTime(1_700_000_000_000, 0);
    const job = scrapeConfigSchema.parse({
      job_name: 'one',
      scrape_interval: '10s',
      static_configs: [{ targets: ['a:1'] }],
    });
    let release: (() => void) | undefined;
    let calls = 0;
    const scheduler = new ScrapeScheduler([job], {
      clock: time.clock,
      timers: time.timers,
      scrape: (scrapeJob, target) => {
        calls += 1;
        // The first scrape hangs until released (a stuck fetch the timeout has not cut yet).
        if (calls === 1) return new Promise((resolve) => (release = () => resolve(result(scrapeJob, target, 0, true))));
        return Promise.resolve(result(scrapeJob, target, 0));
      },
      onResult: () => undefined,
    });
    scheduler.start();
    const offset = offsetOf(job, resolveTargets(job).targets[0]!);
    await time.advance(offset + 25_000);
    expect(calls).toBe(1);
    release!();
    await time.advance(10_000);
    expect(calls).toBe(2);
    expect(scheduler.scrapeErrorsTotal).toBe(1);
    await scheduler.stop();
  });

  it('stop() ends the schedule: no scrape after it', async () => {
    const time = new ManualTime(0, 0);
    let calls = 0;
    const scheduler = new ScrapeScheduler([nodeJob], {
      clock: time.clock,
      timers: time.timers,
      scrape: async (job, target) => {
        calls += 1;
        return result(job, target, 0);
      },
      onResult: () => undefined,
    });
    scheduler.start();
    await time.advance(15_000);
    const before = calls;
    await scheduler.stop();
    await time.advance(60_000);
    expect(calls).toBe(before);
  });
});

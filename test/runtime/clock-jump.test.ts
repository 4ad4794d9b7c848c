import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/delivery/rate-limiter.js';
import { ClockWatch } from '../../src/runtime/clock-watch.js';
import { IntervalScheduler } from '../../src/runtime/scheduler.js';
import { captureLogger } from '../support/logger.js';
import { ManualTime } from '../support/manual-time.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');

function probingScheduler(time: ManualTime) {
  const logger = captureLogger();
  const watch = new ClockWatch(time.clock, logger);
  const scheduler = new IntervalScheduler(time.clock, logger, time.timers, () => watch.check());
  const runs: Array<{ mono: number; wall: number }> = [];
  scheduler.add({
    name: 'probe',
    intervalMs: 5_000,
    run: async () => void runs.push({ mono: time.mono, wall: time.wall }),
  });
  return { logger, watch, scheduler, runs };
}

describe('scheduling across wall-clock jumps', () => {
  it('keeps probing on its interval when the wall clock is moved back 60 s, and logs the jump', async () => {
    const time = new ManualTime(T0);
    const { logger, watch, scheduler, runs } = probingScheduler(time);
    scheduler.start();
    await time.advance(12_000); // runs at 0, 5, 10 s
    time.jumpWall(-60_000);
    await time.advance(20_000); // 15, 20, 25, 30 s on the monotonic clock

    const start = 1_000;
    expect(runs.map((r) => r.mono - start)).toEqual([0, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000]);
    // Results are stamped with the wall clock as it now reads.
    expect(runs[3]!.wall).toBe(T0 + 15_000 - 60_000);
    expect(scheduler.stats().probe!.lastStartedAt).toBe(T0 + 30_000 - 60_000);

    expect(watch.stats()).toEqual({
      jumps: 1,
      lastJump: { detectedAt: new Date(T0 + 15_000 - 60_000).toISOString(), byMs: -60_000 },
    });
    const warnings = logger.entries.filter((e) => e.level === 'warn');
    expect(warnings.map((e) => e.message)).toEqual(['wall clock jumped backwards by 60000 ms']);
    expect(watch.jumpedWithin(60_000)).toBe(true);
    await scheduler.stop();
  });

  it('does not fire a burst of catch-up runs when the wall clock is moved forward, then back', async () => {
    const time = new ManualTime(T0);
    const { watch, scheduler, runs } = probingScheduler(time);
    scheduler.start();
    await time.advance(2_000);
    time.jumpWall(+3_600_000);
    await time.advance(11_000);
    time.jumpWall(-3_600_000);
    await time.advance(10_000);

    expect(runs.map((r) => r.mono - 1_000)).toEqual([0, 5_000, 10_000, 15_000, 20_000]);
    expect(watch.stats().jumps).toBe(2);
    expect(watch.stats().lastJump?.byMs).toBe(-3_600_000);
    await scheduler.stop();
  });

  it('ignores the small differences timer lateness makes', () => {
    const time = new ManualTime(T0);
    const logger = captureLogger();
    const watch = new ClockWatch(time.clock, logger);
    time.jumpWall(400);
    expect(watch.check()).toBeNull();
    expect(logger.entries).toEqual([]);
  });
});

describe('delivery waits across wall-clock jumps', () => {
  it('a Retry-After pause lasts its length on the monotonic clock, whatever the wall clock does', async () => {
    const time = new ManualTime(T0);
    const limiter = new RateLimiter(undefined, time.clock, time.timers);
    limiter.pauseFor(5_000);
    time.jumpWall(-60_000);
    let released = false;
    const acquired = limiter.acquire().then(() => void (released = true));
    await time.advance(4_999);
    expect(released).toBe(false);
    await time.advance(1);
    await acquired;
    expect(released).toBe(true);
  });

  it('rate-limit slots stay one interval apart when the wall clock steps back between sends', async () => {
    const time = new ManualTime(T0);
    const limiter = new RateLimiter(1, time.clock, time.timers);
    const sentAt: number[] = [];
    const send = () => limiter.acquire().then(() => void sentAt.push(time.mono));
    const first = send();
    await time.advance(0);
    await first;
    time.jumpWall(-60_000);
    const second = send();
    time.jumpWall(+120_000); // and forward past where it was: the slot must not be skipped either
    await time.advance(2_000);
    await second;
    const third = send();
    await time.advance(2_000);
    await third;
    expect(sentAt.map((t) => t - 1_000)).toEqual([0, 1_000, 2_000]);
  });
});

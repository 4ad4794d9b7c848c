import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearLongTimeout, MAX_TIMER_MS, setLongTimeout } from '../../src/domain/long-timeout.js';
import { systemTimers } from '../../src/domain/ports.js';
import { realTimers } from '../../src/delivery/timers.js';

const DAY = 86_400_000;

describe('long timeouts', () => {
  beforeEach(() => {
    // The fake timers, like Node's, fire a delay above 2³¹−1 ms after 1 ms.
    vi.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a plain timer of 25 days fires at once (the bug this guards against)', async () => {
    let fired = 0;
    setTimeout(() => fired++, 25 * DAY);
    await vi.advanceTimersByTimeAsync(10);
    expect(fired).toBe(1);
  });

  it('fires a 25-day wait after 25 days, not before', async () => {
    const firedAt: number[] = [];
    const start = Date.now();
    setLongTimeout(() => firedAt.push(Date.now() - start), 25 * DAY);
    await vi.advanceTimersByTimeAsync(25 * DAY - 1);
    expect(firedAt).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(firedAt).toEqual([25 * DAY]);
  });

  it('chains several hops for a wait of 100 days', async () => {
    let fired = 0;
    setLongTimeout(() => fired++, 100 * DAY);
    await vi.advanceTimersByTimeAsync(3 * MAX_TIMER_MS);
    expect(fired).toBe(0);
    await vi.advanceTimersByTimeAsync(100 * DAY - 3 * MAX_TIMER_MS);
    expect(fired).toBe(1);
  });

  it('cancels a long wait in any hop, and a short one as a plain timer', async () => {
    let fired = 0;
    const long = setLongTimeout(() => fired++, 30 * DAY);
    const short = setLongTimeout(() => fired++, 1_000);
    clearLongTimeout(short);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 5);
    clearLongTimeout(long);
    await vi.advanceTimersByTimeAsync(60 * DAY);
    expect(fired).toBe(0);
  });

  it('backs the system Timers port and the delivery timers', async () => {
    const fired: string[] = [];
    systemTimers.setTimeout(() => fired.push('port'), 25 * DAY);
    realTimers.setTimer(() => fired.push('delivery'), 25 * DAY);
    void realTimers.sleep(25 * DAY).then(() => fired.push('sleep'));
    await vi.advanceTimersByTimeAsync(DAY);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(24 * DAY);
    expect(fired.sort()).toEqual(['delivery', 'port', 'sleep']);
  });
});

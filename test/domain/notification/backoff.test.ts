import { describe, expect, it } from 'vitest';
import { backoffDelay, queueRetryDelay } from '../../../src/domain/notification/backoff.js';

const policy = { initialMs: 100, maxMs: 1_000 };
const never = () => 0;
const almostOne = () => 0.999_999;

describe('backoffDelay', () => {
  it.each([
    { attempt: 1, ceiling: 100 },
    { attempt: 2, ceiling: 200 },
    { attempt: 3, ceiling: 400 },
    { attempt: 4, ceiling: 800 },
    { attempt: 5, ceiling: 1_000 },
    { attempt: 30, ceiling: 1_000 },
  ])('attempt $attempt draws from [0, $ceiling]', ({ attempt, ceiling }) => {
    expect(backoffDelay(policy, attempt, never)).toBe(0);
    expect(backoffDelay(policy, attempt, almostOne)).toBe(ceiling - 1);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(policy, attempt, Math.random);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling);
    }
  });

  it('never retries sooner than Retry-After asked, even past the cap', () => {
    expect(backoffDelay(policy, 1, almostOne, 2_500)).toBe(2_500);
    expect(backoffDelay(policy, 4, almostOne, 10)).toBe(799);
  });
});

describe('queueRetryDelay', () => {
  const settings = { queueRetryMs: 5_000, maxBackoffMs: 1_000, immediateAttempts: 3 };

  it.each([
    { attempts: 3, low: 2_500, high: 5_000 },
    { attempts: 4, low: 5_000, high: 10_000 },
    { attempts: 5, low: 5_000, high: 10_000 },
    { attempts: 12, low: 5_000, high: 10_000 },
  ])('after $attempts attempts waits between $low and $high ms', ({ attempts, low, high }) => {
    expect(queueRetryDelay(settings, attempts, never)).toBe(low);
    expect(queueRetryDelay(settings, attempts, almostOne)).toBe(high - 1);
  });

  it('grows to ten times the immediate cap when the queue interval is small', () => {
    const small = { queueRetryMs: 100, maxBackoffMs: 50, immediateAttempts: 1 };
    expect(queueRetryDelay(small, 1, almostOne)).toBe(99);
    expect(queueRetryDelay(small, 3, almostOne)).toBe(399);
    expect(queueRetryDelay(small, 20, almostOne)).toBe(499);
  });

  it('honours Retry-After', () => {
    expect(queueRetryDelay(settings, 3, never, 60_000)).toBe(60_000);
  });
});

import { describe, expect, it } from 'vitest';
import { presentHealth } from '../../src/runtime/health.js';

describe('presentHealth', () => {
  it('shows every instant (…At, …Since: epoch ms) as ISO 8601 UTC and leaves durations and counts alone', () => {
    const at = Date.UTC(2026, 11, 1, 10, 31, 7, 250);
    expect(
      presentHealth({
        status: 'ok',
        clock: { jumps: 1, lastJump: { detectedAt: at, byMs: -60_000 } },
        tasks: { 'rules:availability': { runs: 3, lastRunAt: at, lastDurationMs: 12 } },
        delivery: { attempts: 7, failedAttempts: 7, lastFailureAt: null, backlog: { outbox: 0 } },
        list: [{ startedAt: at }],
        store: { failingSince: '2026-12-01T10:00:00.000Z' },
        storeBuffer: { failingSince: at, retries: 2 },
      }),
    ).toEqual({
      status: 'ok',
      clock: { jumps: 1, lastJump: { detectedAt: '2026-12-01T10:31:07.250Z', byMs: -60_000 } },
      tasks: { 'rules:availability': { runs: 3, lastRunAt: '2026-12-01T10:31:07.250Z', lastDurationMs: 12 } },
      delivery: { attempts: 7, failedAttempts: 7, lastFailureAt: null, backlog: { outbox: 0 } },
      list: [{ startedAt: '2026-12-01T10:31:07.250Z' }],
      store: { failingSince: '2026-12-01T10:00:00.000Z' },
      storeBuffer: { failingSince: '2026-12-01T10:31:07.250Z', retries: 2 },
    });
  });
});

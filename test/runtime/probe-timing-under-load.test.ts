import { describe, expect, it } from 'vitest';
import { measureProbeTiming } from '../support/probe-timing.js';

/**
 * Issue 13, item 1: the runtime's own work (the API encoding 1,000 events for 32 clients, SQLite)
 * must not show up as the target's latency or as its failure. The real runtime probes a target that
 * answers in about a millisecond (in its own process) while real HTTP clients hammer its API.
 *
 * With probes on the runtime's event loop, this load records such a target at hundreds of
 * milliseconds and stores a large share of its results as `timeout`. The bounds below are far
 * looser than the goal (p95 under 50 ms), for a shared 2-core machine running other test files.
 */
describe('probe timing under API load', () => {
  it('records a 1 ms target as fast and healthy while 32 clients read the API', async () => {
    const probes = 30;
    const windowMs = 6_000;
    const report = await measureProbeTiming({ probes, intervalMs: 1_000, timeoutMs: 500, windowMs, apiClients: 32 });
    const summary = { ...report, durations: undefined, logs: report.logs.filter((entry) => entry.level !== 'debug') };

    // The load was real: the API kept serving large responses throughout the window.
    expect(report.api?.requests, JSON.stringify(summary)).toBeGreaterThan(50);
    expect(report.api?.errors).toBe(0);
    expect(report.runner?.isolation).toBe('worker');
    // Results kept flowing (30 probes at 1 s for 6 s is 180), and none blamed the target.
    expect(report.results, JSON.stringify(summary)).toBeGreaterThan(0.75 * probes * (windowMs / 1_000));
    expect(report.failures, JSON.stringify(summary)).toEqual({});
    // The recorded latency stays low. A machine this busy may also starve the probe thread itself;
    // the runner measures that and flags those results (`runnerStalledMs`), so the bound is on the
    // rest: what is stored as the target's own latency (before the worker, nothing was flagged).
    expect(report.p95Unflagged, JSON.stringify(summary)).toBeLessThan(100);
    expect(report.runnerLate, JSON.stringify(summary)).toBeLessThan(0.5 * report.results);
  }, 90_000);
});

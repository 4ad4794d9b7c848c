import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProbeDefinition } from '../../src/domain/config/model.js';
import type { ProbeOutcome } from '../../src/domain/probe-result.js';
import { runProbe, runProbeChecked, type ProbeAttempt, type RunnerLag } from '../../src/services/run-probe.js';

const clock = { now: () => Date.now() };

function definition(overrides: Partial<ProbeDefinition> = {}): ProbeDefinition {
  return {
    id: 'pfsw-login',
    site: 'site-a',
    kind: 'http',
    target: 'https://pfsw.example/login',
    intervalMs: 30_000,
    timeoutMs: 5_000,
    labels: { service: 'pfsw' },
    settings: {},
    runsOn: 'cloud',
    ...overrides,
  };
}

const ok: ProbeOutcome = { success: true, durationMs: 12, phases: { connectMs: 3 }, statusCode: 200 };

describe('runProbe', () => {
  beforeEach(() => void vi.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z') }));
  afterEach(() => void vi.useRealTimers());

  it('stamps the outcome with site, probe, kind, target, labels and start time', async () => {
    const result = await runProbe(definition(), async () => ok, clock);
    expect(result).toEqual({
      ...ok,
      site: 'site-a',
      probe: 'pfsw-login',
      kind: 'http',
      target: 'https://pfsw.example/login',
      labels: { service: 'pfsw' },
      time: Date.parse('2026-11-24T10:00:00Z'),
    });
  });

  it('cuts a prober that ignores its own timeout, so a hanging target never stalls the scheduler', async () => {
    let signal: AbortSignal | undefined;
    const hangs: ProbeAttempt = (_target, _settings, context) => {
      signal = context.signal;
      return new Promise(() => {});
    };
    const pending = runProbe(definition({ timeoutMs: 2_000 }), hangs, clock);
    await vi.advanceTimersByTimeAsync(3_000);
    const result = await pending;
    expect(result.success).toBe(false);
    expect(result.failure).toEqual({ reason: 'timeout', message: 'no answer within 2000 ms' });
    expect(signal?.aborted).toBe(true);
  });

  it('turns a prober that throws into a structured error result', async () => {
    const result = await runProbe(
      definition(),
      async () => {
        throw new Error('EMFILE: too many open files');
      },
      clock,
    );
    expect(result).toMatchObject({
      success: false,
      failure: { reason: 'error', message: 'EMFILE: too many open files' },
    });
  });

  it('never stores or labels a basic-auth password from the target, while the prober still gets it', async () => {
    let probed = '';
    const result = await runProbe(
      definition({ target: 'https://monitor:s3cr3t-pass@pfsw.example/login' }),
      async (target) => {
        probed = target;
        return ok;
      },
      clock,
    );
    expect(probed).toBe('https://monitor:s3cr3t-pass@pfsw.example/login');
    expect(result.target).toBe('https://monitor:REDACTED@pfsw.example/login');
    expect(JSON.stringify(result)).not.toContain('s3cr3t-pass');
  });
});

describe('runProbeChecked', () => {
  const timeout: ProbeOutcome = {
    success: false,
    failure: { reason: 'timeout', message: 'no complete response within 500 ms' },
    durationMs: 500,
    phases: {},
  };
  /** A runner whose loop stalls by the given amounts, one per attempt, as the stall monitor would report. */
  const stalls = (...perAttempt: number[]): RunnerLag => {
    let attempt = -1;
    return {
      mark: () => {
        attempt += 1;
        return 0;
      },
      stalledSince: () => perAttempt[attempt] ?? 0,
    };
  };
  const outcomes = (...sequence: ProbeOutcome[]) => {
    let call = 0;
    const attempt: ProbeAttempt = async () => sequence[Math.min(call++, sequence.length - 1)]!;
    return { attempt, calls: () => call };
  };

  it('stores an on-time result as it is, with no runner details', async () => {
    const { attempt } = outcomes(ok);
    const run = await runProbeChecked(definition(), attempt, clock, {
      lag: stalls(3),
      startLateMs: 5,
      budgetMs: 30_000,
    });

    expect(run).toMatchObject({ retried: false, startLateMs: 5, stalledMs: 3 });
    expect(run.result).toMatchObject({ success: true, durationMs: 12 });
    expect(run.result?.details).toBeUndefined();
  });

  it('runs a stalled attempt again and keeps the clean one', async () => {
    const { attempt, calls } = outcomes({ ...ok, durationMs: 240 }, ok);
    const run = await runProbeChecked(definition({ timeoutMs: 5_000 }), attempt, clock, {
      lag: stalls(230, 1),
      budgetMs: 30_000,
    });

    expect(calls()).toBe(2);
    expect(run.retried).toBe(true);
    expect(run.result).toMatchObject({ success: true, durationMs: 12 });
    expect(run.result?.details).toBeUndefined();
  });

  it('never stores a timeout as the target failing when the runner was stalled while it waited', async () => {
    const { attempt } = outcomes(timeout, timeout);
    const run = await runProbeChecked(definition({ timeoutMs: 500 }), attempt, clock, {
      lag: stalls(400, 350),
      budgetMs: 30_000,
    });

    expect(run.retried).toBe(true);
    expect(run.result).toBeUndefined();
    expect(run.discarded?.failure).toEqual(timeout.failure);
  });

  it('stores a timeout without a runner stall as the target failing', async () => {
    const { attempt, calls } = outcomes(timeout);
    const run = await runProbeChecked(definition({ timeoutMs: 500 }), attempt, clock, {
      lag: stalls(2),
      budgetMs: 30_000,
    });

    expect(calls()).toBe(1);
    expect(run.result?.failure?.reason).toBe('timeout');
  });

  it('does not retry when another attempt would run into the next slot; a stalled success says so in details', async () => {
    const { attempt, calls } = outcomes({ ...ok, durationMs: 90 });
    const run = await runProbeChecked(definition({ timeoutMs: 5_000 }), attempt, clock, {
      lag: stalls(80),
      startLateMs: 45.4,
      budgetMs: 5_020,
    });

    expect(calls()).toBe(1);
    expect(run.retried).toBe(false);
    expect(run.result?.details).toEqual({ runnerStartLateMs: 45, runnerStalledMs: 80 });
  });

  it('keeps a failure that a stall cannot cause (refused) and flags it', async () => {
    const refused: ProbeOutcome = {
      success: false,
      failure: { reason: 'refused', message: 'connect ECONNREFUSED 127.0.0.1:1' },
      durationMs: 41,
      phases: {},
    };
    const { attempt } = outcomes(refused);
    const run = await runProbeChecked(definition(), attempt, clock, { lag: stalls(40), budgetMs: 0 });

    expect(run.result?.failure?.reason).toBe('refused');
    expect(run.result?.details).toEqual({ runnerStalledMs: 40 });
  });
});

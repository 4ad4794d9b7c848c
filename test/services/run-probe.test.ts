import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProbeDefinition } from '../../src/domain/config/model.js';
import type { ProbeOutcome } from '../../src/domain/probe-result.js';
import { runProbe, type ProbeAttempt } from '../../src/services/run-probe.js';

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

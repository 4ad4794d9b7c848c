import { describe, expect, it } from 'vitest';
import { probeOffset, ProbeScheduler } from '../../../src/agent/probes/scheduler.js';
import type { ProbeDefinition } from '../../../src/domain/config/model.js';
import { PROBE_RUNNER_GRACE_MS, type ProbeOutcome, type ProbeResult } from '../../../src/domain/probe-result.js';
import type { ProbeAttempt } from '../../../src/services/run-probe.js';
import { ManualTime } from '../../support/manual-time.js';

function definition(id: string, intervalMs: number, timeoutMs = 1_000): ProbeDefinition {
  return {
    id,
    site: '',
    kind: 'tcp',
    target: `${id}.local:1`,
    intervalMs,
    timeoutMs,
    labels: { agent: 'ward-1' },
    settings: {},
    runsOn: 'agent:ward-1',
  };
}

const ok: ProbeOutcome = { success: true, durationMs: 1, phases: {} };

describe('ProbeScheduler (fake clock)', () => {
  it('runs each probe once per interval (sub-minute too), at a stable offset, without drift', async () => {
    const time = new ManualTime(1_700_000_000_000, 0);
    const runs: [string, number][] = [];
    const results: ProbeResult[] = [];
    const probes = [definition('pacs', 5_000), definition('lis', 60_000)];
    const scheduler = new ProbeScheduler(probes, {
      clock: time.clock,
      timers: time.timers,
      attemptFor: () => async (target) => {
        runs.push([target, time.mono]);
        return ok;
      },
      onResult: (result) => results.push(result),
    });
    scheduler.start();
    await time.advance(120_000);

    const at = (target: string) => runs.filter(([t]) => t === target).map(([, mono]) => mono);
    const pacs = probeOffset(probes[0]!);
    expect(at('pacs.local:1')).toEqual(Array.from({ length: 24 }, (_, k) => pacs + k * 5_000));
    expect(at('lis.local:1')).toEqual([0, 1].map((k) => probeOffset(probes[1]!) + k * 60_000));
    expect(results).toHaveLength(runs.length);
    // runProbe's result: the probe's id, labels and the wall time the attempt started.
    expect(results[0]).toMatchObject({ probe: expect.any(String), labels: { agent: 'ward-1' }, success: true });
    expect(results.every((result) => result.time === 1_700_000_000_000 + runs[results.indexOf(result)]![1])).toBe(true);
    await scheduler.stop();
  });

  it('a hanging target holds only its own probe: the others keep their intervals, and it reports a timeout', async () => {
    const time = new ManualTime(1_700_000_000_000, 0);
    const results: ProbeResult[] = [];
    const aborted: string[] = [];
    // The hanging prober ignores its own timeout: only runProbe's guard (timeout + grace) ends it.
    const hang: ProbeAttempt = (target, _settings, { signal }) => {
      signal?.addEventListener('abort', () => aborted.push(target));
      return new Promise<ProbeOutcome>(() => undefined);
    };
    const [stuck, fast] = [definition('stuck', 10_000, 3_000), definition('fast', 1_000, 500)];
    const scheduler = new ProbeScheduler([stuck, fast], {
      clock: time.clock,
      timers: time.timers,
      attemptFor: () => async (target, settings, context) =>
        target.startsWith('stuck') ? hang(target, settings, context) : ok,
      onResult: (result) => results.push(result),
    });
    scheduler.start();
    // Up to the third run's guard: three runs of the stuck probe, each cut at 3 s + grace.
    const horizon = probeOffset(stuck) + 20_000 + 3_000 + PROBE_RUNNER_GRACE_MS;
    await time.advance(horizon);

    const of = (probe: string) => results.filter((result) => result.probe === probe);
    expect(of('fast')).toHaveLength(Math.floor((horizon - probeOffset(fast)) / 1_000) + 1);
    expect(of('fast').every((result) => result.success)).toBe(true);
    expect(of('stuck')).toHaveLength(3);
    for (const result of of('stuck')) {
      expect(result.failure).toEqual({ reason: 'timeout', message: 'no answer within 3000 ms' });
      expect(result.durationMs).toBe(3_000 + PROBE_RUNNER_GRACE_MS);
    }
    expect(aborted).toEqual(['stuck.local:1', 'stuck.local:1', 'stuck.local:1']);
    expect(scheduler.failuresTotal).toBe(3);
    await scheduler.stop();
  });

  it('skips a turn while the previous run is still going, and stop() ends the schedule', async () => {
    const time = new ManualTime(0, 0);
    let release: (() => void) | undefined;
    let calls = 0;
    const probe = definition('slow', 2_000, 1_500);
    const scheduler = new ProbeScheduler([probe], {
      clock: time.clock,
      timers: time.timers,
      // The first run holds until released; runProbe's guard is past the test's horizon.
      attemptFor: () => () => {
        calls += 1;
        return calls === 1
          ? new Promise<ProbeOutcome>((resolve) => (release = () => resolve(ok)))
          : Promise.resolve(ok);
      },
      onResult: () => undefined,
    });
    scheduler.start();
    await time.advance(probeOffset(probe) + 2_400);
    expect(calls).toBe(1);
    release!();
    await time.advance(2_000);
    expect(calls).toBe(2);
    const stopping = scheduler.stop();
    await time.advance(60_000);
    await stopping;
    expect(calls).toBe(2);
  });
});

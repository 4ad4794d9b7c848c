import { describe, expect, it } from 'vitest';
import { WingSimulator } from '../../../src/domain/assets/simulator.js';
import { syntheticWing } from '../../../src/domain/assets/synthetic-wing.js';
import type { TagEvent } from '../../../src/domain/assets/tag-event.js';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const EVERY = 5_000;

/** Ticks the simulated wing on a fake clock, every EVERY ms for `minutes`. */
function run(minutes: number, seed = 1, patientsPerHour = 120): TagEvent[] {
  const simulator = new WingSimulator(syntheticWing('site-a', 20), {
    site: 'site-a',
    seed,
    everyMs: EVERY,
    patientsPerHour,
    missingAfterMs: 60_000,
    startAt: T0,
  });
  const events: TagEvent[] = [];
  for (let t = T0; t < T0 + minutes * 60_000; t += EVERY) events.push(...simulator.tick(t));
  return events;
}

const of = (events: TagEvent[], tag: string) => events.filter((e) => e.tag === tag);

describe('WingSimulator over the synthetic wing (fake clock)', () => {
  it('is the same traffic for the same seed, and other traffic for another', () => {
    expect(run(5, 9)).toEqual(run(5, 9));
    expect(run(5, 9)).not.toEqual(run(5, 10));
  });

  it('carries one asset out through the exit, after which it falls silent: missing', () => {
    const events = of(run(10), 'T-000020');
    const last = events.at(-1)!;
    expect(last.zone).toBe('exit-main');
    expect(last.t).toBeLessThan(T0 + 60_000);
    expect(last.t).toBeGreaterThanOrEqual(T0 + 55_000);
    // Every other asset keeps reporting to the end.
    expect(of(run(10), 'T-000019').at(-1)!.t).toBe(T0 + 10 * 60_000 - EVERY);
  });

  it('drains batteries: one tag from nearly flat to under the low-battery threshold', () => {
    const batteries = of(run(10), 'T-000001').map((e) => e.battery!);
    expect(batteries[0]).toBeGreaterThanOrEqual(15);
    expect(batteries.at(-1)).toBeLessThan(15);
    for (let i = 1; i < batteries.length; i++) expect(batteries[i]).toBeLessThanOrEqual(batteries[i - 1]!);
  });

  it('moves assets between zones of the wing', () => {
    const zones = new Set(
      run(30)
        .filter((e) => e.tag.startsWith('T-'))
        .map((e) => e.zone),
    );
    const kinds = new Set([...zones].map((zone) => syntheticWing('site-a', 20).zones.find((z) => z.id === zone)?.kind));
    expect(kinds).toEqual(new Set(['storage', 'clinical', 'dirty', 'clean', 'exit']));
  });

  it('passes patients through the stages in order, each after a wait, and out through the exit', () => {
    const events = run(120);
    const patients = [...new Set(events.filter((e) => e.tag.startsWith('P-')).map((e) => e.tag))];
    expect(patients.length).toBeGreaterThan(50);
    let finished = 0;
    for (const patient of patients) {
      const visits: string[] = [];
      for (const { zone } of of(events, patient)) if (visits.at(-1) !== zone) visits.push(zone!);
      expect(visits[0]).toBe('ed-waiting');
      const stages = visits.filter((zone) => zone !== 'ed-waiting' && zone !== 'exit-main');
      // The stages are a subsequence of triage → imaging → treatment, never repeated.
      const order = ['ed-triage', 'ed-imaging', 'ed-treatment'];
      expect(stages.map((zone) => order.indexOf(zone))).toEqual(
        [...stages.map((zone) => order.indexOf(zone))].sort((a, b) => a - b),
      );
      expect(new Set(stages).size).toBe(stages.length);
      // Before each stage the patient waits.
      for (let i = 1; i < visits.length; i++) if (order.includes(visits[i]!)) expect(visits[i - 1]).toBe('ed-waiting');
      if (visits.at(-1) === 'exit-main') finished += 1;
    }
    expect(finished).toBeGreaterThan(patients.length / 2);
  });
});

import { parseMatcher, type Labels } from '../../../src/domain/labels.js';
import type { SeriesPoint, SeriesWindow } from '../../../src/domain/records.js';
import {
  evaluate,
  type AlertInstanceState,
  type EvaluationInput,
  type EvaluationOutput,
  type RuleDefinition,
} from '../../../src/domain/rules/index.js';

export const T0 = Date.parse('2026-11-24T10:00:00Z');
export const SECOND = 1_000;
export const MINUTE = 60_000;

export function rule(overrides: Partial<RuleDefinition> & { match?: string[] } = {}): RuleDefinition {
  const { match, ...rest } = overrides;
  return {
    id: 'api-login-down',
    name: 'PFSW login down',
    group: 'default',
    severity: 'critical',
    table: 'probes',
    measure: 'success',
    matchers: (match ?? ['probe="pfsw-login"']).map(parseMatcher),
    windowMs: MINUTE,
    reducer: 'last',
    threshold: { op: '<', value: 1 },
    forMs: 0,
    keepFiringForMs: 0,
    noData: 'nodata',
    onError: 'error',
    repeatIntervalMs: 0,
    sendResolved: true,
    labels: {},
    annotations: {},
    links: [],
    ...rest,
  };
}

export const LOGIN_A: Labels = { site: 'site-a', probe: 'pfsw-login', target: 'https://a.example/login' };
export const LOGIN_B: Labels = { site: 'site-a', probe: 'pfsw-login', target: 'https://b.example/login' };

/** A probes/success window whose single recent point (at `now`) has this value. */
export function seriesAt(labels: Labels, now: number, value: number, measure = 'success'): SeriesWindow {
  return { table: 'probes', measure, labels, points: [{ t: now, v: value }] };
}

export function series(labels: Labels, points: SeriesPoint[], measure = 'success'): SeriesWindow {
  return { table: 'probes', measure, labels, points };
}

/**
 * Drives evaluate() over several cycles the way the runtime does: applies writes (checking the
 * compare-and-set versions against what it holds) and deletes to an in-memory state map.
 */
export class Cycles {
  readonly states = new Map<string, AlertInstanceState>();

  constructor(private readonly defaults: Omit<EvaluationInput, 'windows' | 'states' | 'now'>) {}

  run(now: number, windows: SeriesWindow[], extra: Partial<EvaluationInput> = {}): EvaluationOutput {
    const output = evaluate({ ...this.defaults, windows, states: this.states, now, ...extra });
    for (const write of output.writes) {
      const held = this.states.get(write.next.key);
      if ((held?.version ?? 0) !== write.expectedVersion) throw new Error(`CAS conflict on ${write.next.key}`);
      this.states.set(write.next.key, write.next);
    }
    for (const key of output.deletes) this.states.delete(key);
    return output;
  }
}

/** `state` of each notification, with `+repeat` for reminders: compact for assertions. */
export function sent(output: EvaluationOutput): string[] {
  return output.notifications.map((event) => event.state + (event.repeat ? '+repeat' : ''));
}

export function recorded(output: EvaluationOutput): string[] {
  return output.history.map((event) => event.state);
}

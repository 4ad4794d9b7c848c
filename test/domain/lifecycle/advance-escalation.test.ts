import { describe, expect, it } from 'vitest';
import type { RouteDefinition } from '../../../src/domain/config/model.js';
import { fingerprint, parseMatcher } from '../../../src/domain/labels.js';
import type { ActiveAck } from '../../../src/domain/lifecycle/ack.js';
import { escalationOf } from '../../../src/domain/routing/route.js';
import { advanceEscalation } from '../../../src/domain/rules/evaluate.js';
import { Cycles, LOGIN_A, MINUTE, rule, seriesAt, T0 } from '../rules/fixtures.js';

const KEY = `api-login-down/${fingerprint(LOGIN_A)}`;
const routes: RouteDefinition[] = [
  {
    matchers: [parseMatcher('severity="critical"')],
    channels: ['ward-email'],
    continue: false,
    groupWaitMs: 0,
    escalate: [
      { afterMs: 10 * MINUTE, channels: ['oncall-slack'] },
      { afterMs: 25 * MINUTE, channels: ['it-manager-sms', 'oncall-slack'] },
    ],
  },
];
const escalationFor = (event: Parameters<typeof escalationOf>[0]) => escalationOf(event, routes);
const down = (m: number) => [seriesAt(LOGIN_A, T0 + m * MINUTE, 0)];

/**
 * The rule cycle runs every 15 minutes; the escalation function every minute in between, on the
 * stored state alone. Returns who was told at which minute, by whom.
 */
function run(
  minutes: number,
  options: { acks?: (m: number) => Map<string, ActiveAck>; silenced?: (m: number) => boolean } = {},
) {
  const cycles = new Cycles({ rules: [rule()], escalationFor });
  const told: string[] = [];
  for (let m = 0; m <= minutes; m++) {
    const now = T0 + m * MINUTE;
    const acks = options.acks?.(m) ?? new Map<string, ActiveAck>();
    const silences = options.silenced?.(m)
      ? [{ id: 's', matchers: [parseMatcher('site="site-a"')], startsAt: T0, endsAt: now + MINUTE }]
      : [];
    if (m % 15 === 0) {
      const output = cycles.run(now, down(m), { acks, silences });
      for (const event of output.notifications)
        told.push(`${m}:rule:${event.escalation ? `tier${event.escalation.tier}` : event.state}`);
      continue;
    }
    const state = cycles.states.get(KEY);
    if (state === undefined) continue;
    const due = advanceEscalation(rule(), state, { now, acks, silences, escalationFor });
    for (const event of due.notifications) told.push(`${m}:escalator:tier${event.escalation?.tier}`);
    if (due.write) {
      expect(due.write.expectedVersion).toBe(state.version);
      cycles.states.set(KEY, due.write.next);
    }
  }
  return { told, cycles };
}

describe('advanceEscalation: due tiers between rule cycles (fake clock)', () => {
  it('tells each tier at its minute, not at the next rule cycle, and the rule cycle does not tell it again', () => {
    const { told, cycles } = run(46);
    expect(told).toEqual(['0:rule:firing', '10:escalator:tier1', '25:escalator:tier2']);
    expect(cycles.states.get(KEY)?.escalation).toEqual({
      route: 0,
      since: T0,
      tiers: 2,
      told: ['oncall-slack', 'it-manager-sms'],
    });
  });

  it('a tier message is the firing alert, marked with its tier and channels, with an id of its own', () => {
    const cycles = new Cycles({ rules: [rule()], escalationFor });
    cycles.run(T0, down(0));
    const state = cycles.states.get(KEY)!;
    const due = advanceEscalation(rule(), state, { now: T0 + 26 * MINUTE, escalationFor });
    expect(
      due.notifications.map((e) => [e.state, e.escalation, e.id.endsWith(`/escalate-${e.escalation?.tier}`)]),
    ).toEqual([
      ['firing', { tier: 1, channels: ['oncall-slack'] }, true],
      ['firing', { tier: 2, channels: ['it-manager-sms', 'oncall-slack'] }, true],
    ]);
    expect(due.notifications[0]).toMatchObject({
      site: 'site-a',
      rule: { id: 'api-login-down' },
      startsAt: new Date(T0).toISOString(),
    });
  });

  it('nothing while acknowledged; an ack of an earlier firing holds nothing', () => {
    const ack = (extra: Partial<ActiveAck> = {}) =>
      new Map([[KEY, { alertKey: KEY, incarnation: T0, by: 'ana', reason: 'on it', at: T0 + 5 * MINUTE, ...extra }]]);
    expect(run(46, { acks: (m) => (m >= 5 ? ack() : new Map()) }).told).toEqual(['0:rule:firing']);
    expect(run(12, { acks: () => ack({ incarnation: T0 - 60 * MINUTE }) }).told).toEqual([
      '0:rule:firing',
      '10:escalator:tier1',
    ]);
  });

  it('held while silenced, told once the silence ends', () => {
    expect(run(20, { silenced: (m) => m >= 8 && m < 13 }).told).toEqual(['0:rule:firing', '13:escalator:tier1']);
  });

  it('nothing for an alert without escalation, not firing, or not yet told', () => {
    const cycles = new Cycles({ rules: [rule()] });
    cycles.run(T0, down(0));
    const state = cycles.states.get(KEY)!;
    expect(state.escalation).toBeUndefined();
    expect(advanceEscalation(rule(), state, { now: T0 + 30 * MINUTE, escalationFor })).toEqual({ notifications: [] });
    const escalation = { route: 0, since: T0, tiers: 0, told: [] };
    expect(
      advanceEscalation(rule(), { ...state, state: 'pending', escalation }, { now: T0 + 30 * MINUTE, escalationFor }),
    ).toEqual({ notifications: [] });
    expect(
      advanceEscalation(
        rule(),
        { ...state, notifiedState: 'ok', escalation },
        { now: T0 + 30 * MINUTE, escalationFor },
      ),
    ).toEqual({ notifications: [] });
  });
});

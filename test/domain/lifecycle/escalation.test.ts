import { describe, expect, it } from 'vitest';
import { parseMatcher, fingerprint } from '../../../src/domain/labels.js';
import type { ActiveAck } from '../../../src/domain/lifecycle/ack.js';
import { escalationOf } from '../../../src/domain/routing/route.js';
import type { RouteDefinition } from '../../../src/domain/config/model.js';
import { Cycles, LOGIN_A, MINUTE, rule, sent, seriesAt, T0 } from '../rules/fixtures.js';

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
const down = (m: number) => [seriesAt(LOGIN_A, T0 + m * MINUTE, 0)];
const up = (m: number) => [seriesAt(LOGIN_A, T0 + m * MINUTE, 1)];
const ackAt = (m: number, extra: Partial<ActiveAck> = {}): Map<string, ActiveAck> =>
  new Map([[KEY, { alertKey: KEY, incarnation: T0, by: 'ana', reason: 'on it', at: T0 + m * MINUTE, ...extra }]]);

/** The minutes at which each tier was told, over a run of one-minute cycles. */
function run(minutes: number, acks: (m: number) => Map<string, ActiveAck> = () => new Map(), repeat = 0) {
  const cycles = new Cycles({
    rules: [rule({ repeatIntervalMs: repeat })],
    escalationFor: (e) => escalationOf(e, routes),
  });
  const told: string[] = [];
  for (let m = 0; m <= minutes; m++) {
    const output = cycles.run(T0 + m * MINUTE, down(m), { acks: acks(m) });
    for (const event of output.notifications) {
      told.push(
        `${m}:${event.escalation ? `tier${event.escalation.tier}` : sent({ ...output, notifications: [event] })[0]}`,
      );
    }
  }
  return { told, cycles };
}

describe('escalation (fake clock, one-minute cycles)', () => {
  it('tells tier 1 at minute 10 and tier 2 at minute 25, each to its own channels only', () => {
    const { told, cycles } = run(40);
    expect(told).toEqual(['0:firing', '10:tier1', '25:tier2']);
    expect(cycles.states.get(KEY)?.escalation).toEqual({
      route: 0,
      since: T0,
      tiers: 2,
      told: ['oncall-slack', 'it-manager-sms'],
    });
  });

  it('stops the chain when acknowledged: tier 1 told, tier 2 never', () => {
    const { told } = run(40, (m) => (m >= 12 ? ackAt(12) : new Map()));
    expect(told).toEqual(['0:firing', '10:tier1']);
  });

  it('an acknowledgement that expires lets the chain go on', () => {
    const { told } = run(40, (m) => (m >= 5 ? ackAt(5, { expiresAt: T0 + 30 * MINUTE }) : new Map()));
    expect(told).toEqual(['0:firing', '30:tier1', '30:tier2']);
  });

  it('an acknowledgement of an earlier firing does not hold this one', () => {
    const { told } = run(12, () => ackAt(0, { incarnation: T0 - 60 * MINUTE }));
    expect(told).toEqual(['0:firing', '10:tier1']);
  });

  it('acknowledged: no reminders; they resume when the acknowledgement is taken back', () => {
    const { told } = run(9, (m) => (m >= 1 && m < 6 ? ackAt(1) : new Map()), 2 * MINUTE);
    expect(told).toEqual(['0:firing', '6:firing+repeat', '8:firing+repeat']);
  });

  it('the resolution is told to everyone who was told, and the escalation ends with the alert', () => {
    const { cycles } = run(26);
    const output = cycles.run(T0 + 27 * MINUTE, up(27));
    expect(sent(output)).toEqual(['resolved']);
    expect(output.notifications[0]!.alsoNotify).toEqual(['oncall-slack', 'it-manager-sms']);
    expect(cycles.states.size).toBe(0);
    // A new firing starts a new chain from its own first notification.
    const again = cycles.run(T0 + 28 * MINUTE, down(28));
    expect(sent(again)).toEqual(['firing']);
    expect(again.writes[0]!.next.escalation).toMatchObject({ since: T0 + 28 * MINUTE, tiers: 0, told: [] });
  });

  it('the state carries the escalation, so a restart (fresh evaluator, stored state) goes on where it was', () => {
    const { cycles } = run(11);
    const stored = new Map(cycles.states);
    const restarted = new Cycles({ rules: [rule()], escalationFor: (e) => escalationOf(e, routes) });
    for (const [key, state] of stored) restarted.states.set(key, state);
    const tiers: number[] = [];
    for (let m = 12; m <= 26; m++) {
      for (const event of restarted.run(T0 + m * MINUTE, down(m)).notifications)
        tiers.push(event.escalation?.tier ?? 0);
    }
    expect(tiers).toEqual([2]);
  });
});

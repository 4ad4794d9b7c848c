import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import { childRulesByParent, statesAfter, withHeldBack } from '../../../src/domain/lifecycle/depends-on.js';
import { Cycles, LOGIN_A, MINUTE, rule, sent, seriesAt, T0 } from '../rules/fixtures.js';

/** A child rule (the login probe) held back while its parent (the site's WAN link) fires. */
const child = rule({ dependsOn: ['wan-down'] });
const down = (m: number) => [seriesAt(LOGIN_A, T0 + m * MINUTE, 0)];
const up = (m: number) => [seriesAt(LOGIN_A, T0 + m * MINUTE, 1)];
const WAN_SITE_A = new Set(['wan-down|site-a']);

describe('depends_on (fake clock)', () => {
  it('holds a child back while its parent fires at the site, and releases it when the parent resolves', () => {
    const cycles = new Cycles({ rules: [child] });
    const held = cycles.run(T0, down(0), { parentsFiring: WAN_SITE_A });
    expect(sent(held)).toEqual([]);
    expect(held.history.map((e) => e.state)).toEqual(['firing']); // still recorded
    expect(sent(cycles.run(T0 + MINUTE, down(1), { parentsFiring: WAN_SITE_A }))).toEqual([]);
    // The parent resolved; the child still fires: it pages now.
    const released = cycles.run(T0 + 2 * MINUTE, down(2), { parentsFiring: new Set() });
    expect(sent(released)).toEqual(['firing']);
    expect(released.notifications[0]).toMatchObject({ startsAt: new Date(T0).toISOString() });
  });

  it('sends nothing for a child that fired and resolved while its parent fired', () => {
    const cycles = new Cycles({ rules: [child] });
    const outputs = [
      cycles.run(T0, down(0), { parentsFiring: WAN_SITE_A }),
      cycles.run(T0 + MINUTE, up(1), { parentsFiring: WAN_SITE_A }),
      cycles.run(T0 + 2 * MINUTE, up(2), { parentsFiring: new Set() }),
    ];
    expect(outputs.flatMap(sent)).toEqual([]);
    expect(cycles.states.size).toBe(0);
  });

  it('only a parent firing at the same site holds the child; a child already paged still gets its resolved', () => {
    const elsewhere = new Cycles({ rules: [child] });
    expect(sent(elsewhere.run(T0, down(0), { parentsFiring: new Set(['wan-down|site-b']) }))).toEqual(['firing']);
    const paged = new Cycles({ rules: [child] });
    expect(sent(paged.run(T0, down(0)))).toEqual(['firing']);
    expect(sent(paged.run(T0 + MINUTE, up(1), { parentsFiring: WAN_SITE_A }))).toEqual(['resolved']);
  });

  it('a rule without depends_on is never held', () => {
    const cycles = new Cycles({ rules: [rule()] });
    expect(sent(cycles.run(T0, down(0), { parentsFiring: WAN_SITE_A }))).toEqual(['firing']);
  });
});

describe('held-back children in the parent’s message (fake clock, one-minute cycles)', () => {
  const wan = rule({ id: 'wan-down', name: 'WAN link down', match: ['probe="wan"'], repeatIntervalMs: 5 * MINUTE });
  const pacs = rule({ id: 'pacs-down', name: 'PACS down', match: ['probe="pacs"'], dependsOn: ['wan-down'] });
  const WAN_A = { site: 'site-a', probe: 'wan' };
  const PACS_A = { site: 'site-a', probe: 'pacs' };
  // The parent is listed last: evaluation still takes it first, so its children are held in the same cycle.
  const rules = [child, pacs, wan];
  const childRules = childRulesByParent(rules);

  /** One cycle as the runtime runs it: parents firing from the stored states, then the parent's message lists. */
  function cycle(cycles: Cycles, m: number, values: { wan: number; login: number; pacs: number }) {
    const parentsFiring = new Set(
      [...cycles.states.values()]
        .filter((s) => s.state === 'firing' && s.ruleId === 'wan-down')
        .map((s) => `wan-down|${s.site}`),
    );
    const output = cycles.run(
      T0 + m * MINUTE,
      [
        seriesAt(WAN_A, T0 + m * MINUTE, values.wan),
        seriesAt(LOGIN_A, T0 + m * MINUTE, values.login),
        seriesAt(PACS_A, T0 + m * MINUTE, values.pacs),
      ],
      { parentsFiring },
    );
    return withHeldBack(output.notifications, childRules, () => [...cycles.states.values()]);
  }
  const told = (events: AlertEvent[]) =>
    events.map(
      (e) => `${e.rule.id}:${e.state}${e.repeat ? '+repeat' : ''}${e.heldBack ? `[${e.heldBack.count}]` : ''}`,
    );

  it('lists the children held back, in the first message, the reminders and the resolved that releases them', () => {
    const cycles = new Cycles({ rules });
    // WAN and login fail together: only the WAN pages, and its message lists login.
    const first = cycle(cycles, 0, { wan: 0, login: 0, pacs: 1 });
    expect(told(first)).toEqual(['wan-down:firing[1]']);
    expect(first[0]!.heldBack).toEqual({
      count: 1,
      alerts: [
        {
          rule: { id: 'api-login-down', name: 'PFSW login down', severity: 'critical' },
          state: 'firing',
          labels: { probe: 'pfsw-login', target: 'https://a.example/login' },
          startsAt: new Date(T0).toISOString(),
        },
      ],
    });
    expect(told(cycle(cycles, 1, { wan: 0, login: 0, pacs: 0 }))).toEqual([]); // PACS held too
    for (let m = 2; m < 5; m++) expect(cycle(cycles, m, { wan: 0, login: 0, pacs: 0 })).toEqual([]);
    const reminder = cycle(cycles, 5, { wan: 0, login: 0, pacs: 0 });
    expect(told(reminder)).toEqual(['wan-down:firing+repeat[2]']);
    expect(reminder[0]!.heldBack!.alerts.map((a) => `${a.rule.id}@${a.startsAt}`)).toEqual([
      `api-login-down@${new Date(T0).toISOString()}`,
      `pacs-down@${new Date(T0 + MINUTE).toISOString()}`,
    ]);
    // The WAN is back; PACS recovered with it, login did not: the resolved lists login as released.
    const resolved = cycle(cycles, 6, { wan: 1, login: 0, pacs: 1 });
    expect(told(resolved)).toEqual(['wan-down:resolved[1]']);
    expect(resolved[0]!.heldBack!.alerts.map((a) => a.rule.id)).toEqual(['api-login-down']);
    // Released: login pages on its own at its next evaluation, with its original start.
    const released = cycle(cycles, 7, { wan: 1, login: 0, pacs: 1 });
    expect(told(released)).toEqual(['api-login-down:firing']);
    expect(released[0]).toMatchObject({ startsAt: new Date(T0).toISOString() });
  });

  it('lists nothing for children at another site, or already paged before the parent fired', () => {
    const cycles = new Cycles({ rules });
    expect(told(cycle(cycles, 0, { wan: 1, login: 0, pacs: 1 }))).toEqual(['api-login-down:firing']);
    const other = seriesAt({ site: 'site-b', probe: 'pacs' }, T0 + MINUTE, 0);
    const output = cycles.run(T0 + MINUTE, [seriesAt(WAN_A, T0 + MINUTE, 0), seriesAt(LOGIN_A, T0 + MINUTE, 0), other]);
    const events = withHeldBack(output.notifications, childRules, () => [...cycles.states.values()]);
    // PACS at site-b pages (its WAN is fine); the site-a WAN's message holds no one back.
    expect(told(events).sort()).toEqual(['pacs-down:firing', 'wan-down:firing']);
  });

  it('statesAfter overlays one evaluation’s writes and deletes on the stored states', () => {
    const cycles = new Cycles({ rules });
    cycle(cycles, 0, { wan: 0, login: 0, pacs: 1 });
    const stored = [...cycles.states.values()];
    const next = cycles.run(T0 + MINUTE, [seriesAt(WAN_A, T0 + MINUTE, 1), seriesAt(LOGIN_A, T0 + MINUTE, 1)]);
    const after = statesAfter(stored, next.writes, next.deletes);
    expect(after.map((s) => `${s.ruleId}:${s.state}`).sort()).toEqual(
      [...cycles.states.values()].map((s) => `${s.ruleId}:${s.state}`).sort(),
    );
  });
});

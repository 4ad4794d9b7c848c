import { describe, expect, it } from 'vitest';
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

import type { AlertEvent, HeldBack, HeldBackAlert } from '../alerts/event.js';
import type { CasWrite } from '../ports.js';
import type { AlertInstanceState, RuleDefinition } from '../rules/types.js';

/** Children listed by name in a parent's message; the rest are counted, so a big outage stays readable. */
export const HELD_BACK_LISTED = 20;

/** Parent rule id → the rules whose `depends_on` names it. */
export function childRulesByParent(rules: Iterable<RuleDefinition>): Map<string, RuleDefinition[]> {
  const children = new Map<string, RuleDefinition[]>();
  for (const rule of rules) {
    for (const parent of rule.dependsOn ?? []) {
      const list = children.get(parent);
      if (list) list.push(rule);
      else children.set(parent, [rule]);
    }
  }
  return children;
}

/**
 * The alerts of these child rules at `site` that are alerting and whose current problem nobody
 * was told: what a firing parent holds back, and what its resolution releases. Oldest first;
 * undefined when there are none.
 */
export function heldBackAt(
  states: Iterable<AlertInstanceState>,
  children: readonly RuleDefinition[],
  site: string,
): HeldBack | undefined {
  const byId = new Map(children.map((rule) => [rule.id, rule]));
  const held: { since: number; alert: HeldBackAlert }[] = [];
  for (const state of states) {
    const rule = byId.get(state.ruleId);
    if (rule === undefined || state.site !== site) continue;
    if (state.state !== 'firing' && state.state !== 'nodata' && state.state !== 'error') continue;
    if (state.notifiedState === state.state) continue;
    const since = state.state === 'firing' ? (state.firingSince ?? state.since) : state.since;
    const labels: Record<string, string> = {};
    for (const name in state.labels) if (name !== 'site') labels[name] = state.labels[name]!;
    held.push({
      since,
      alert: {
        rule: { id: rule.id, name: rule.name, severity: rule.severity },
        state: state.state,
        labels,
        startsAt: new Date(since).toISOString(),
      },
    });
  }
  if (held.length === 0) return undefined;
  held.sort((a, b) => a.since - b.since || (a.alert.rule.id < b.alert.rule.id ? -1 : 1));
  return { count: held.length, alerts: held.slice(0, HELD_BACK_LISTED).map((entry) => entry.alert) };
}

/**
 * Lists in each parent's message the children it holds back at its site: on its firing,
 * reminders and escalation messages, and on its resolved (`previousState` firing) those still
 * alerting, which it releases. `states` are the states after this cycle (see statesAfter), so a
 * child held back in the same cycle its parent began firing is listed in that first message.
 */
export function withHeldBack(
  events: readonly AlertEvent[],
  childRules: ReadonlyMap<string, readonly RuleDefinition[]>,
  states: () => readonly AlertInstanceState[],
): AlertEvent[] {
  let after: readonly AlertInstanceState[] | undefined;
  return events.map((event) => {
    const children = childRules.get(event.rule.id);
    if (children === undefined || event.acknowledgement !== undefined) return event;
    if (event.state !== 'firing' && !(event.state === 'resolved' && event.previousState === 'firing')) return event;
    after ??= states();
    const heldBack = heldBackAt(after, children, event.site);
    return heldBack === undefined ? event : { ...event, heldBack };
  });
}

/** The stored states with one evaluation's writes and deletes applied. */
export function statesAfter(
  stored: readonly AlertInstanceState[],
  writes: readonly CasWrite[],
  deletes: readonly string[],
): AlertInstanceState[] {
  const byKey = new Map(stored.map((state) => [state.key, state]));
  for (const { next } of writes) byKey.set(next.key, next);
  for (const key of deletes) byKey.delete(key);
  return [...byKey.values()];
}

import { agentHoldBacks, type AgentProbe } from '../domain/agent/hold-back.js';
import type { AlertEvent } from '../domain/alerts/event.js';
import type { ActiveAck } from '../domain/lifecycle/ack.js';
import { statesAfter, withHeldBack } from '../domain/lifecycle/depends-on.js';
import type { EscalationPlan } from '../domain/routing/route.js';
import type { MaintenanceWindow, Silence } from '../domain/silences.js';
import type { AlertStateStore, Clock, EventBus, Logger, MetricStore } from '../domain/ports.js';
import type { SeriesTable, SeriesWindow } from '../domain/records.js';
import type { DashboardLinkBase } from '../domain/rules/dashboard-links.js';
import { evaluate } from '../domain/rules/evaluate.js';
import { attachAnnouncements, instanceKeyOf } from './announcements.js';
import type { AlertInstanceState, RuleDefinition, RuleGroupDefinition } from '../domain/rules/types.js';

export interface RuleGroupDeps {
  readonly metrics: Pick<MetricStore, 'fetchWindows' | 'writeAlertEvents'>;
  readonly states: AlertStateStore;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly silences: () => readonly Silence[];
  readonly maintenanceWindows: () => readonly MaintenanceWindow[];
  /** Current acknowledgements: no reminders and no escalation while one holds. */
  readonly acks?: () => ReadonlyMap<string, ActiveAck>;
  /** `rule|site` of parent alerts firing now (see EvaluationInput.parentsFiring). */
  readonly parentsFiring?: () => ReadonlySet<string>;
  /**
   * Parent rule id → its child rules, and every stored alert state (all groups): a parent's
   * messages list the children it holds back (see withHeldBack).
   */
  readonly heldBack?: {
    readonly childRules: ReadonlyMap<string, readonly RuleDefinition[]>;
    readonly states: () => readonly AlertInstanceState[];
  };
  /** Which escalation a firing event falls under (the routes' `escalate`). */
  readonly escalationFor?: (event: AlertEvent) => EscalationPlan | undefined;
  /** Where alerts link when their rule sets no `dashboard` annotation (Grafana or the local console). */
  readonly dashboardLinks?: () => DashboardLinkBase | undefined;
  /** Epoch ms since when this process's probes have run (see EvaluationInput.watchingSince). */
  readonly watchingSince?: () => number | undefined;
  /**
   * The agent hold-back (see agentHoldBacks): when the config has the agent-silent rule, its
   * firing instances hold back the other agent-sourced alerts of their site in this cycle.
   */
  readonly agentHoldBack?: { readonly ruleIds: readonly string[]; readonly agentProbes: readonly AgentProbe[] };
}

export interface RuleGroupReport {
  readonly queries: number;
  /** Queries that failed (their rules applied `on_error`); the rule function reports them as a metric. */
  readonly failedQueries: number;
  readonly series: number;
  readonly notifications: number;
  readonly conflicts: number;
}

/**
 * One evaluation cycle of a rule group: fetch every window the group needs (one query per table,
 * however many rules), evaluate (pure), compare-and-set the states, record the history and publish
 * the events. The same cycle runs in the rule Lambda and in the local runtime.
 */
export async function runRuleGroup(group: RuleGroupDefinition, deps: RuleGroupDeps): Promise<RuleGroupReport> {
  const now = deps.clock.now();
  const byTable = new Map<SeriesTable, { measures: Set<string>; longestWindowMs: number; ruleIds: string[] }>();
  for (const rule of group.rules) {
    const entry = byTable.get(rule.table) ?? { measures: new Set(), longestWindowMs: 0, ruleIds: [] };
    entry.measures.add(rule.measure);
    entry.longestWindowMs = Math.max(entry.longestWindowMs, rule.windowMs);
    entry.ruleIds.push(rule.id);
    byTable.set(rule.table, entry);
  }

  const windows: SeriesWindow[] = [];
  const fetchErrors = new Map<string, string>();
  let failedQueries = 0;
  for (const [table, need] of byTable) {
    try {
      windows.push(
        ...(await deps.metrics.fetchWindows({
          table,
          measures: [...need.measures],
          since: now - need.longestWindowMs,
          until: now,
        })),
      );
    } catch (error) {
      // The rules still run: each applies its on_error policy instead of the cycle crashing.
      const message = `fetching ${table} windows failed: ${error instanceof Error ? error.message : String(error)}`;
      deps.logger.error('rule group fetch failed', { group: group.name, table, error: message });
      failedQueries++;
      for (const ruleId of need.ruleIds) fetchErrors.set(ruleId, message);
    }
  }

  const states = await deps.states.loadStates(group.rules.map((rule) => rule.id));
  const holdBack = deps.agentHoldBack;
  const heldBack = holdBack
    ? agentHoldBacks((await deps.states.loadStates(holdBack.ruleIds)).values(), holdBack.agentProbes, now)
    : [];
  const output = evaluate({
    rules: group.rules,
    windows,
    states,
    now,
    silences: [...deps.silences(), ...heldBack],
    maintenanceWindows: deps.maintenanceWindows(),
    ...(deps.acks !== undefined && { acks: deps.acks() }),
    ...(deps.escalationFor !== undefined && { escalationFor: deps.escalationFor }),
    ...(deps.parentsFiring !== undefined && { parentsFiring: deps.parentsFiring() }),
    fetchErrors,
    watchingSince: deps.watchingSince?.(),
    dashboardLinks: deps.dashboardLinks?.(),
  });

  const held = deps.heldBack;
  const announced =
    held === undefined || held.childRules.size === 0
      ? output.notifications
      : withHeldBack(output.notifications, held.childRules, () =>
          statesAfter(held.states(), output.writes, output.deletes),
        );
  // Each notification commits with its instance's state (the store's outbox, where it has one).
  const staged = attachAnnouncements(output.writes, announced);
  const cas = await deps.states.compareAndSet(staged.writes);
  const lost = new Set(cas.conflicts);
  if (lost.size > 0) {
    // Another evaluator wrote these instances first; its events are the ones that count.
    deps.logger.warn('alert state changed under this evaluation; its events for those instances are dropped', {
      group: group.name,
      conflicts: [...lost],
    });
  }
  const owned = (event: AlertEvent) => !lost.has(instanceKeyOf(event));
  if (output.deletes.length > 0 || staged.withDeletes.length > 0) {
    await deps.states.deleteStates(
      output.deletes.filter((key) => !lost.has(key)),
      staged.withDeletes.filter(owned),
    );
  }
  const history = output.history.filter(owned);
  const notifications = announced.filter(owned);
  if (history.length > 0) {
    try {
      await deps.metrics.writeAlertEvents(history);
    } catch (error) {
      // The states are already written: failing here would lose these events for good (a retried
      // cycle sees no transition), so the history gap is logged and the events still go out.
      deps.logger.error('alert history write failed; events are published anyway', {
        group: group.name,
        events: history.length,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  if (notifications.length > 0) await deps.bus.publish(notifications);
  return {
    queries: byTable.size,
    failedQueries,
    series: windows.length,
    notifications: notifications.length,
    conflicts: lost.size,
  };
}

import {
  ALERT_EVENT_SCHEMA,
  eventId,
  routingLabels,
  type AlertEvent,
  type EventState,
  type InstanceState,
} from '../alerts/event.js';
import { fingerprint, type Labels } from '../labels.js';
import type { CasWrite } from '../ports.js';
import type { SeriesWindow } from '../records.js';
import { isMuted, type MaintenanceWindow, type Silence } from '../silences.js';
import { ackHolds, type ActiveAck } from '../lifecycle/ack.js';
import type { EscalationPlan } from '../routing/route.js';
import { conditionHolds } from './reducers.js';
import { SeriesIndex } from './series-index.js';
import { dashboardLinkFor, type DashboardLinkBase } from './dashboard-links.js';
import { expandTemplate } from './templates.js';
import { LINK_ANNOTATIONS, type AlertInstanceState, type RuleDefinition } from './types.js';

export interface EvaluationInput {
  readonly rules: readonly RuleDefinition[];
  /** Every window fetched for this cycle, any tables and measures; each rule picks its own. */
  readonly windows: readonly SeriesWindow[];
  /** Prior instance states by key (`${ruleId}/${fingerprint}`); states of other rules are left alone. */
  readonly states: ReadonlyMap<string, AlertInstanceState>;
  /** Epoch ms of this evaluation. */
  readonly now: number;
  readonly silences?: readonly Silence[];
  readonly maintenanceWindows?: readonly MaintenanceWindow[];
  /** Current acknowledgements by alert key: an acknowledged alert gets no reminders. */
  readonly acks?: ReadonlyMap<string, ActiveAck>;
  /**
   * `rule|site` of every parent alert firing now (rules named in some rule's depends_on): a child
   * instance at that site is held back while its parent fires, and released when it resolves.
   */
  readonly parentsFiring?: ReadonlySet<string>;
  /** The escalation a firing event falls under (its route's `escalate` tiers); none when absent. */
  readonly escalationFor?: (event: AlertEvent) => EscalationPlan | undefined;
  /** Rule id → why its windows could not be fetched; those rules are evaluated as errors. */
  readonly fetchErrors?: ReadonlyMap<string, string>;
  /** One fetch error for every rule of this evaluation (e.g. the store was unreachable). */
  readonly fetchError?: string;
  /**
   * Epoch ms since when the evaluator's own probes have been running (the local runtime's start).
   * Until a rule's noDataGraceMs (default: its window) has passed since then, a lack of data is not
   * judged and the instance keeps its state: healthy probes may not have reported yet, and a window
   * that reaches back before the start was not watched. Absent: data is judged from the first cycle.
   */
  readonly watchingSince?: number;
  /** Where an event's `dashboard` link points when its rule sets none (Grafana or the console). */
  readonly dashboardLinks?: DashboardLinkBase;
}

export interface EvaluationOutput {
  /** The next state of every instance worth keeping, to compare-and-set. */
  readonly writes: CasWrite[];
  /** Keys of instances that became quiet (ok, nothing left to announce). */
  readonly deletes: string[];
  /** Events to route and send: state changes, reminders and announcements held back by a mute. */
  readonly notifications: AlertEvent[];
  /** Every announced state change, muted or not, for the `alerts` table. */
  readonly history: AlertEvent[];
}

/** Site of a rule-level instance when its matchers do not name one. */
export const UNKNOWN_SITE = 'unknown';

/** What one evaluation saw for one instance, after the rule's no-data and error policies. */
type Verdict =
  | { readonly kind: 'active' | 'inactive'; readonly value: number | null }
  | { readonly kind: 'nodata' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'keep' };

/** The part of the next state the state machine decides. */
interface Core {
  readonly state: InstanceState;
  readonly since: number;
  readonly firingSince?: number;
  readonly lastActiveAt?: number;
}

/** An instance: a rule × a series (or the rule-level instance that stands for "no series at all"). */
interface Instance {
  readonly key: string;
  readonly fingerprint: string;
  readonly site: string;
  /** Series labels, site included. */
  readonly labels: Labels;
}

const INACTIVE_NO_VALUE: Verdict = { kind: 'inactive', value: null };
const ACTIVE_NO_VALUE: Verdict = { kind: 'active', value: null };
const KEEP: Verdict = { kind: 'keep' };
const NODATA: Verdict = { kind: 'nodata' };

/**
 * One evaluation cycle, as a pure function: rules, the cycle's series windows, prior states and now
 * in; next states, deletions, events to send and history out. Never throws on data: a failed fetch
 * or a NaN becomes an `error` verdict handled by the rule's `onError` policy.
 */
export function evaluate(input: EvaluationInput): EvaluationOutput {
  const output: EvaluationOutput = { writes: [], deletes: [], notifications: [], history: [] };
  const index = new SeriesIndex(input.windows);
  // Prior states per rule by fingerprint: looking series up by their cached fingerprint spares
  // building a `${ruleId}/${fingerprint}` key for every series of every rule that has any state.
  const statesByRule = new Map<string, Map<string, AlertInstanceState>>();
  for (const state of input.states.values()) {
    let byFingerprint = statesByRule.get(state.ruleId);
    if (byFingerprint === undefined) statesByRule.set(state.ruleId, (byFingerprint = new Map()));
    byFingerprint.set(state.fingerprint, state);
  }
  const parents = new Set(input.rules.flatMap((rule) => rule.dependsOn ?? []));
  const context: CycleContext = {
    now: input.now,
    evaluatedAt: new Date(input.now).toISOString(),
    silences: input.silences ?? [],
    maintenanceWindows: input.maintenanceWindows ?? [],
    acks: input.acks ?? new Map(),
    escalationFor: input.escalationFor,
    // A parent that starts firing in this cycle holds back its children in this same cycle: a WAN
    // link and the services behind it usually fail together, and the children must not page first.
    parentsFiring: new Set(input.parentsFiring),
    parents,
    dashboardLinks: input.dashboardLinks,
    output,
  };

  for (const rule of parents.size === 0 ? input.rules : parentsFirst(input.rules)) {
    const known = statesByRule.get(rule.id);
    const fetchError = input.fetchErrors?.get(rule.id) ?? input.fetchError;
    const errorVerdict: Verdict | undefined =
      fetchError === undefined ? undefined : applyErrorPolicy(rule, `fetch failed: ${fetchError}`);
    const noDataVerdict = settling(rule, input) ? KEEP : applyNoDataPolicy(rule);
    const seen = known === undefined ? undefined : new Set<AlertInstanceState>();
    const matched = index.select(rule);

    for (const series of matched) {
      let verdict: Verdict | undefined = errorVerdict;
      let value = 0;
      if (verdict === undefined) {
        const reduced = series.reduce(rule.reducer, input.now, rule.windowMs);
        if (reduced === undefined) verdict = noDataVerdict;
        else if (!Number.isFinite(reduced)) verdict = applyErrorPolicy(rule, `${rule.reducer} produced ${reduced}`);
        else if (conditionHolds(rule.threshold, reduced)) verdict = { kind: 'active', value: reduced };
        else value = reduced;
      }
      // The common case, kept allocation-free: condition not met (or a policy that changes nothing)
      // and nothing known about the instance. Most of 100,000 series take this path every cycle.
      const quiet = verdict === undefined || verdict.kind === 'keep' || verdict === INACTIVE_NO_VALUE;
      if (quiet && known === undefined) continue;
      const prior = known?.get(series.fingerprint);
      if (prior !== undefined) seen!.add(prior);
      else if (quiet) continue;
      const instance: Instance = {
        key: prior?.key ?? `${rule.id}/${series.fingerprint}`,
        fingerprint: series.fingerprint,
        site: series.window.labels.site ?? UNKNOWN_SITE,
        labels: series.window.labels,
      };
      step(context, rule, instance, prior, verdict ?? { kind: 'inactive', value });
    }

    if (matched.length === 0 || known !== undefined) {
      const ruleLevel = ruleLevelInstance(rule);
      if (matched.length === 0) {
        const prior = known?.get(ruleLevel.fingerprint);
        if (prior !== undefined) seen!.add(prior);
        step(context, rule, ruleLevel, prior, errorVerdict ?? noDataVerdict);
      }
      for (const prior of known?.values() ?? []) {
        if (seen!.has(prior)) continue;
        // The rule-level instance ends once series match again; a vanished series has no data.
        const verdict = prior.key === ruleLevel.key ? INACTIVE_NO_VALUE : (errorVerdict ?? noDataVerdict);
        step(
          context,
          rule,
          { key: prior.key, fingerprint: prior.fingerprint, site: prior.site, labels: prior.labels },
          prior,
          verdict,
        );
      }
    }
  }
  return output;
}

interface CycleContext {
  readonly now: number;
  readonly evaluatedAt: string;
  readonly silences: readonly Silence[];
  readonly maintenanceWindows: readonly MaintenanceWindow[];
  readonly acks: ReadonlyMap<string, ActiveAck>;
  readonly escalationFor?: ((event: AlertEvent) => EscalationPlan | undefined) | undefined;
  /** Grows as parent instances are found firing in this cycle (never shrinks: release waits a cycle). */
  readonly parentsFiring: Set<string>;
  /** Rule ids some rule of this evaluation depends on. */
  readonly parents?: ReadonlySet<string>;
  readonly dashboardLinks?: DashboardLinkBase | undefined;
  readonly output: EvaluationOutput;
}

/**
 * The rules with every parent before its children (a stable order otherwise), so children see
 * the parents' states of this cycle. Dependency cycles keep their given order.
 */
function parentsFirst(rules: readonly RuleDefinition[]): RuleDefinition[] {
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  const ordered: RuleDefinition[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (rule: RuleDefinition): void => {
    if (state.has(rule.id)) return;
    state.set(rule.id, 'visiting');
    for (const parent of rule.dependsOn ?? []) {
      const parentRule = byId.get(parent);
      if (parentRule !== undefined) visit(parentRule);
    }
    state.set(rule.id, 'done');
    ordered.push(rule);
  };
  for (const rule of rules) visit(rule);
  return ordered;
}

/** Whether it is too early after the start to judge a lack of data for this rule. */
function settling(rule: RuleDefinition, input: EvaluationInput): boolean {
  if (input.watchingSince === undefined) return false;
  return input.now - input.watchingSince < (rule.noDataGraceMs ?? rule.windowMs);
}

function applyNoDataPolicy(rule: RuleDefinition): Verdict {
  switch (rule.noData) {
    case 'nodata':
      return NODATA;
    case 'alerting':
      return ACTIVE_NO_VALUE;
    case 'ok':
      return INACTIVE_NO_VALUE;
    case 'keep_last':
      return KEEP;
  }
}

function applyErrorPolicy(rule: RuleDefinition, message: string): Verdict {
  switch (rule.onError) {
    case 'error':
      return { kind: 'error', message };
    case 'alerting':
      return ACTIVE_NO_VALUE;
    case 'ok':
      return INACTIVE_NO_VALUE;
    case 'keep_last':
      return KEEP;
  }
}

/**
 * The instance that stands for a rule none of whose series exist. Its labels are the rule's
 * absentLabels and `=` matchers (so `probe="x"` gives the labels that series would have had, and
 * the very same fingerprint when the rule reads one probe, so the instance continues when data
 * returns); its site is their `site`, or `unknown` when nothing names one.
 */
function ruleLevelInstance(rule: RuleDefinition): Instance {
  const labels: Record<string, string> = { ...rule.absentLabels };
  for (const matcher of rule.matchers) if (matcher.op === '=') labels[matcher.name] = matcher.value;
  const instanceFingerprint = fingerprint(labels);
  return {
    key: `${rule.id}/${instanceFingerprint}`,
    fingerprint: instanceFingerprint,
    site: labels.site ?? UNKNOWN_SITE,
    labels,
  };
}

/** The state machine: ok → pending → firing → ok, plus nodata and error as states of their own. */
function advance(rule: RuleDefinition, prior: AlertInstanceState | undefined, verdict: Verdict, now: number): Core {
  const priorState = prior?.state ?? 'ok';
  switch (verdict.kind) {
    case 'keep':
      return prior === undefined ? { state: 'ok', since: now } : coreOf(prior);
    case 'nodata':
    case 'error':
      return prior !== undefined && priorState === verdict.kind ? coreOf(prior) : { state: verdict.kind, since: now };
    case 'active':
      if (prior !== undefined && priorState === 'firing') return { ...coreOf(prior), lastActiveAt: now };
      if (prior !== undefined && priorState === 'pending') {
        return now - prior.since >= rule.forMs
          ? { state: 'firing', since: now, firingSince: prior.since, lastActiveAt: now }
          : { state: 'pending', since: prior.since, lastActiveAt: now };
      }
      return rule.forMs > 0
        ? { state: 'pending', since: now, lastActiveAt: now }
        : { state: 'firing', since: now, firingSince: now, lastActiveAt: now };
    case 'inactive':
      if (
        prior !== undefined &&
        priorState === 'firing' &&
        prior.lastActiveAt !== undefined &&
        now - prior.lastActiveAt < rule.keepFiringForMs
      ) {
        return coreOf(prior);
      }
      return priorState === 'ok' && prior !== undefined ? coreOf(prior) : { state: 'ok', since: now };
  }
}

function coreOf(state: AlertInstanceState): Core {
  return { state: state.state, since: state.since, firingSince: state.firingSince, lastActiveAt: state.lastActiveAt };
}

/** What an instance state announces: the alerting states, or `ok` for ok and pending. */
function announced(state: InstanceState): 'firing' | 'nodata' | 'error' | 'ok' {
  return state === 'firing' || state === 'nodata' || state === 'error' ? state : 'ok';
}

/** When the problem an alerting state announces began: firing counts from the start of pending. */
function problemStart(core: Core): number {
  return core.state === 'firing' ? (core.firingSince ?? core.since) : core.since;
}

function step(
  context: CycleContext,
  rule: RuleDefinition,
  instance: Instance,
  prior: AlertInstanceState | undefined,
  verdict: Verdict,
): void {
  const { now, output } = context;
  const priorCore: Core = prior === undefined ? { state: 'ok', since: now } : coreOf(prior);
  let core = advance(rule, prior, verdict, now);
  const value = verdict.kind === 'active' || verdict.kind === 'inactive' ? verdict.value : null;
  const error = verdict.kind === 'error' ? verdict.message : undefined;
  const previousState = priorCore.state;
  const before = announced(priorCore.state);
  const after = announced(core.state);

  // An ok state that still owes a `resolved` keeps where the resolved problem began, for its startsAt.
  if (after === 'ok' && before !== 'ok') core = { ...core, firingSince: problemStart(priorCore) };
  else if (after === 'ok') core = { ...core, firingSince: prior?.firingSince };

  const parts = { previousState, value, error, core };

  let changeEvent: AlertEvent | undefined;
  if (after !== before) {
    changeEvent = buildEvent(context, rule, instance, after === 'ok' ? 'resolved' : after, false, parts);
    output.history.push(changeEvent);
  }

  let notifiedState: InstanceState = prior?.notifiedState === undefined ? 'ok' : announced(prior.notifiedState);
  let lastNotifiedAt = prior?.lastNotifiedAt;
  let candidate: AlertEvent | undefined;
  if (after !== 'ok') {
    if (notifiedState !== after) candidate = changeEvent ?? buildEvent(context, rule, instance, after, false, parts);
    else if (
      rule.repeatIntervalMs > 0 &&
      (lastNotifiedAt === undefined || now - lastNotifiedAt >= rule.repeatIntervalMs) &&
      !ackHolds(context.acks.get(instance.key), { key: instance.key, ...core }, now)
    ) {
      candidate = buildEvent(context, rule, instance, after, true, parts);
    }
  } else if (notifiedState !== 'ok') {
    if (rule.sendResolved) candidate = changeEvent ?? buildEvent(context, rule, instance, 'resolved', false, parts);
    else notifiedState = 'ok';
  }
  // A resolved is only ever a candidate for an alert whose problem was announced: it goes out even
  // under a silence, or the ticket the firing message opened would stay open until the silence ends.
  let escalation = prior?.escalation;
  let firstFiring: AlertEvent | undefined;
  if (
    candidate !== undefined &&
    (candidate.state === 'resolved' ||
      (!isMuted(routingLabels(candidate), now, context.silences, context.maintenanceWindows) &&
        !heldByParent(context, rule, instance.site)))
  ) {
    // Whoever an escalation told hears the resolution too.
    if (candidate.state === 'resolved' && escalation !== undefined && escalation.told.length > 0) {
      candidate = { ...candidate, alsoNotify: escalation.told };
    }
    output.notifications.push(candidate);
    notifiedState = after;
    lastNotifiedAt = now;
    if (candidate.state === 'firing' && candidate.repeat !== true) firstFiring = candidate;
  }
  if (after !== 'firing' || notifiedState !== 'firing' || context.escalationFor === undefined) {
    escalation = undefined;
  } else if (escalation === undefined) {
    // The escalation clock starts when the firing is first told to someone.
    const plan = firstFiring === undefined ? undefined : context.escalationFor(firstFiring);
    if (plan !== undefined) escalation = { route: plan.route, since: now, tiers: 0, told: [] };
  } else if (!ackHolds(context.acks.get(instance.key), { key: instance.key, ...core }, now)) {
    escalation = escalate(context, rule, instance, parts, escalation);
  }

  if (core.state === 'firing' && context.parents?.has(rule.id) === true) {
    context.parentsFiring.add(`${rule.id}|${instance.site}`);
  }

  if (core.state === 'ok' && notifiedState === 'ok') {
    // Quiet instances are not stored: ok is what an unknown instance is, and storing 100,000 of them
    // would turn every cycle into 100,000 writes.
    if (prior !== undefined) output.deletes.push(instance.key);
    return;
  }
  const next: AlertInstanceState = {
    key: instance.key,
    ruleId: rule.id,
    site: instance.site,
    fingerprint: instance.fingerprint,
    labels: instance.labels,
    state: core.state,
    since: core.since,
    ...(core.firingSince === undefined ? {} : { firingSince: core.firingSince }),
    ...(core.lastActiveAt === undefined ? {} : { lastActiveAt: core.lastActiveAt }),
    lastValue: value,
    notifiedState,
    ...(lastNotifiedAt === undefined ? {} : { lastNotifiedAt }),
    lastEvaluatedAt: now,
    ...(escalation === undefined ? {} : { escalation }),
    version: (prior?.version ?? 0) + 1,
  };
  output.writes.push({ next, expectedVersion: prior?.version ?? 0 });
}

/**
 * Tells each tier whose time has come (since the first notification) and nobody acknowledged:
 * one message per tier, to that tier's channels only. A silenced alert does not escalate; its
 * tiers are told once the silence ends, if it still fires unacknowledged.
 */
function escalate(
  context: CycleContext,
  rule: RuleDefinition,
  instance: Instance,
  parts: { previousState: InstanceState; value: number | null; error: string | undefined; core: Core },
  escalation: NonNullable<AlertInstanceState['escalation']>,
): NonNullable<AlertInstanceState['escalation']> {
  const probe = buildEvent(context, rule, instance, 'firing', false, parts);
  const plan = context.escalationFor?.(probe);
  if (plan === undefined || escalation.tiers >= plan.tiers.length) return escalation;
  if (isMuted(routingLabels(probe), context.now, context.silences, context.maintenanceWindows)) return escalation;
  let { tiers } = escalation;
  const told = new Set(escalation.told);
  while (tiers < plan.tiers.length && context.now - escalation.since >= plan.tiers[tiers]!.afterMs) {
    const tier = plan.tiers[tiers]!;
    tiers++;
    context.output.notifications.push({
      ...probe,
      id: `${probe.id}/escalate-${tiers}`,
      escalation: { tier: tiers, channels: tier.channels },
    });
    for (const channel of tier.channels) told.add(channel);
  }
  return { ...escalation, tiers, told: [...told] };
}

function buildEvent(
  context: CycleContext,
  rule: RuleDefinition,
  instance: Instance,
  state: EventState,
  repeat: boolean,
  parts: { previousState: InstanceState; value: number | null; error: string | undefined; core: Core },
): AlertEvent {
  const { core } = parts;
  const labels: Record<string, string> = {};
  for (const name in instance.labels) if (name !== 'site') labels[name] = instance.labels[name]!;
  Object.assign(labels, rule.labels);
  const templateLabels = { ...instance.labels, ...rule.labels };
  const annotations: Record<string, string> = {};
  for (const name in rule.annotations) {
    const link = (LINK_ANNOTATIONS as readonly string[]).includes(name);
    annotations[name] = expandTemplate(
      rule.annotations[name]!,
      parts.value,
      templateLabels,
      link ? encodeURIComponent : undefined,
    );
  }
  if (context.dashboardLinks && annotations.dashboard === undefined && annotations.dashboard_url === undefined) {
    annotations.dashboard = dashboardLinkFor(context.dashboardLinks, rule, instance.site, templateLabels);
  }
  const resolved = state === 'resolved';
  return {
    schema: ALERT_EVENT_SCHEMA,
    id: eventId({
      site: instance.site,
      ruleId: rule.id,
      fingerprint: instance.fingerprint,
      evaluatedAt: context.evaluatedAt,
      state,
    }),
    site: instance.site,
    rule: { id: rule.id, name: rule.name, severity: rule.severity },
    state,
    previousState: parts.previousState,
    value: parts.value,
    threshold: rule.threshold,
    labels,
    annotations,
    startsAt: new Date(resolved ? (core.firingSince ?? core.since) : problemStart(core)).toISOString(),
    endsAt: resolved ? new Date(core.since).toISOString() : null,
    evaluatedAt: context.evaluatedAt,
    ...(rule.links.length > 0 ? { links: rule.links } : {}),
    ...(repeat ? { repeat: true } : {}),
    ...(parts.error === undefined ? {} : { error: parts.error }),
  };
}

/**
 * An event about an alert's life rather than its condition (an acknowledgement, an escalation),
 * built from the instance's stored state like the evaluator builds its own: same labels,
 * annotations and links, the state it announces, and an id of its own (`…/<state>/<suffix>`).
 */
export function lifecycleEvent(
  rule: RuleDefinition,
  state: AlertInstanceState,
  now: number,
  suffix: string,
  extra: Partial<Pick<AlertEvent, 'acknowledgement' | 'escalation' | 'alsoNotify'>> = {},
): AlertEvent {
  const context = {
    now,
    evaluatedAt: new Date(now).toISOString(),
    silences: [],
    maintenanceWindows: [],
    acks: new Map(),
    output: { writes: [], deletes: [], notifications: [], history: [] },
    parentsFiring: new Set<string>(),
  } satisfies CycleContext;
  const instance: Instance = { key: state.key, fingerprint: state.fingerprint, site: state.site, labels: state.labels };
  const after = announced(state.state);
  const event = buildEvent(context, rule, instance, after === 'ok' ? 'resolved' : after, false, {
    previousState: state.state,
    value: state.lastValue,
    error: undefined,
    core: coreOf(state),
  });
  return { ...event, id: `${event.id}/${suffix}`, ...extra };
}

export interface EscalationInput {
  readonly now: number;
  readonly silences?: readonly Silence[];
  readonly maintenanceWindows?: readonly MaintenanceWindow[];
  readonly acks?: ReadonlyMap<string, ActiveAck>;
  readonly escalationFor: (event: AlertEvent) => EscalationPlan | undefined;
}

/**
 * Tells the escalation tiers that fell due since the last rule evaluation, from the stored state
 * alone (the AWS escalation function, between the rule function's cycles): the same tiers, the
 * same messages and the same holds (acknowledged, silenced) as the rule cycle would apply. The
 * next state is to be compare-and-set at `state.version`; nothing is due when it is undefined.
 */
export function advanceEscalation(
  rule: RuleDefinition,
  state: AlertInstanceState,
  input: EscalationInput,
): { readonly write?: CasWrite; readonly notifications: readonly AlertEvent[] } {
  const { now } = input;
  const escalation = state.escalation;
  if (escalation === undefined || state.state !== 'firing' || state.notifiedState !== 'firing') {
    return { notifications: [] };
  }
  const acks = input.acks ?? new Map<string, ActiveAck>();
  if (ackHolds(acks.get(state.key), state, now)) return { notifications: [] };
  const context: CycleContext = {
    now,
    evaluatedAt: new Date(now).toISOString(),
    silences: input.silences ?? [],
    maintenanceWindows: input.maintenanceWindows ?? [],
    acks,
    escalationFor: input.escalationFor,
    output: { writes: [], deletes: [], notifications: [], history: [] },
    parentsFiring: new Set<string>(),
  };
  const instance: Instance = { key: state.key, fingerprint: state.fingerprint, site: state.site, labels: state.labels };
  const next = escalate(
    context,
    rule,
    instance,
    { previousState: state.state, value: state.lastValue, error: undefined, core: coreOf(state) },
    escalation,
  );
  if (next.tiers === escalation.tiers) return { notifications: [] };
  return {
    write: { next: { ...state, escalation: next, version: state.version + 1 }, expectedVersion: state.version },
    notifications: context.output.notifications,
  };
}

/** Whether a parent rule of this rule fires at the site: its children wait rather than page one by one. */
function heldByParent(context: CycleContext, rule: RuleDefinition, site: string): boolean {
  if (rule.dependsOn === undefined || context.parentsFiring.size === 0) return false;
  return rule.dependsOn.some((parent) => context.parentsFiring.has(`${parent}|${site}`));
}

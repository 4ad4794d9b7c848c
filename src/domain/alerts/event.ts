import type { Labels } from '../labels.js';

export const ALERT_EVENT_SCHEMA = 'performanceflow.alert/v1';

/** The states an alert instance can be in between evaluations. */
export type InstanceState = 'ok' | 'pending' | 'firing' | 'nodata' | 'error';

/** The states an alert event announces. */
export type EventState = 'firing' | 'resolved' | 'nodata' | 'error';

export type Severity = 'critical' | 'major' | 'warning' | 'info';
/** Every severity, most severe first: the config schema's allowed values and the order a group's headline takes. */
export const SEVERITIES = ['critical', 'major', 'warning', 'info'] as const satisfies readonly Severity[];

export type ComparisonOp = '>' | '>=' | '<' | '<=' | '==' | '!=';
export type RangeOp = 'outside_range' | 'inside_range';

/** A threshold as it appears in rules and events. */
export type Threshold =
  | { readonly op: ComparisonOp; readonly value: number }
  | { readonly op: RangeOp; readonly min: number; readonly max: number };

export interface AlertLink {
  readonly title: string;
  readonly url: string;
}

/**
 * The versioned alert event (docs/contracts.md, "Alert event v1"): published on SNS and the local bus,
 * written one per line in log drops. `id` is the dedupe key: the same evaluation of the same
 * instance always yields the same id, so retries and restarts never notify twice.
 */
export interface AlertEvent {
  readonly schema: typeof ALERT_EVENT_SCHEMA;
  readonly id: string;
  readonly site: string;
  readonly rule: { readonly id: string; readonly name: string; readonly severity: Severity };
  readonly state: EventState;
  readonly previousState: InstanceState;
  /** The reduced value that was compared, or null when there was none (no data, error). */
  readonly value: number | null;
  readonly threshold: Threshold;
  readonly labels: Labels;
  readonly annotations: Readonly<Record<string, string>>;
  /** ISO 8601 UTC. */
  readonly startsAt: string;
  readonly endsAt: string | null;
  readonly evaluatedAt: string;
  readonly links?: readonly AlertLink[];
  /** Set on reminders sent because `repeat_interval` passed while still firing. */
  readonly repeat?: boolean;
  /** Set on notifications sent by `pflow notify test`. */
  readonly test?: boolean;
  /** Set on the error message when state is `error`. */
  readonly error?: string;
  /** Set on the update that says an alert was acknowledged (the alert still fires). */
  readonly acknowledgement?: { readonly by: string; readonly reason: string; readonly at: string };
  /** Set on a message to an escalation tier: which tier, and the channels it goes to (only those). */
  readonly escalation?: { readonly tier: number; readonly channels: readonly string[] };
  /** Channels told by escalation that must hear this too (the resolved, the acknowledgement). */
  readonly alsoNotify?: readonly string[];
  /**
   * On a parent rule's firing (and reminders, escalation): the children held back at its site
   * (`depends_on`) at that moment. On its resolved: those still alerting, released to page now.
   */
  readonly heldBack?: HeldBack;
}

/** Child alerts held back by a firing parent: how many, and the oldest of them by name. */
export interface HeldBack {
  readonly count: number;
  readonly alerts: readonly HeldBackAlert[];
}

export interface HeldBackAlert {
  readonly rule: { readonly id: string; readonly name: string; readonly severity: Severity };
  readonly state: 'firing' | 'nodata' | 'error';
  /** The child's labels, `site` left out (it is the parent's). */
  readonly labels: Labels;
  /** ISO 8601 UTC: when the child's problem began. */
  readonly startsAt: string;
}

/** SNS message attributes / bus routing keys derived from an event. */
export function eventAttributes(event: AlertEvent): Record<'site' | 'severity' | 'state' | 'rule', string> {
  return { site: event.site, severity: event.rule.severity, state: event.state, rule: event.rule.id };
}

/** Labels that routes and silences match on: the event's labels plus site, rule, severity and state. */
export function routingLabels(event: AlertEvent): Labels {
  return {
    ...event.labels,
    site: event.site,
    rule: event.rule.id,
    alertname: event.rule.name,
    severity: event.rule.severity,
    state: event.state,
  };
}

export function eventId(parts: {
  site: string;
  ruleId: string;
  fingerprint: string;
  evaluatedAt: string;
  state: EventState;
}): string {
  return `${parts.site}/${parts.ruleId}/${parts.fingerprint}/${parts.evaluatedAt}/${parts.state}`;
}

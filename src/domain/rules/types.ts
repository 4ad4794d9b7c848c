import type { AlertLink, InstanceState, Severity, Threshold } from '../alerts/event.js';
import type { LabelMatcher, Labels } from '../labels.js';
import type { SeriesTable } from '../records.js';

/**
 * The annotations that channels turn into link buttons (see collectLinks in
 * channels/common/message.ts). Here rather than with the annotations' schema, so that evaluating a
 * rule does not import zod (the rule Lambda's bundle).
 */
export const LINK_ANNOTATIONS = ['runbook', 'runbook_url', 'dashboard', 'dashboard_url'] as const;

export const REDUCERS = ['last', 'avg', 'min', 'max', 'sum', 'count', 'delta', 'increase', 'rate'] as const;
export type Reducer = (typeof REDUCERS)[number];

/**
 * Points a reducer needs in its window to give a value: `delta`, `increase` and `rate` measure a
 * change, so they need two (PromQL's rule too); the others read one.
 */
export function samplesNeeded(reducer: Reducer): 1 | 2 {
  return reducer === 'delta' || reducer === 'increase' || reducer === 'rate' ? 2 : 1;
}

/** What a rule does when its series have no points in the window. */
export type NoDataPolicy = 'nodata' | 'alerting' | 'ok' | 'keep_last';
/** What a rule does when it cannot be evaluated. */
export type ErrorPolicy = 'error' | 'alerting' | 'ok' | 'keep_last';

/** A validated, normalised threshold rule (durations in ms). */
export interface RuleDefinition {
  readonly id: string;
  readonly name: string;
  readonly group: string;
  readonly severity: Severity;
  readonly table: SeriesTable;
  readonly measure: string;
  readonly matchers: readonly LabelMatcher[];
  readonly windowMs: number;
  readonly reducer: Reducer;
  readonly threshold: Threshold;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly noData: NoDataPolicy;
  readonly onError: ErrorPolicy;
  readonly repeatIntervalMs: number;
  /** Whether a `resolved` event is sent when the alert clears. */
  readonly sendResolved: boolean;
  readonly labels: Labels;
  readonly annotations: Readonly<Record<string, string>>;
  readonly links: readonly AlertLink[];
  /** Parent rule ids: while one fires at an alert's site, this rule's notifications are held back. */
  readonly dependsOn?: readonly string[];
  /**
   * Labels known to belong to the series the rule reads (for a probe rule: those all its probes'
   * series share, site included when they share one). When no series has data, the rule-level
   * no-data instance carries them, so the alert says which site and probe went missing.
   */
  readonly absentLabels?: Labels;
  /**
   * How long after probing starts the probes this rule reads, if healthy, have put what its reducer
   * needs in its window. Until then a lack of data is not judged (see EvaluationInput.watchingSince);
   * when absent (no probe known to feed the rule), a whole window.
   */
  readonly noDataGraceMs?: number;
}

export interface RuleGroupDefinition {
  readonly name: string;
  readonly intervalMs: number;
  readonly rules: readonly RuleDefinition[];
  /**
   * The sites whose evaluations run this group (in AWS, one schedule each); absent = every site.
   * Only generated groups set it (the default agent rules run where agents are declared).
   */
  readonly sites?: readonly string[];
}

/**
 * The persisted state of one alert instance (one rule × one series), behind AlertStateStore.
 * `version` makes compare-and-set writes possible (DynamoDB conditional writes later).
 */
export interface AlertInstanceState {
  /** `${ruleId}/${fingerprint}` */
  readonly key: string;
  readonly ruleId: string;
  readonly site: string;
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly state: InstanceState;
  /** Epoch ms when the current state began (for pending: when the condition first held). */
  readonly since: number;
  /**
   * Epoch ms when the problem began, if it fires: the start of pending (an event's `startsAt`, as
   * in DESIGN.md's example), kept through keep_firing_for and until a held `resolved` goes out.
   */
  readonly firingSince?: number;
  /** Epoch ms when the condition last held; drives keep_firing_for. */
  readonly lastActiveAt?: number;
  readonly lastValue: number | null;
  /** The last state that was announced by an event, and when; drives repeats and silences. */
  readonly notifiedState?: InstanceState;
  readonly lastNotifiedAt?: number;
  readonly lastEvaluatedAt: number;
  /**
   * Escalation of the current firing, kept with the alert so it survives restarts: the route that
   * escalates, when its clock started (the first firing notification), the tiers already told and
   * their channels (who must hear the resolution).
   */
  readonly escalation?: {
    readonly route: number;
    readonly since: number;
    readonly tiers: number;
    readonly told: readonly string[];
  };
  readonly version: number;
}

/**
 * The CloudWatch custom metrics the functions send as EMF (lambdas/, README "Metrics are EMF"), in
 * metric-months. CloudWatch bills each metric — a name with one set of dimension values — prorated
 * by the hour and only for the hours in which it is sent (CloudWatch user guide, "Analyzing,
 * optimizing, and reducing CloudWatch costs": "All custom metrics are prorated by the hour. They're
 * metered only when they're sent to CloudWatch"). So a count sent every cycle is a full month, one
 * sent per alert event costs the hours that have an event, and one sent only when it is not zero
 * (a failure count) costs the hours it happens in.
 */

export interface CustomMetricsInput {
  readonly hoursPerMonth: number;
  /** Cloud probe schedules exist (the probe function runs). */
  readonly probes: boolean;
  /** Rule schedules: one (site, group) each, with its RuleGroupCompleted heartbeat. */
  readonly ruleCycles: number;
  /** Rule groups (distinct names): with `detailed`, each is a dimension value of the rule counts. */
  readonly ruleGroups: number;
  /** `aws.detailed_metrics`: the rule counts per group and the deliver counts per channel too. */
  readonly detailed: boolean;
  /** Per channel: messages its deliver function handles a month (alert events and reports). */
  readonly channelMessages: readonly number[];
  /**
   * Alert events and report publications a month: the occasions on which some channel delivers.
   * The channels deliver one event at about the same time, so these set the all-channels hours.
   */
  readonly deliveryOccasions: number;
  /** Agents push through the ingest function. */
  readonly ingest: boolean;
  /** Agents pulled by the collect function (aws.pull). */
  readonly pullAgents: number;
  /** With `assets:` (tags reporting): the asset function and the tag counts of the ingest/collect sink. */
  readonly assets: boolean;
  /** Runs a month of each (report, site). */
  readonly reportRuns: readonly number[];
  /** Hours a month in which each failure or rare count is not zero ([assumed]). */
  readonly rareCountHours: number;
}

export interface CustomMetrics {
  /** Metric-months: what CloudWatch bills. */
  readonly metricMonths: number;
  /** Metrics sent every hour. */
  readonly always: number;
  /** Metrics sent per event (deliveries, reports), and the metric-months they add. */
  readonly perEvent: number;
  readonly perEventMonths: number;
  /** Failure and rare counts, sent only when not zero. */
  readonly whenNotZero: number;
}

/**
 * Hours of the month holding at least one of `events` events, were they spread at random
 * (Poisson): an upper bound, since real alerts come in bursts that share hours.
 */
export function hoursWithEvents(events: number, hoursPerMonth: number): number {
  if (events <= 0 || hoursPerMonth <= 0) return 0;
  return hoursPerMonth * (1 - Math.exp(-events / hoursPerMonth));
}

export function customMetrics(input: CustomMetricsInput): CustomMetrics {
  const hours = input.hoursPerMonth;
  const rule = input.ruleCycles > 0;
  const channels = input.channelMessages.length;
  const tagSinks = input.assets ? (input.ingest ? 1 : 0) + (input.pullAgents > 0 ? 1 : 0) : 0;
  /** With detailed metrics, a second dimension set {service, group} or {service, channel}. */
  const groups = input.detailed && rule ? input.ruleGroups : 0;
  const channelCopies = input.detailed ? channels : 0;

  const always =
    // ProbesRun, ProbesFailed
    (input.probes ? 2 : 0) +
    // RuleCycleDurationMs, RuleQueries; RuleGroupCompleted per (site, group)
    (rule ? 2 : 0) +
    input.ruleCycles +
    // IngestBatches, IngestSamples
    (input.ingest ? 2 : 0) +
    // CollectBatches, IngestSamples (the collect function's); IngestTagEvents with tags
    (input.pullAgents > 0 ? 2 + (input.assets ? 1 : 0) : 0) +
    // AssetSamplesWritten; TagEventsStored, TagLocationsWritten per function writing tag events
    (input.assets ? 1 + 2 * tagSinks : 0) +
    // detailed: RuleCycleDurationMs, RuleQueries per group
    2 * groups;

  const reportHours = input.reportRuns.map((runs) => Math.min(hours, runs));
  const perEventHours = [
    // NotificationsDelivered, all channels together (the hours with any event or report); detailed,
    // per channel too
    ...(channels > 0 ? [hoursWithEvents(input.deliveryOccasions, hours)] : []),
    ...(input.detailed ? input.channelMessages.map((messages) => hoursWithEvents(messages, hours)) : []),
    // ReportPublished per (report, site): daily runs fall in hours of their own
    ...reportHours,
    // ReportProbes, ReportBytes: the hours with any report run (at most one per run)
    ...(reportHours.length > 0 ? Array<number>(2).fill(Math.min(hours, sum(input.reportRuns))) : []),
  ];

  const whenNotZero =
    // ProbesCut, RecordsRejected
    (input.probes ? 2 : 0) +
    // RuleQueryFailures, RuleConflicts, AlertHistoryWriteFailed
    (rule ? 3 : 0) +
    // NotificationsDeadLettered per channel; NotificationsRetried, NotificationsDuplicate
    (channels > 0 ? channels + 2 : 0) +
    // EscalationsTold, EscalationConflicts (every stack); LifecycleApiErrors
    2 +
    1 +
    // IngestRefused (the status a property)
    (input.ingest ? 1 : 0) +
    // CollectRefused, CollectDroppedTagEvents; CollectFailed per agent (dimension agent)
    (input.pullAgents > 0 ? 2 + input.pullAgents : 0) +
    // TagLocationRetries
    tagSinks +
    // detailed: the three rule failure counts per group, retries and duplicates per channel
    3 * groups +
    2 * channelCopies;

  const perEventMonths = sum(perEventHours) / hours;
  const rareMonths = (whenNotZero * Math.min(hours, input.rareCountHours)) / hours;
  return {
    metricMonths: always + perEventMonths + rareMonths,
    always,
    perEvent: perEventHours.length,
    perEventMonths,
    whenNotZero,
  };
}

/** The total of some figures (the estimate's too). */
export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

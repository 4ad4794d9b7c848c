import { METRICS, SERVICES } from '../../../lambdas/shared/environment.js';
import { sel } from '../promql.js';
import { higherIsWorse, type CloudWatchTarget, type DashboardSpec } from '../spec.js';
import { rollup, select } from '../timestream/query.js';
import { ALERT_LOOKBACK } from './overview.js';

const S = ['site'] as const;
const bySite = [{ column: 'site', variable: 'site' }] as const;
const STATES = [
  { value: 'firing', text: 'firing', color: 'red' },
  { value: 'pending', text: 'pending', color: 'orange' },
  { value: 'nodata', text: 'no data', color: 'purple' },
  { value: 'error', text: 'error', color: 'dark-red' },
  { value: 'resolved', text: 'resolved', color: 'green' },
] as const;

export const ALERT_HISTORY_PANELS = {
  firingNow: 1,
  timeline: 2,
  entries: 3,
  changes: 4,
  delivered: 5,
  deadLettered: 6,
} as const;

/**
 * A deliver function count per channel, summed over each period: the EMF metric with exactly the
 * dimensions {service, channel} that lambdas/shared/deliver.ts emits, `*` for every channel (dead
 * letters only when not zero; delivered only with the config's aws.detailed_metrics).
 */
function perChannel(metricName: string): CloudWatchTarget {
  return {
    namespace: METRICS.namespace,
    metricName,
    dimensions: { service: SERVICES.deliver, [METRICS.channelDimension]: '*' },
    statistic: 'Sum',
    label: "${PROP('Dim.channel')}",
  };
}

/** The deliver functions' count of every channel together: exactly the dimensions {service}. */
function allChannels(metricName: string): CloudWatchTarget {
  return {
    namespace: METRICS.namespace,
    metricName,
    dimensions: { service: SERVICES.deliver },
    statistic: 'Sum',
    label: 'all channels',
  };
}

/**
 * Alert state history (the `alerts` table; `ALERTS` on Prometheus) and the notifications those
 * changes sent: delivered (all channels; per channel with aws.detailed_metrics) and dead-lettered
 * per channel.
 *
 * The delivery figures come from CloudWatch, not the metric store, on purpose: the deliver
 * function already counts them as EMF metrics, so reading them
 * costs a second data source and the workspace role's read of CloudWatch metrics. Writing them to
 * the metric store instead would put a metric-store client (AMP's SigV4 remote write, or
 * Timestream's writer) and its permissions into every deliver bundle, add a write to every
 * delivery's path, and make concurrent Lambda containers write one Prometheus series each, which
 * remote write cannot merge into one counter. The local runtime shows the same figures from its
 * delivery log (console Alerts page, "Notifications per channel").
 */
export const alertHistoryDashboard: DashboardSpec = {
  uid: 'pflow-alert-history',
  title: 'PerformanceFlow / Alert history',
  description: 'Alert state changes: firing now, state over time, how often each rule entered each state.',
  seedView: 'Alert history (issue 10); 4.12–4.14 showed the notifications these changes send',
  tags: ['alerts'],
  variables: ['site'],
  time: { from: 'now-7d', to: 'now' },
  items: [
    {
      id: ALERT_HISTORY_PANELS.firingNow,
      title: 'Firing now',
      kind: 'table',
      unit: 'none',
      mappings: [{ value: '1', text: 'FIRING', color: 'red' }],
      grid: { x: 0, y: 0, w: 24, h: 7 },
      prom: [
        {
          expr: `last_over_time(${sel('ALERTS', S, ['alertstate="firing"'])}[${ALERT_LOOKBACK}]) == 1`,
          legend: '{{alertname}}',
        },
      ],
      timestream: [
        rollup(
          {
            table: 'alerts',
            measureNames: ['alert'],
            by: ['site', 'rule', 'severity', 'fingerprint'],
            values: [
              { agg: 'last', column: 'state', as: 'state' },
              { agg: 'last', column: 'summary', as: 'summary' },
            ],
            where: bySite,
            lastWindow: ALERT_LOOKBACK,
          },
          {
            by: ['site', 'rule', 'severity', 'fingerprint'],
            values: [{ agg: 'max', of: 'summary', as: 'last_summary' }],
            where: [{ alias: 'state', equals: 'firing' }],
          },
        ),
      ],
    },
    {
      id: ALERT_HISTORY_PANELS.timeline,
      title: 'Alert states over time',
      kind: 'state-timeline',
      unit: 'none',
      mappings: [{ value: '1', text: 'active', color: 'red' }, ...STATES],
      grid: { x: 0, y: 7, w: 24, h: 9 },
      prom: [
        {
          expr: `${sel('ALERTS', S)} == 1`,
          legend: '{{alertname}} {{alertstate}} {{instance}}',
        },
      ],
      timestream: [
        select({
          table: 'alerts',
          measureNames: ['alert'],
          by: ['rule', 'fingerprint'],
          values: [{ agg: 'last', column: 'state', as: 'state' }],
          where: bySite,
          bin: true,
        }),
      ],
    },
    {
      id: ALERT_HISTORY_PANELS.entries,
      title: 'Times each rule entered a state',
      kind: 'table',
      unit: 'short',
      thresholds: higherIsWorse(1),
      grid: { x: 0, y: 16, w: 12, h: 9 },
      prom: [
        {
          expr: `sum by (alertname, severity, alertstate) (sum_over_time(${sel('ALERTS', S)}[$__range]))`,
          legend: '{{alertname}}',
        },
      ],
      timestream: [
        select({
          table: 'alerts',
          measureNames: ['alert'],
          by: ['rule', 'severity', 'state'],
          values: [{ agg: 'count', column: 'event_id', as: 'changes' }],
          where: bySite,
        }),
      ],
    },
    {
      id: ALERT_HISTORY_PANELS.changes,
      title: 'State changes',
      description: 'Newest first, with the value the rule saw.',
      kind: 'table',
      unit: 'none',
      grid: { x: 12, y: 16, w: 12, h: 9 },
      prom: [
        {
          expr: `changes(${sel('ALERTS', S)}[$__range]) > 0`,
          legend: '{{alertname}}',
        },
      ],
      timestream: [
        select({
          table: 'alerts',
          measureNames: ['alert'],
          by: ['rule', 'severity', 'previous_state', 'state', 'value', 'summary'],
          values: [],
          where: bySite,
          rows: true,
          limit: 200,
        }),
      ],
    },
    {
      id: ALERT_HISTORY_PANELS.delivered,
      title: 'Notifications delivered',
      description:
        'Alert events delivered, per interval, by all channels together and, with aws.detailed_metrics in the config, by each channel (CloudWatch, every site: a channel serves them all). Reminders and acknowledgement updates count too.',
      kind: 'timeseries',
      unit: 'short',
      decimals: 0,
      min: 0,
      grid: { x: 0, y: 25, w: 12, h: 8 },
      prom: [],
      timestream: [],
      cloudwatch: [allChannels(METRICS.notificationsDelivered), perChannel(METRICS.notificationsDelivered)],
    },
    {
      id: ALERT_HISTORY_PANELS.deadLettered,
      title: 'Notifications dead-lettered per channel',
      description:
        "Notifications that went to the channel's dead-letter queue (permanent failure, malformed, or out of attempts), per interval. Counted only when there is one, so no data is none. Any is red: list and redrive them with `pflow notify dead-letters --aws`.",
      kind: 'timeseries',
      unit: 'short',
      decimals: 0,
      min: 0,
      thresholds: [
        { value: null, color: 'green' },
        { value: 1, color: 'red' },
      ],
      noValue: '0',
      grid: { x: 12, y: 25, w: 12, h: 8 },
      prom: [],
      timestream: [],
      cloudwatch: [perChannel(METRICS.notificationsDeadLettered)],
    },
  ],
};

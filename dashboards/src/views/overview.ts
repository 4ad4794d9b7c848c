import { sel } from '../promql.js';
import { higherIsWorse, lowerIsWorse, UP_DOWN, type DashboardSpec } from '../spec.js';
import { RULE_THRESHOLDS, WATCH_LEVELS } from '../thresholds.js';
import { rollup, select } from '../timestream/query.js';

const S = ['site'] as const;
const bySite = [{ column: 'site', variable: 'site' }] as const;
/**
 * ALERTS is written on state changes only (1 entering a state, 0 leaving it), so "firing now" is the
 * newest sample of each series within a look-back, not an instant selector (which forgets a series
 * 5 minutes after its last sample). An alert that has fired for longer than this without a change
 * drops off the Overview; Alert history still shows it.
 */
export const ALERT_LOOKBACK = '7d';

export const OVERVIEW_PANELS = {
  probesUp: 1,
  probesDown: 2,
  alertsFiring: 3,
  agentsSilent: 4,
  certificates: 5,
  availability: 6,
  downNow: 7,
  agents: 8,
} as const;

/** Every site at a glance: probes up and down, alerts firing, certificates expiring soonest, agents silent. */
export const overviewDashboard: DashboardSpec = {
  uid: 'pflow-overview',
  title: 'PerformanceFlow / Overview',
  description: 'Every site: probes up and down, alerts firing, certificates expiring soonest, agents silent.',
  seedView: 'Overview (issue 10): the page to open first',
  tags: ['overview'],
  variables: ['site'],
  items: [
    {
      id: OVERVIEW_PANELS.probesUp,
      title: 'Probes up',
      kind: 'stat',
      unit: 'short',
      thresholds: [{ value: null, color: 'green' }],
      noValue: '0',
      grid: { x: 0, y: 0, w: 6, h: 4 },
      prom: [{ expr: `sum by (site) (${sel('probe_success', S)})`, instant: true, legend: '{{site}}' }],
      timestream: [
        rollup(
          {
            table: 'probes',
            measureNames: ['probe'],
            by: ['site', 'probe'],
            values: [{ agg: 'last', column: 'success', as: 'success' }],
            where: bySite,
            lastWindow: '1h',
          },
          { by: ['site'], values: [{ agg: 'sum', of: 'success', as: 'up' }] },
        ),
      ],
    },
    {
      id: OVERVIEW_PANELS.probesDown,
      title: 'Probes down',
      kind: 'stat',
      unit: 'short',
      thresholds: higherIsWorse(1),
      noValue: '0',
      grid: { x: 6, y: 0, w: 6, h: 4 },
      prom: [{ expr: `count by (site) (${sel('probe_success', S)} == 0)`, instant: true, legend: '{{site}}' }],
      timestream: [
        rollup(
          {
            table: 'probes',
            measureNames: ['probe'],
            by: ['site', 'probe'],
            values: [{ agg: 'last', column: 'success', as: 'success' }],
            where: bySite,
            lastWindow: '1h',
          },
          {
            by: ['site'],
            values: [{ agg: 'count', of: 'success', as: 'down' }],
            where: [{ alias: 'success', op: '<', number: RULE_THRESHOLDS.probeSuccess }],
          },
        ),
      ],
    },
    {
      id: OVERVIEW_PANELS.alertsFiring,
      title: 'Alerts firing',
      kind: 'stat',
      unit: 'short',
      thresholds: higherIsWorse(1),
      noValue: '0',
      grid: { x: 12, y: 0, w: 6, h: 4 },
      prom: [
        {
          expr: `count by (site) (last_over_time(${sel('ALERTS', S, ['alertstate="firing"'])}[${ALERT_LOOKBACK}]) == 1)`,
          instant: true,
          legend: '{{site}}',
        },
      ],
      timestream: [
        rollup(
          {
            table: 'alerts',
            measureNames: ['alert'],
            by: ['site', 'rule', 'fingerprint'],
            values: [{ agg: 'last', column: 'state', as: 'state' }],
            where: bySite,
            lastWindow: ALERT_LOOKBACK,
          },
          {
            by: ['site'],
            values: [{ agg: 'count', of: 'state', as: 'firing' }],
            where: [{ alias: 'state', equals: 'firing' }],
          },
        ),
      ],
    },
    {
      id: OVERVIEW_PANELS.agentsSilent,
      title: 'Agents silent',
      description: `Agents whose last forward is more than ${WATCH_LEVELS.agentSilentSeconds.warning} s ago.`,
      kind: 'stat',
      unit: 'short',
      thresholds: higherIsWorse(1),
      noValue: '0',
      grid: { x: 18, y: 0, w: 6, h: 4 },
      prom: [
        {
          expr: `count by (site) (time() - max by (site, agent) (max_over_time(${sel('pflow_agent_last_forward_timestamp_seconds', S)}[1d])) > ${WATCH_LEVELS.agentSilentSeconds.warning})`,
          instant: true,
          legend: '{{site}}',
        },
      ],
      timestream: [
        rollup(
          {
            table: 'metrics',
            measureNames: ['pflow_agent_last_forward_timestamp_seconds'],
            by: ['site', 'agent'],
            values: [{ agg: 'seconds_since_max', column: 'measure_value::double', as: 'silent_for' }],
            where: bySite,
            lastWindow: '1d',
          },
          {
            by: ['site'],
            values: [{ agg: 'count', of: 'silent_for', as: 'silent' }],
            where: [{ alias: 'silent_for', op: '>', number: WATCH_LEVELS.agentSilentSeconds.warning }],
          },
        ),
      ],
    },
    {
      id: OVERVIEW_PANELS.certificates,
      title: 'Certificates expiring soonest',
      description: `Days left on each endpoint's earliest certificate: orange within ${WATCH_LEVELS.certDaysLeft.warning} days, red within ${WATCH_LEVELS.certDaysLeft.critical}.`,
      kind: 'table',
      unit: 'd',
      decimals: 1,
      thresholds: lowerIsWorse(WATCH_LEVELS.certDaysLeft.critical, WATCH_LEVELS.certDaysLeft.warning),
      grid: { x: 0, y: 4, w: 12, h: 8 },
      prom: [
        {
          expr: `bottomk(10, (min by (site, probe, instance) (${sel('probe_ssl_earliest_cert_expiry', S)}) - time()) / 86400)`,
          legend: '{{probe}}',
        },
      ],
      timestream: [
        select({
          table: 'probes',
          measureNames: ['probe'],
          by: ['site', 'probe', 'target'],
          values: [{ agg: 'last', column: 'cert_days_left', as: 'days_left' }],
          where: [...bySite, { column: 'cert_days_left', isNotNull: true }],
          lastWindow: '1d',
          orderBy: { alias: 'days_left', direction: 'ASC' },
          limit: 10,
        }),
      ],
    },
    {
      id: OVERVIEW_PANELS.agents,
      title: 'Agents: time since last forward',
      kind: 'table',
      unit: 's',
      decimals: 0,
      thresholds: higherIsWorse(WATCH_LEVELS.agentSilentSeconds.warning, WATCH_LEVELS.agentSilentSeconds.critical),
      grid: { x: 12, y: 4, w: 12, h: 8 },
      prom: [
        {
          expr: `time() - max by (site, agent) (max_over_time(${sel('pflow_agent_last_forward_timestamp_seconds', S)}[1d]))`,
          legend: '{{agent}}',
        },
      ],
      timestream: [
        select({
          table: 'metrics',
          measureNames: ['pflow_agent_last_forward_timestamp_seconds'],
          by: ['site', 'agent'],
          values: [{ agg: 'seconds_since_max', column: 'measure_value::double', as: 'silent_for' }],
          where: bySite,
          lastWindow: '1d',
          orderBy: { alias: 'silent_for', direction: 'DESC' },
        }),
      ],
    },
    {
      id: OVERVIEW_PANELS.downNow,
      title: 'Probes down now',
      kind: 'table',
      unit: 'none',
      mappings: UP_DOWN,
      grid: { x: 0, y: 12, w: 12, h: 8 },
      prom: [{ expr: `${sel('probe_success', S)} == 0`, legend: '{{probe}}' }],
      timestream: [
        rollup(
          {
            table: 'probes',
            measureNames: ['probe'],
            by: ['site', 'probe', 'target'],
            values: [{ agg: 'last', column: 'success', as: 'success' }],
            where: bySite,
            lastWindow: '1h',
          },
          {
            by: ['site', 'probe', 'target'],
            values: [{ agg: 'min', of: 'success', as: 'success_now' }],
            where: [{ alias: 'success', op: '<', number: RULE_THRESHOLDS.probeSuccess }],
          },
        ),
      ],
    },
    {
      id: OVERVIEW_PANELS.availability,
      title: 'Availability by site',
      description: 'Share of successful probe results.',
      kind: 'timeseries',
      unit: 'percentunit',
      min: 0,
      max: 1,
      thresholds: lowerIsWorse(0.99),
      grid: { x: 12, y: 12, w: 12, h: 8 },
      prom: [{ expr: `avg by (site) (${sel('probe_success', S)})`, legend: '{{site}}' }],
      timestream: [
        select({
          table: 'probes',
          measureNames: ['probe'],
          by: ['site'],
          values: [{ agg: 'avg', column: 'success', as: 'availability' }],
          where: bySite,
          bin: true,
        }),
      ],
    },
  ],
};

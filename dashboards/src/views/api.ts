import { sel } from '../promql.js';
import { higherIsWorse, UP_DOWN, type DashboardSpec } from '../spec.js';
import { RULE_THRESHOLDS } from '../thresholds.js';
import { select } from '../timestream/query.js';

const V = ['site', 'probe'] as const;
const where = [
  { column: 'site', variable: 'site' },
  { column: 'probe', variable: 'probe' },
] as const;
const { warning, critical } = RULE_THRESHOLDS.responseTimeMs;

/** Panel ids of the API dashboard (alert links open them with `viewPanel`). */
export const API_PANELS = {
  tls: 1,
  statusCode: 2,
  responseTime: 3,
  avgDuration30m: 4,
  status: 5,
  phases: 6,
} as const;

/**
 * Seed view 4.2, "Dashboard of API monitoring": one row per endpoint (probe) with TLS yes/no, the
 * HTTP status code, the response time, the average probe duration over the last 30 minutes and the
 * status over time.
 */
export const apiDashboard: DashboardSpec = {
  uid: 'pflow-api',
  title: 'PerformanceFlow / API per endpoint',
  description:
    'Per endpoint (probe): TLS, HTTP status, response time, average probe duration over 30 minutes, status over time.',
  seedView: '4.2 Dashboard of API monitoring',
  tags: ['api', 'probes'],
  variables: ['site', 'probe'],
  time: { from: 'now-1h', to: 'now' },
  items: [
    {
      row: '$probe',
      id: 100,
      y: 0,
      repeat: 'probe',
      panels: [
        {
          id: API_PANELS.tls,
          title: 'TLS',
          description: 'YES when the endpoint answered over TLS (the negotiated version is on the series).',
          kind: 'stat',
          unit: 'none',
          mappings: [{ value: '1', text: 'YES', color: 'green' }],
          noValue: 'NO',
          grid: { x: 0, y: 1, w: 4, h: 4 },
          prom: [{ expr: `max by (probe) (${sel('probe_tls_version_info', V)})`, instant: true, legend: '{{probe}}' }],
          timestream: [
            select({
              table: 'probes',
              measureNames: ['probe'],
              by: ['probe'],
              values: [{ agg: 'count', column: 'tls_version', as: 'tls_results' }],
              where: [...where, { column: 'tls_version', isNotNull: true }],
              lastWindow: '1h',
            }),
          ],
        },
        {
          id: API_PANELS.statusCode,
          title: 'HTTP status code',
          kind: 'stat',
          unit: 'none',
          thresholds: higherIsWorse(400, 500),
          grid: { x: 0, y: 5, w: 4, h: 4 },
          prom: [{ expr: `max by (probe) (${sel('probe_http_status_code', V)})`, instant: true, legend: '{{probe}}' }],
          timestream: [
            select({
              table: 'probes',
              measureNames: ['probe'],
              by: ['probe'],
              values: [{ agg: 'last', column: 'status_code', as: 'status_code' }],
              where: [...where, { column: 'status_code', isNotNull: true }],
              lastWindow: '1h',
            }),
          ],
        },
        {
          id: API_PANELS.avgDuration30m,
          title: 'Average probe duration, last 30 minutes',
          kind: 'stat',
          unit: 'ms',
          thresholds: higherIsWorse(warning, critical),
          grid: { x: 0, y: 9, w: 4, h: 4 },
          prom: [
            {
              expr: `avg by (probe) (avg_over_time(${sel('probe_duration_seconds', V)}[30m])) * 1000`,
              instant: true,
              legend: '{{probe}}',
            },
          ],
          timestream: [
            select({
              table: 'probes',
              measureNames: ['probe'],
              by: ['probe'],
              values: [{ agg: 'avg', column: 'duration_ms', as: 'avg_duration_ms' }],
              where,
              lastWindow: '30m',
            }),
          ],
        },
        {
          id: API_PANELS.responseTime,
          title: 'Probe response time',
          description: `Orange above ${warning} ms, red above ${critical} ms: the latency rules' thresholds.`,
          kind: 'timeseries',
          unit: 'ms',
          min: 0,
          thresholds: higherIsWorse(warning, critical),
          grid: { x: 4, y: 1, w: 10, h: 6 },
          prom: [{ expr: `${sel('probe_duration_seconds', V)} * 1000`, legend: '{{instance}}' }],
          timestream: [
            select({
              table: 'probes',
              measureNames: ['probe'],
              by: ['target'],
              values: [{ agg: 'avg', column: 'duration_ms', as: 'duration_ms' }],
              where,
              bin: true,
            }),
          ],
        },
        {
          id: API_PANELS.status,
          title: 'Status over time',
          kind: 'state-timeline',
          unit: 'none',
          mappings: UP_DOWN,
          thresholds: [
            { value: null, color: 'red' },
            { value: RULE_THRESHOLDS.probeSuccess, color: 'green' },
          ],
          grid: { x: 14, y: 1, w: 10, h: 6 },
          prom: [{ expr: sel('probe_success', V), legend: '{{instance}}' }],
          timestream: [
            select({
              table: 'probes',
              measureNames: ['probe'],
              by: ['target'],
              values: [{ agg: 'min', column: 'success', as: 'success' }],
              where,
              bin: true,
            }),
          ],
        },
        {
          id: API_PANELS.phases,
          title: 'Response time by phase',
          description: 'DNS, connect, TLS, first byte (processing) and transfer, stacked.',
          kind: 'timeseries',
          unit: 'ms',
          min: 0,
          grid: { x: 4, y: 7, w: 20, h: 6 },
          prom: [
            {
              expr: `sum by (phase) ({__name__=~"probe_http_duration_seconds|probe_tcp_duration_seconds|probe_dns_duration_seconds", site=~"$site", probe=~"$probe"}) * 1000`,
              legend: '{{phase}}',
            },
          ],
          timestream: [
            select({
              table: 'probes',
              measureNames: ['probe'],
              values: [
                { agg: 'avg', column: 'dns_ms', as: 'dns' },
                { agg: 'avg', column: 'connect_ms', as: 'connect' },
                { agg: 'avg', column: 'tls_ms', as: 'tls' },
                { agg: 'avg', column: 'first_byte_ms', as: 'first_byte' },
                { agg: 'avg', column: 'transfer_ms', as: 'transfer' },
              ],
              where,
              bin: true,
            }),
          ],
        },
      ],
    },
  ],
};

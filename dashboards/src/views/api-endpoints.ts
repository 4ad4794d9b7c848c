import { sel } from '../promql.js';
import { higherIsWorse, lowerIsWorse, UP_DOWN, type DashboardSpec } from '../spec.js';
import { RULE_THRESHOLDS } from '../thresholds.js';
import { select } from '../timestream/query.js';

const V = ['site', 'probe'] as const;
const where = [
  { column: 'site', variable: 'site' },
  { column: 'probe', variable: 'probe' },
] as const;
const { warning, critical } = RULE_THRESHOLDS.responseTimeMs;

export const API_ENDPOINTS_PANELS = {
  status: 1,
  responseTimes: 2,
  slowest: 3,
  failureRatio: 4,
  statusCodes: 5,
} as const;

/** Seed views 4.8 and 4.9, "API endpoint Monitoring" and "API Response time": every endpoint side by side. */
export const apiEndpointsDashboard: DashboardSpec = {
  uid: 'pflow-api-endpoints',
  title: 'PerformanceFlow / API endpoints',
  description: 'All endpoints side by side: up or down now, response times, the slowest, failure ratio, status codes.',
  seedView: '4.8 API endpoint Monitoring, 4.9 API Response time',
  tags: ['api', 'probes'],
  variables: ['site', 'probe'],
  items: [
    {
      id: API_ENDPOINTS_PANELS.status,
      title: 'Endpoints now',
      kind: 'table',
      unit: 'none',
      mappings: UP_DOWN,
      grid: { x: 0, y: 0, w: 10, h: 9 },
      prom: [{ expr: `max by (probe, instance) (${sel('probe_success', V)})`, legend: '{{probe}}' }],
      timestream: [
        select({
          table: 'probes',
          measureNames: ['probe'],
          by: ['probe', 'target'],
          values: [{ agg: 'last', column: 'success', as: 'success' }],
          where,
          lastWindow: '1h',
        }),
      ],
    },
    {
      id: API_ENDPOINTS_PANELS.responseTimes,
      title: 'Response time per endpoint',
      description: `Orange above ${warning} ms, red above ${critical} ms: the latency rules' thresholds.`,
      kind: 'timeseries',
      unit: 'ms',
      min: 0,
      thresholds: higherIsWorse(warning, critical),
      grid: { x: 10, y: 0, w: 14, h: 9 },
      prom: [{ expr: `max by (probe) (${sel('probe_duration_seconds', V)}) * 1000`, legend: '{{probe}}' }],
      timestream: [
        select({
          table: 'probes',
          measureNames: ['probe'],
          by: ['probe'],
          values: [{ agg: 'avg', column: 'duration_ms', as: 'duration_ms' }],
          where,
          bin: true,
        }),
      ],
    },
    {
      id: API_ENDPOINTS_PANELS.slowest,
      title: 'Slowest endpoints, last hour (average)',
      kind: 'bar-gauge',
      unit: 'ms',
      min: 0,
      thresholds: higherIsWorse(warning, critical),
      grid: { x: 0, y: 9, w: 12, h: 8 },
      prom: [
        {
          expr: `topk(10, avg by (probe) (avg_over_time(${sel('probe_duration_seconds', V)}[1h])) * 1000)`,
          instant: true,
          legend: '{{probe}}',
        },
      ],
      timestream: [
        select({
          table: 'probes',
          measureNames: ['probe'],
          by: ['probe'],
          values: [{ agg: 'avg', column: 'duration_ms', as: 'duration_ms' }],
          where,
          lastWindow: '1h',
          orderBy: { alias: 'duration_ms', direction: 'DESC' },
          limit: 10,
        }),
      ],
    },
    {
      id: API_ENDPOINTS_PANELS.failureRatio,
      title: 'Availability per endpoint, last hour',
      kind: 'bar-gauge',
      unit: 'percentunit',
      min: 0,
      max: 1,
      thresholds: lowerIsWorse(0.99),
      grid: { x: 12, y: 9, w: 12, h: 8 },
      prom: [
        { expr: `avg by (probe) (avg_over_time(${sel('probe_success', V)}[1h]))`, instant: true, legend: '{{probe}}' },
      ],
      timestream: [
        select({
          table: 'probes',
          measureNames: ['probe'],
          by: ['probe'],
          values: [{ agg: 'avg', column: 'success', as: 'availability' }],
          where,
          lastWindow: '1h',
        }),
      ],
    },
    {
      id: API_ENDPOINTS_PANELS.statusCodes,
      title: 'HTTP status codes',
      kind: 'state-timeline',
      unit: 'none',
      thresholds: higherIsWorse(400, 500),
      grid: { x: 0, y: 17, w: 24, h: 7 },
      prom: [{ expr: `max by (probe) (${sel('probe_http_status_code', V)})`, legend: '{{probe}}' }],
      timestream: [
        select({
          table: 'probes',
          measureNames: ['probe'],
          by: ['probe'],
          values: [{ agg: 'max', column: 'status_code', as: 'status_code' }],
          where: [...where, { column: 'status_code', isNotNull: true }],
          bin: true,
        }),
      ],
    },
  ],
};

import { sel } from '../promql.js';
import type { DashboardSpec } from '../spec.js';
import { select } from '../timestream/query.js';
import { byVariables, tsMetric } from './common.js';

const V = ['site', 'agent'] as const;
const RUNNING = [
  { value: '1', text: 'RUNNING', color: 'green' },
  { value: '0', text: 'NOT RUNNING', color: 'red' },
] as const;

export const WINDOWS_PANELS = { notRunning: 1, services: 2, processCpu: 3, processMemory: 4 } as const;

/**
 * Seed view 4.7, "Windows Process Status", from windows_exporter (v0.31 names: the agent maps
 * older ones): services running or not, CPU and memory per process.
 */
export const windowsProcessesDashboard: DashboardSpec = {
  uid: 'pflow-windows-processes',
  title: 'PerformanceFlow / Windows processes',
  description: 'Windows services running or not, CPU and private memory per process (windows_exporter).',
  seedView: '4.7 Windows Process Status',
  tags: ['windows', 'agents'],
  variables: ['site', 'agent'],
  items: [
    {
      id: WINDOWS_PANELS.notRunning,
      title: 'Services not running',
      kind: 'stat',
      unit: 'short',
      noValue: '0',
      thresholds: [
        { value: null, color: 'green' },
        { value: 1, color: 'red' },
      ],
      grid: { x: 0, y: 0, w: 6, h: 7 },
      prom: [
        {
          expr: `count by (agent) (${sel('windows_service_state', V, ['state="running"'])} == 0)`,
          instant: true,
          legend: '{{agent}}',
        },
      ],
      timestream: [
        select({
          table: 'metrics',
          measureNames: ['windows_service_state'],
          by: ['agent'],
          values: [{ agg: 'count_distinct', column: 'name', as: 'not_running' }],
          where: [
            ...byVariables(V),
            { column: 'state', equals: 'running' },
            { column: 'measure_value::double', op: '=', number: 0 },
          ],
          lastWindow: '5m',
        }),
      ],
    },
    {
      id: WINDOWS_PANELS.services,
      title: 'Service status over time',
      kind: 'state-timeline',
      unit: 'none',
      mappings: RUNNING,
      thresholds: [
        { value: null, color: 'red' },
        { value: 1, color: 'green' },
      ],
      grid: { x: 6, y: 0, w: 18, h: 7 },
      prom: [
        {
          expr: `max by (instance, name) (${sel('windows_service_state', V, ['state="running"'])})`,
          legend: '{{instance}} {{name}}',
        },
      ],
      timestream: [
        tsMetric(['windows_service_state'], {
          agg: 'min',
          as: 'running',
          variables: V,
          by: ['instance', 'name'],
          where: [{ column: 'state', equals: 'running' }],
          bin: true,
        }),
      ],
    },
    {
      id: WINDOWS_PANELS.processCpu,
      title: 'CPU per process',
      description: '100% is one core.',
      kind: 'timeseries',
      unit: 'percentunit',
      min: 0,
      grid: { x: 0, y: 7, w: 12, h: 8 },
      prom: [
        {
          expr: `sum by (instance, process) (rate(${sel('windows_process_cpu_time_total', V)}[$__rate_interval]))`,
          legend: '{{instance}} {{process}}',
        },
      ],
      timestream: [
        tsMetric(['windows_process_cpu_time_total'], {
          agg: 'increase_per_second',
          as: 'cpu',
          variables: V,
          by: ['instance', 'process'],
          bin: true,
        }),
      ],
    },
    {
      id: WINDOWS_PANELS.processMemory,
      title: 'Private memory per process',
      kind: 'timeseries',
      unit: 'bytes',
      min: 0,
      grid: { x: 12, y: 7, w: 12, h: 8 },
      prom: [
        {
          expr: `sum by (instance, process) (${sel('windows_process_working_set_private_bytes', V)})`,
          legend: '{{instance}} {{process}}',
        },
      ],
      timestream: [
        tsMetric(['windows_process_working_set_private_bytes'], {
          agg: 'avg',
          as: 'memory',
          variables: V,
          by: ['instance', 'process'],
          bin: true,
        }),
      ],
    },
  ],
};

import { sel } from '../promql.js';
import type { DashboardSpec } from '../spec.js';
import { tsMetric } from './common.js';

const V = ['site', 'agent'] as const;
const NAMED = ['name!=""'];

export const CONTAINER_PANELS = {
  running: 1,
  list: 2,
  cpu: 3,
  memory: 4,
  networkReceive: 5,
  networkTransmit: 6,
} as const;

/** Seed views 4.3–4.5, "Containers Monitoring": every container cAdvisor reports, CPU and memory per container. */
export const containersDashboard: DashboardSpec = {
  uid: 'pflow-containers',
  title: 'PerformanceFlow / Containers',
  description: 'Containers on the agents’ hosts (cAdvisor): running, CPU, memory and network per container.',
  seedView: '4.3 Containers Monitoring Dashboard, 4.4 CPU usage, 4.5 memory usage',
  tags: ['containers', 'agents'],
  variables: ['site', 'agent'],
  items: [
    {
      id: CONTAINER_PANELS.running,
      title: 'Running containers',
      kind: 'stat',
      unit: 'short',
      noValue: '0',
      grid: { x: 0, y: 0, w: 6, h: 8 },
      prom: [
        {
          expr: `count by (agent) (count by (agent, name) (${sel('container_last_seen', V, NAMED)}))`,
          instant: true,
          legend: '{{agent}}',
        },
      ],
      timestream: [
        tsMetric(['container_last_seen'], {
          agg: 'count_distinct',
          as: 'containers',
          variables: V,
          by: ['agent'],
          lastWindow: '5m',
        }),
      ],
    },
    {
      id: CONTAINER_PANELS.list,
      title: 'Containers: memory now',
      kind: 'table',
      unit: 'bytes',
      grid: { x: 6, y: 0, w: 18, h: 8 },
      prom: [
        {
          expr: `sum by (agent, name, image) (${sel('container_memory_working_set_bytes', V, NAMED)})`,
          legend: '{{name}}',
        },
      ],
      timestream: [
        tsMetric(['container_memory_working_set_bytes'], {
          agg: 'last',
          as: 'memory',
          variables: V,
          by: ['agent', 'name', 'image'],
          lastWindow: '5m',
          orderBy: { alias: 'memory', direction: 'DESC' },
        }),
      ],
    },
    {
      id: CONTAINER_PANELS.cpu,
      title: 'CPU usage per container',
      description: '100% is one core.',
      kind: 'timeseries',
      unit: 'percentunit',
      min: 0,
      grid: { x: 0, y: 8, w: 12, h: 8 },
      prom: [
        {
          expr: `sum by (name) (rate(${sel('container_cpu_usage_seconds_total', V, NAMED)}[$__rate_interval]))`,
          legend: '{{name}}',
        },
      ],
      timestream: [
        tsMetric(['container_cpu_usage_seconds_total'], {
          agg: 'increase_per_second',
          as: 'cpu',
          variables: V,
          by: ['name'],
          bin: true,
        }),
      ],
    },
    {
      id: CONTAINER_PANELS.memory,
      title: 'Memory usage per container',
      kind: 'timeseries',
      unit: 'bytes',
      min: 0,
      grid: { x: 12, y: 8, w: 12, h: 8 },
      prom: [{ expr: `sum by (name) (${sel('container_memory_working_set_bytes', V, NAMED)})`, legend: '{{name}}' }],
      timestream: [
        tsMetric(['container_memory_working_set_bytes'], {
          agg: 'avg',
          as: 'memory',
          variables: V,
          by: ['name'],
          bin: true,
        }),
      ],
    },
    {
      id: CONTAINER_PANELS.networkReceive,
      title: 'Network received per container',
      kind: 'timeseries',
      unit: 'Bps',
      min: 0,
      grid: { x: 0, y: 16, w: 12, h: 7 },
      prom: [
        {
          expr: `sum by (name) (rate(${sel('container_network_receive_bytes_total', V, NAMED)}[$__rate_interval]))`,
          legend: '{{name}}',
        },
      ],
      timestream: [
        tsMetric(['container_network_receive_bytes_total'], {
          agg: 'increase_per_second',
          as: 'received',
          variables: V,
          by: ['name'],
          bin: true,
        }),
      ],
    },
    {
      id: CONTAINER_PANELS.networkTransmit,
      title: 'Network sent per container',
      kind: 'timeseries',
      unit: 'Bps',
      min: 0,
      grid: { x: 12, y: 16, w: 12, h: 7 },
      prom: [
        {
          expr: `sum by (name) (rate(${sel('container_network_transmit_bytes_total', V, NAMED)}[$__rate_interval]))`,
          legend: '{{name}}',
        },
      ],
      timestream: [
        tsMetric(['container_network_transmit_bytes_total'], {
          agg: 'increase_per_second',
          as: 'sent',
          variables: V,
          by: ['name'],
          bin: true,
        }),
      ],
    },
  ],
};

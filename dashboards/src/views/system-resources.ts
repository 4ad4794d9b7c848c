import { sel } from '../promql.js';
import { lowerIsWorse, UP_DOWN, type DashboardSpec } from '../spec.js';
import { RULE_THRESHOLDS } from '../thresholds.js';
import { tsMetric } from './common.js';

const HOST = ['site', 'agent', 'job'] as const;
const AGENT = ['site', 'agent'] as const;

export const SYSTEM_PANELS = {
  runningContainers: 1,
  cpuBusy: 2,
  memoryAvailable: 3,
  filesystemAvailable: 4,
  load: 5,
  containerCpu: 6,
  containerMemory: 7,
  targetsUp: 8,
} as const;

/**
 * Seed view 4.1, "Dashboard of PerformanceFlow System": the hosts an agent scrapes (node_exporter:
 * CPU, memory, disk, load) and the containers running on them (cAdvisor: count, CPU and memory per
 * container). Container panels ignore `job` (cAdvisor is its own job).
 */
export const systemResourcesDashboard: DashboardSpec = {
  uid: 'pflow-system-resources',
  title: 'PerformanceFlow / System resources',
  description: 'Hosts (node_exporter) and containers (cAdvisor) an agent scrapes: CPU, memory, disk, load, containers.',
  seedView: '4.1 Dashboard of PerformanceFlow System',
  tags: ['system', 'agents'],
  variables: ['site', 'agent', 'job'],
  items: [
    {
      id: SYSTEM_PANELS.runningContainers,
      title: 'Running containers',
      kind: 'stat',
      unit: 'short',
      noValue: '0',
      grid: { x: 0, y: 0, w: 4, h: 6 },
      prom: [
        {
          expr: `count by (site) (count by (site, name) (${sel('container_last_seen', AGENT, ['name!=""'])}))`,
          instant: true,
          legend: '{{site}}',
        },
      ],
      timestream: [
        tsMetric(['container_last_seen'], {
          agg: 'count_distinct',
          as: 'containers',
          variables: AGENT,
          by: ['site'],
          lastWindow: '5m',
        }),
      ],
    },
    {
      id: SYSTEM_PANELS.cpuBusy,
      title: 'CPU busy',
      description: 'Share of CPU time not idle.',
      kind: 'timeseries',
      unit: 'percentunit',
      min: 0,
      max: 1,
      grid: { x: 4, y: 0, w: 10, h: 6 },
      prom: [
        {
          expr: `1 - avg by (instance) (rate(${sel('node_cpu_seconds_total', HOST, ['mode="idle"'])}[$__rate_interval]))`,
          legend: '{{instance}}',
        },
      ],
      timestream: [
        tsMetric(['node_cpu_seconds_total'], {
          agg: 'increase_per_second',
          as: 'busy',
          times: -1,
          plus: 1,
          variables: HOST,
          by: ['instance', 'cpu'],
          where: [{ column: 'mode', equals: 'idle' }],
          bin: true,
        }),
      ],
    },
    {
      id: SYSTEM_PANELS.memoryAvailable,
      title: 'Memory available',
      kind: 'timeseries',
      unit: 'bytes',
      min: 0,
      grid: { x: 14, y: 0, w: 10, h: 6 },
      prom: [{ expr: sel('node_memory_MemAvailable_bytes', HOST), legend: '{{instance}}' }],
      timestream: [
        tsMetric(['node_memory_MemAvailable_bytes'], {
          agg: 'avg',
          as: 'available',
          variables: HOST,
          by: ['instance'],
          bin: true,
        }),
      ],
    },
    {
      id: SYSTEM_PANELS.filesystemAvailable,
      title: 'Disk space available',
      description: `Red below ${RULE_THRESHOLDS.filesystemAvailBytes / 1e9} GB, the capacity rule's threshold.`,
      kind: 'timeseries',
      unit: 'bytes',
      min: 0,
      thresholds: lowerIsWorse(RULE_THRESHOLDS.filesystemAvailBytes),
      grid: { x: 0, y: 6, w: 12, h: 7 },
      prom: [
        {
          expr: `min by (instance, mountpoint) (${sel('node_filesystem_avail_bytes', HOST, ['fstype!~"tmpfs|overlay|squashfs"'])})`,
          legend: '{{instance}} {{mountpoint}}',
        },
      ],
      timestream: [
        tsMetric(['node_filesystem_avail_bytes'], {
          agg: 'min',
          as: 'available',
          variables: HOST,
          by: ['instance', 'mountpoint'],
          bin: true,
        }),
      ],
    },
    {
      id: SYSTEM_PANELS.load,
      title: 'Load (1 minute)',
      kind: 'timeseries',
      unit: 'short',
      min: 0,
      grid: { x: 12, y: 6, w: 12, h: 7 },
      prom: [{ expr: sel('node_load1', HOST), legend: '{{instance}}' }],
      timestream: [tsMetric(['node_load1'], { agg: 'avg', as: 'load1', variables: HOST, by: ['instance'], bin: true })],
    },
    {
      id: SYSTEM_PANELS.containerCpu,
      title: 'CPU usage per container',
      description: '100% is one core.',
      kind: 'timeseries',
      unit: 'percentunit',
      min: 0,
      grid: { x: 0, y: 13, w: 12, h: 8 },
      prom: [
        {
          expr: `sum by (name) (rate(${sel('container_cpu_usage_seconds_total', AGENT, ['name!=""'])}[$__rate_interval]))`,
          legend: '{{name}}',
        },
      ],
      timestream: [
        tsMetric(['container_cpu_usage_seconds_total'], {
          agg: 'increase_per_second',
          as: 'cpu',
          variables: AGENT,
          by: ['name'],
          bin: true,
        }),
      ],
    },
    {
      id: SYSTEM_PANELS.containerMemory,
      title: 'Memory usage per container',
      kind: 'timeseries',
      unit: 'bytes',
      min: 0,
      grid: { x: 12, y: 13, w: 12, h: 8 },
      prom: [
        {
          expr: `sum by (name) (${sel('container_memory_working_set_bytes', AGENT, ['name!=""'])})`,
          legend: '{{name}}',
        },
      ],
      timestream: [
        tsMetric(['container_memory_working_set_bytes'], {
          agg: 'avg',
          as: 'memory',
          variables: AGENT,
          by: ['name'],
          bin: true,
        }),
      ],
    },
    {
      id: SYSTEM_PANELS.targetsUp,
      title: 'Scrape targets',
      kind: 'state-timeline',
      unit: 'none',
      mappings: UP_DOWN,
      thresholds: [
        { value: null, color: 'red' },
        { value: 1, color: 'green' },
      ],
      grid: { x: 0, y: 21, w: 24, h: 6 },
      prom: [{ expr: sel('up', HOST), legend: '{{job}} {{instance}}' }],
      timestream: [tsMetric(['up'], { agg: 'min', as: 'up', variables: HOST, by: ['job', 'instance'], bin: true })],
    },
  ],
};

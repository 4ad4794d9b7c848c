import { sel } from '../promql.js';
import { higherIsWorse, UP_DOWN, type DashboardSpec } from '../spec.js';
import { WATCH_LEVELS } from '../thresholds.js';
import { tsMetric } from './common.js';

const A = ['site', 'agent'] as const;
const T = ['site', 'agent', 'job'] as const;
const { warning, critical } = WATCH_LEVELS.agentSilentSeconds;

export const AGENT_PANELS = {
  lastForward: 1,
  versions: 2,
  bufferBytes: 3,
  oldestBuffered: 4,
  droppedSamples: 5,
  scrapeErrors: 6,
  targets: 7,
  scrapeDuration: 8,
  samplesScraped: 9,
} as const;

/**
 * The on-prem agents from their heartbeat (the agent contract: `pflow_agent_*`, labels `agent` and
 * `site`) and their scrape targets (`up`, `scrape_*` per `job` and `instance`).
 */
export const agentsDashboard: DashboardSpec = {
  uid: 'pflow-agents',
  title: 'PerformanceFlow / Agents',
  description: 'On-prem agents: last contact, version, disk buffer, dropped samples, scrape errors and targets.',
  seedView: 'The seed’s remote agent, now the on-prem agent (issue 9): is it forwarding, and what is it scraping',
  tags: ['agents'],
  variables: ['site', 'agent', 'job'],
  items: [
    {
      id: AGENT_PANELS.lastForward,
      title: 'Time since last forward',
      description: `Orange after ${warning} s, red after ${critical} s without a forward.`,
      kind: 'stat',
      unit: 's',
      decimals: 0,
      thresholds: higherIsWorse(warning, critical),
      grid: { x: 0, y: 0, w: 12, h: 6 },
      prom: [
        {
          expr: `time() - max by (agent) (max_over_time(${sel('pflow_agent_last_forward_timestamp_seconds', A)}[1d]))`,
          instant: true,
          legend: '{{agent}}',
        },
      ],
      timestream: [
        tsMetric(['pflow_agent_last_forward_timestamp_seconds'], {
          agg: 'seconds_since_max',
          as: 'silent_for',
          variables: A,
          by: ['agent'],
          lastWindow: '1d',
        }),
      ],
    },
    {
      id: AGENT_PANELS.versions,
      title: 'Versions',
      kind: 'table',
      unit: 'none',
      grid: { x: 12, y: 0, w: 12, h: 6 },
      prom: [
        {
          expr: `max by (agent, version) (last_over_time(${sel('pflow_agent_info', A)}[1d]))`,
          legend: '{{agent}}',
        },
      ],
      timestream: [
        tsMetric(['pflow_agent_info'], {
          agg: 'last',
          as: 'info',
          variables: A,
          by: ['agent', 'version'],
          lastWindow: '1d',
        }),
      ],
    },
    {
      id: AGENT_PANELS.bufferBytes,
      title: 'Disk buffer size',
      description: 'Bytes waiting to be forwarded; it grows while the link or the ingest is down.',
      kind: 'timeseries',
      unit: 'bytes',
      min: 0,
      grid: { x: 0, y: 6, w: 12, h: 7 },
      prom: [{ expr: `max by (agent) (${sel('pflow_agent_buffer_bytes', A)})`, legend: '{{agent}}' }],
      timestream: [
        tsMetric(['pflow_agent_buffer_bytes'], { agg: 'max', as: 'bytes', variables: A, by: ['agent'], bin: true }),
      ],
    },
    {
      id: AGENT_PANELS.oldestBuffered,
      title: 'Oldest buffered batch',
      kind: 'timeseries',
      unit: 's',
      min: 0,
      thresholds: higherIsWorse(warning, critical),
      grid: { x: 12, y: 6, w: 12, h: 7 },
      prom: [{ expr: `max by (agent) (${sel('pflow_agent_buffer_oldest_age_seconds', A)})`, legend: '{{agent}}' }],
      timestream: [
        tsMetric(['pflow_agent_buffer_oldest_age_seconds'], {
          agg: 'max',
          as: 'age',
          variables: A,
          by: ['agent'],
          bin: true,
        }),
      ],
    },
    {
      id: AGENT_PANELS.droppedSamples,
      title: 'Samples dropped',
      description: 'Dropped by the buffer size cap or refused by the ingest as invalid; never retried.',
      kind: 'timeseries',
      unit: 'cps',
      min: 0,
      grid: { x: 0, y: 13, w: 12, h: 7 },
      prom: [
        {
          expr: `sum by (agent) (rate(${sel('pflow_agent_dropped_samples_total', A)}[$__rate_interval]))`,
          legend: '{{agent}}',
        },
      ],
      timestream: [
        tsMetric(['pflow_agent_dropped_samples_total'], {
          agg: 'increase_per_second',
          as: 'dropped',
          variables: A,
          by: ['agent'],
          bin: true,
        }),
      ],
    },
    {
      id: AGENT_PANELS.scrapeErrors,
      title: 'Scrape errors',
      kind: 'timeseries',
      unit: 'cps',
      min: 0,
      grid: { x: 12, y: 13, w: 12, h: 7 },
      prom: [
        {
          expr: `sum by (agent) (rate(${sel('pflow_agent_scrape_errors_total', A)}[$__rate_interval]))`,
          legend: '{{agent}}',
        },
      ],
      timestream: [
        tsMetric(['pflow_agent_scrape_errors_total'], {
          agg: 'increase_per_second',
          as: 'errors',
          variables: A,
          by: ['agent'],
          bin: true,
        }),
      ],
    },
    {
      id: AGENT_PANELS.targets,
      title: 'Scrape targets',
      kind: 'state-timeline',
      unit: 'none',
      mappings: UP_DOWN,
      thresholds: [
        { value: null, color: 'red' },
        { value: 1, color: 'green' },
      ],
      grid: { x: 0, y: 20, w: 24, h: 7 },
      prom: [{ expr: sel('up', T), legend: '{{agent}} {{job}} {{instance}}' }],
      timestream: [
        tsMetric(['up'], { agg: 'min', as: 'up', variables: T, by: ['agent', 'job', 'instance'], bin: true }),
      ],
    },
    {
      id: AGENT_PANELS.scrapeDuration,
      title: 'Scrape duration',
      kind: 'timeseries',
      unit: 's',
      min: 0,
      grid: { x: 0, y: 27, w: 12, h: 7 },
      prom: [{ expr: sel('scrape_duration_seconds', T), legend: '{{job}} {{instance}}' }],
      timestream: [
        tsMetric(['scrape_duration_seconds'], {
          agg: 'max',
          as: 'duration',
          variables: T,
          by: ['job', 'instance'],
          bin: true,
        }),
      ],
    },
    {
      id: AGENT_PANELS.samplesScraped,
      title: 'Samples per scrape',
      kind: 'timeseries',
      unit: 'short',
      min: 0,
      grid: { x: 12, y: 27, w: 12, h: 7 },
      prom: [{ expr: sel('scrape_samples_scraped', T), legend: '{{job}} {{instance}}' }],
      timestream: [
        tsMetric(['scrape_samples_scraped'], {
          agg: 'max',
          as: 'samples',
          variables: T,
          by: ['job', 'instance'],
          bin: true,
        }),
      ],
    },
  ],
};

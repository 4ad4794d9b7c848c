import { sel } from '../promql.js';
import { UP_DOWN, type DashboardSpec } from '../spec.js';
import { tsMetric } from './common.js';

const V = ['site', 'agent'] as const;
/** The database exporters' own health series: postgres_exporter and mysqld_exporter. */
const UP_SERIES = ['pg_up', 'mysql_up'] as const;
const upSelector = `{__name__=~"${UP_SERIES.join('|')}", site=~"$site", agent=~"$agent"}`;

export const DATABASE_PANELS = { status: 1, history: 2, postgresConnections: 3, mysqlConnections: 4 } as const;

/** Seed view 4.6, "Database Status": is each database answering its exporter, and how many connections. */
export const databasesDashboard: DashboardSpec = {
  uid: 'pflow-databases',
  title: 'PerformanceFlow / Databases',
  description: 'Database status from postgres_exporter (pg_up) and mysqld_exporter (mysql_up), and connections.',
  seedView: '4.6 Database Status',
  tags: ['databases', 'agents'],
  variables: ['site', 'agent'],
  items: [
    {
      id: DATABASE_PANELS.status,
      title: 'Database status',
      kind: 'stat',
      unit: 'none',
      mappings: UP_DOWN,
      thresholds: [
        { value: null, color: 'red' },
        { value: 1, color: 'green' },
      ],
      grid: { x: 0, y: 0, w: 24, h: 5 },
      prom: [{ expr: `max by (job, instance) (${upSelector})`, instant: true, legend: '{{job}} {{instance}}' }],
      timestream: [
        tsMetric(UP_SERIES, { agg: 'last', as: 'up', variables: V, by: ['job', 'instance'], lastWindow: '5m' }),
      ],
    },
    {
      id: DATABASE_PANELS.history,
      title: 'Status over time',
      kind: 'state-timeline',
      unit: 'none',
      mappings: UP_DOWN,
      thresholds: [
        { value: null, color: 'red' },
        { value: 1, color: 'green' },
      ],
      grid: { x: 0, y: 5, w: 24, h: 6 },
      prom: [{ expr: `min by (job, instance) (${upSelector})`, legend: '{{job}} {{instance}}' }],
      timestream: [tsMetric(UP_SERIES, { agg: 'min', as: 'up', variables: V, by: ['job', 'instance'], bin: true })],
    },
    {
      id: DATABASE_PANELS.postgresConnections,
      title: 'PostgreSQL connections',
      kind: 'timeseries',
      unit: 'short',
      min: 0,
      grid: { x: 0, y: 11, w: 12, h: 7 },
      prom: [
        {
          expr: `sum by (instance, datname) (${sel('pg_stat_database_numbackends', V)})`,
          legend: '{{instance}} {{datname}}',
        },
      ],
      timestream: [
        tsMetric(['pg_stat_database_numbackends'], {
          agg: 'avg',
          as: 'connections',
          variables: V,
          by: ['instance', 'datname'],
          bin: true,
        }),
      ],
    },
    {
      id: DATABASE_PANELS.mysqlConnections,
      title: 'MySQL connections',
      kind: 'timeseries',
      unit: 'short',
      min: 0,
      grid: { x: 12, y: 11, w: 12, h: 7 },
      prom: [
        { expr: `sum by (instance) (${sel('mysql_global_status_threads_connected', V)})`, legend: '{{instance}}' },
      ],
      timestream: [
        tsMetric(['mysql_global_status_threads_connected'], {
          agg: 'avg',
          as: 'connections',
          variables: V,
          by: ['instance'],
          bin: true,
        }),
      ],
    },
  ],
};

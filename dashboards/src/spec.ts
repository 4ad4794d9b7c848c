import type { TimestreamQuery } from './timestream/query.js';

/**
 * A dashboard described once for both metric stores: each panel carries its PromQL (AMP or any
 * Prometheus) and its Timestream SQL side by side, so the two renderings cannot drift apart in
 * layout, ids, units or thresholds — only the queries differ.
 */

export type Backend = 'amp' | 'timestream';
export const BACKENDS: readonly Backend[] = ['amp', 'timestream'];

/** The template variables every dashboard draws from (README "Dashboards"). */
export type VariableName = QueryVariableName | 'search';
/** The variables whose values come from a query; `search` is a free text box. */
export type QueryVariableName = 'site' | 'probe' | 'agent' | 'job';

export interface PromTarget {
  readonly expr: string;
  readonly legend?: string;
  /** One value per series (stat, table) instead of a range. */
  readonly instant?: boolean;
}

/**
 * A CloudWatch metric query, for the few panels whose figures live in neither metric store: the
 * deliver function's EMF counts (README "Dashboards"). Such a panel reads CloudWatch in both
 * renderings, through the CloudWatch data source the provisioning adds beside the store's.
 */
export interface CloudWatchTarget {
  readonly namespace: string;
  readonly metricName: string;
  /** Dimension filters; `*` gives one series per value of that dimension. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'SampleCount';
  /** The series name: a dynamic label such as `${PROP('Dim.channel')}`. */
  readonly label?: string;
}

export interface Step {
  readonly value: number | null;
  readonly color: string;
}

export interface ValueText {
  readonly value: string;
  readonly text: string;
  readonly color: string;
}

export type PanelKind = 'stat' | 'timeseries' | 'table' | 'state-timeline' | 'bar-gauge' | 'bar-chart';

export interface PanelSpec {
  /** Stable: an alert's dashboard link opens this panel with `viewPanel=<id>`. */
  readonly id: number;
  readonly title: string;
  readonly description?: string;
  readonly kind: PanelKind;
  /** A Grafana unit id: `ms`, `s`, `percentunit`, `bytes`, `short`, `d`, `bool_yes_no`… */
  readonly unit: string;
  readonly decimals?: number;
  readonly min?: number;
  readonly max?: number;
  /** Absolute steps; the first has value null (the base colour). */
  readonly thresholds?: readonly Step[];
  readonly mappings?: readonly ValueText[];
  /** Shown when the query returns nothing (e.g. `0` alerts firing, `NO` TLS). */
  readonly noValue?: string;
  readonly grid: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly prom: readonly PromTarget[];
  readonly timestream: readonly TimestreamQuery[];
  /** Set (and prom, timestream empty) when the panel reads CloudWatch, whichever the metric store. */
  readonly cloudwatch?: readonly CloudWatchTarget[];
}

export interface RowSpec {
  readonly row: string;
  readonly id: number;
  readonly y: number;
  /** Repeat the row (and the panels under it) once per value of this variable. */
  readonly repeat?: VariableName;
  readonly panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  /** The seed report view this dashboard answers (chapter 4), or why it exists. */
  readonly seedView: string;
  readonly tags: readonly string[];
  readonly variables: readonly VariableName[];
  readonly time?: { readonly from: string; readonly to: string };
  readonly items: readonly (PanelSpec | RowSpec)[];
}

export function isRow(item: PanelSpec | RowSpec): item is RowSpec {
  return 'row' in item;
}

/** Every panel of a dashboard, rows flattened. */
export function panelsOf(spec: DashboardSpec): PanelSpec[] {
  return spec.items.flatMap((item) => (isRow(item) ? item.panels : [item]));
}

/** Steps coloured green below `warning`, orange from it, red from `critical` (higher is worse). */
export function higherIsWorse(warning: number, critical?: number): Step[] {
  return [
    { value: null, color: 'green' },
    { value: warning, color: 'orange' },
    ...(critical !== undefined ? [{ value: critical, color: 'red' }] : []),
  ];
}

/** Steps coloured red below `critical`, orange below `warning`, green from `warning` (lower is worse). */
export function lowerIsWorse(critical: number, warning?: number): Step[] {
  return [
    { value: null, color: 'red' },
    ...(warning !== undefined ? [{ value: critical, color: 'orange' }] : []),
    { value: warning ?? critical, color: 'green' },
  ];
}

/** 1 = up (green), 0 = down (red): probe_success, up, pg_up… */
export const UP_DOWN: readonly ValueText[] = [
  { value: '1', text: 'UP', color: 'green' },
  { value: '0', text: 'DOWN', color: 'red' },
];

import { sel } from '../promql.js';
import { higherIsWorse, lowerIsWorse, type DashboardSpec } from '../spec.js';
import { RULE_THRESHOLDS } from '../thresholds.js';
import { rollup } from '../timestream/query.js';
import { tsMetric } from './common.js';

const S = ['site'] as const;
const bySite = [{ column: 'site', variable: 'site' }] as const;
/** A tag counts as active when it was seen within this many seconds. */
export const ACTIVE_WITHIN_SECONDS = 300;

export const TAG_PANELS = {
  activeNow: 1,
  activity: 2,
  perDay: 3,
  missing: 4,
  leftBuilding: 5,
  battery: 6,
  parShortfall: 7,
  occupancy: 8,
  waitP90: 9,
  whereIs: 10,
  utilization: 11,
  idle: 12,
} as const;

/** The where-is table's search: asset id, type or zone name containing the text box's value. */
const SEARCHED = ['asset', 'type', 'zone_name'] as const;
/** `max by (…)` of the last-seen series once per searched label, joined with `or` (PromQL has no OR of matchers). */
function searchedLastSeen(by: string): string {
  return SEARCHED.map(
    (label) => `max by (${by}) (${sel('pflow_asset_last_seen_age_seconds', S, [`${label}=~"(?i).*$search.*"`])})`,
  ).join(' or ');
}

/**
 * Seed views 4.10 and 4.11, "Tags Activity" and "Tags per day", over the series the assets section
 * writes (README "The JSON API, and the series the rules read"), plus what its default rules alert
 * on: missing, left the building, battery, par levels, patient waits.
 */
export const rfidTagsDashboard: DashboardSpec = {
  uid: 'pflow-rfid-tags',
  title: 'PerformanceFlow / RF-ID tags and assets',
  description: 'Tag activity, tags per day, missing assets, batteries, par levels and patient flow.',
  seedView: '4.10 Tags Activity, 4.11 Tags per day',
  tags: ['assets', 'rfid'],
  variables: ['site', 'search'],
  items: [
    {
      id: TAG_PANELS.activeNow,
      title: `Tags seen in the last ${ACTIVE_WITHIN_SECONDS / 60} minutes`,
      kind: 'stat',
      unit: 'short',
      noValue: '0',
      thresholds: [{ value: null, color: 'blue' }],
      grid: { x: 0, y: 0, w: 6, h: 7 },
      prom: [
        {
          expr: `count by (site) (${sel('pflow_asset_last_seen_age_seconds', S)} < ${ACTIVE_WITHIN_SECONDS})`,
          instant: true,
          legend: '{{site}}',
        },
      ],
      timestream: [
        rollup(
          {
            table: 'metrics',
            measureNames: ['pflow_asset_last_seen_age_seconds'],
            by: ['site', 'asset'],
            values: [{ agg: 'last', column: 'measure_value::double', as: 'age' }],
            where: bySite,
            lastWindow: '5m',
          },
          {
            by: ['site'],
            values: [{ agg: 'count', of: 'age', as: 'active' }],
            where: [{ alias: 'age', op: '<', number: ACTIVE_WITHIN_SECONDS }],
          },
        ),
      ],
    },
    {
      id: TAG_PANELS.activity,
      title: 'Tag activity',
      description: `Tags seen within ${ACTIVE_WITHIN_SECONDS / 60} minutes, over time.`,
      kind: 'timeseries',
      unit: 'short',
      min: 0,
      grid: { x: 6, y: 0, w: 18, h: 7 },
      prom: [
        {
          expr: `count by (site) (${sel('pflow_asset_last_seen_age_seconds', S)} < ${ACTIVE_WITHIN_SECONDS})`,
          legend: '{{site}}',
        },
      ],
      timestream: [
        tsMetric(['pflow_asset_last_seen_age_seconds'], {
          agg: 'count_distinct',
          as: 'active',
          variables: S,
          by: ['site'],
          where: [{ column: 'measure_value::double', op: '<', number: ACTIVE_WITHIN_SECONDS }],
          bin: true,
        }),
      ],
    },
    {
      id: TAG_PANELS.perDay,
      title: 'Tags per day',
      description: 'Distinct tags seen each day.',
      kind: 'timeseries',
      unit: 'short',
      min: 0,
      grid: { x: 0, y: 7, w: 24, h: 7 },
      prom: [
        {
          expr: `count by (site) (min_over_time(${sel('pflow_asset_last_seen_age_seconds', S)}[1d]) < 86400)`,
          legend: '{{site}}',
        },
      ],
      timestream: [
        tsMetric(['pflow_asset_last_seen_age_seconds'], {
          agg: 'count_distinct',
          as: 'tags',
          variables: S,
          by: ['site'],
          where: [{ column: 'measure_value::double', op: '<', number: 86400 }],
          bin: '1d',
        }),
      ],
    },
    {
      id: TAG_PANELS.missing,
      title: 'Assets not seen recently',
      description: `Red from ${RULE_THRESHOLDS.assetLastSeenAgeSeconds / 60} minutes: the asset-missing rule.`,
      kind: 'table',
      unit: 's',
      thresholds: higherIsWorse(RULE_THRESHOLDS.assetLastSeenAgeSeconds),
      grid: { x: 0, y: 14, w: 12, h: 8 },
      prom: [
        {
          expr: `sort_desc(max by (asset, type, zone_name) (${sel('pflow_asset_last_seen_age_seconds', S)}))`,
          legend: '{{asset}}',
        },
      ],
      timestream: [
        tsMetric(['pflow_asset_last_seen_age_seconds'], {
          agg: 'last',
          as: 'age',
          variables: S,
          by: ['asset', 'type', 'zone_name'],
          lastWindow: '5m',
          orderBy: { alias: 'age', direction: 'DESC' },
        }),
      ],
    },
    {
      id: TAG_PANELS.leftBuilding,
      title: 'Left the building',
      kind: 'table',
      unit: 'none',
      mappings: [{ value: '1', text: 'LEFT', color: 'red' }],
      thresholds: higherIsWorse(RULE_THRESHOLDS.assetLeftBuilding),
      grid: { x: 12, y: 14, w: 12, h: 8 },
      prom: [{ expr: `max by (asset, type, zone_name) (${sel('pflow_asset_left_building', S)})`, legend: '{{asset}}' }],
      timestream: [
        tsMetric(['pflow_asset_left_building'], {
          agg: 'last',
          as: 'left_building',
          variables: S,
          by: ['asset', 'type', 'zone_name'],
          lastWindow: '5m',
        }),
      ],
    },
    {
      id: TAG_PANELS.battery,
      title: 'Tag battery',
      description: `Red below ${RULE_THRESHOLDS.batteryPercent}%: the tag-battery-low rule.`,
      kind: 'bar-gauge',
      unit: 'percent',
      min: 0,
      max: 100,
      thresholds: lowerIsWorse(RULE_THRESHOLDS.batteryPercent),
      grid: { x: 0, y: 22, w: 8, h: 9 },
      prom: [
        {
          expr: `bottomk(20, max by (asset, type) (${sel('pflow_asset_battery_percent', S)}))`,
          instant: true,
          legend: '{{asset}} ({{type}})',
        },
      ],
      timestream: [
        tsMetric(['pflow_asset_battery_percent'], {
          agg: 'last',
          as: 'battery',
          variables: S,
          by: ['asset', 'type'],
          lastWindow: '1h',
          orderBy: { alias: 'battery', direction: 'ASC' },
          limit: 20,
        }),
      ],
    },
    {
      id: TAG_PANELS.parShortfall,
      title: 'Par level shortfall',
      description: 'How many more of a type a zone needs to reach its par level (the zone-short rule fires above 0).',
      kind: 'bar-gauge',
      unit: 'short',
      min: 0,
      thresholds: higherIsWorse(RULE_THRESHOLDS.parShortfall + 1),
      grid: { x: 8, y: 22, w: 8, h: 9 },
      prom: [
        {
          expr: `max by (zone_name, type) (${sel('pflow_zone_par_shortfall', S)})`,
          instant: true,
          legend: '{{zone_name}}: {{type}}',
        },
      ],
      timestream: [
        tsMetric(['pflow_zone_par_shortfall'], {
          agg: 'last',
          as: 'shortfall',
          variables: S,
          by: ['zone_name', 'type'],
          lastWindow: '5m',
        }),
      ],
    },
    {
      id: TAG_PANELS.waitP90,
      title: 'Patient wait before each stage (p90, last day)',
      description: `Orange above ${RULE_THRESHOLDS.stageWaitP90Seconds / 60} minutes: the stage-wait rule.`,
      kind: 'bar-gauge',
      unit: 's',
      min: 0,
      thresholds: higherIsWorse(RULE_THRESHOLDS.stageWaitP90Seconds),
      grid: { x: 16, y: 22, w: 8, h: 9 },
      prom: [
        {
          expr: `max by (stage) (last_over_time(${sel('pflow_stage_wait_p90_seconds', S)}[1h]))`,
          instant: true,
          legend: '{{stage}}',
        },
      ],
      timestream: [
        tsMetric(['pflow_stage_wait_p90_seconds'], {
          agg: 'last',
          as: 'wait_p90',
          variables: S,
          by: ['stage'],
          lastWindow: '1h',
        }),
      ],
    },
    {
      id: TAG_PANELS.occupancy,
      title: 'Patients per stage',
      kind: 'timeseries',
      unit: 'short',
      min: 0,
      grid: { x: 0, y: 31, w: 24, h: 7 },
      prom: [{ expr: `sum by (stage) (${sel('pflow_stage_occupancy', S)})`, legend: '{{stage}}' }],
      timestream: [
        tsMetric(['pflow_stage_occupancy'], { agg: 'avg', as: 'patients', variables: S, by: ['stage'], bin: true }),
      ],
    },
    {
      id: TAG_PANELS.whereIs,
      title: 'Where is it',
      description:
        'Every asset whose id, type or zone name contains the Search box (any case), with the zone it was last seen in and how long ago; the most recently seen first. Red from the asset-missing rule.',
      kind: 'table',
      unit: 's',
      thresholds: higherIsWorse(RULE_THRESHOLDS.assetLastSeenAgeSeconds),
      grid: { x: 0, y: 38, w: 24, h: 10 },
      prom: [{ expr: `sort(${searchedLastSeen('site, asset, type, zone, zone_name')})`, legend: '{{asset}}' }],
      timestream: [
        tsMetric(['pflow_asset_last_seen_age_seconds'], {
          agg: 'last',
          as: 'last_seen_age',
          variables: S,
          by: ['site', 'asset', 'type', 'zone', 'zone_name'],
          where: [{ anyOf: SEARCHED, containsVariable: 'search' }],
          lastWindow: '5m',
          orderBy: { alias: 'last_seen_age', direction: 'ASC' },
        }),
      ],
    },
    {
      id: TAG_PANELS.utilization,
      title: 'Time in clinical zones per type (last day)',
      description:
        'Share of the seen time each type spent in clinical zones over the last day (the rest mostly in storage). Written every 15 minutes by the local runtime and by the asset function in AWS.',
      kind: 'bar-gauge',
      unit: 'percentunit',
      min: 0,
      max: 1,
      thresholds: [{ value: null, color: 'blue' }],
      grid: { x: 0, y: 48, w: 12, h: 9 },
      prom: [
        {
          expr: `max by (type) (last_over_time(${sel('pflow_asset_type_clinical_share', S)}[1h]))`,
          instant: true,
          legend: '{{type}}',
        },
      ],
      timestream: [
        tsMetric(['pflow_asset_type_clinical_share'], {
          agg: 'last',
          as: 'clinical_share',
          variables: S,
          by: ['type'],
          lastWindow: '1h',
        }),
      ],
    },
    {
      id: TAG_PANELS.idle,
      title: 'Idle assets (last day)',
      description:
        'Assets with less than idle_below_clinical_share of their seen time in clinical zones over the last day: candidates to redistribute, or not to buy more of.',
      kind: 'table',
      unit: 'none',
      thresholds: [{ value: null, color: 'blue' }],
      grid: { x: 12, y: 48, w: 12, h: 9 },
      prom: [
        {
          expr: `max by (asset, type) (last_over_time(${sel('pflow_asset_idle', S)}[1h]))`,
          instant: true,
          legend: '{{asset}}',
        },
      ],
      timestream: [
        tsMetric(['pflow_asset_idle'], {
          agg: 'last',
          as: 'idle',
          variables: S,
          by: ['asset', 'type'],
          lastWindow: '1h',
        }),
      ],
    },
  ],
};

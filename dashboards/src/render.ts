import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as cloudwatch from '@grafana/grafana-foundation-sdk/cloudwatch';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { CLOUDWATCH_DATASOURCE, DATASOURCES } from './datasources.js';
import {
  isRow,
  type Backend,
  type DashboardSpec,
  type PanelSpec,
  type QueryVariableName,
  type VariableName,
} from './spec.js';
import { TimestreamDataqueryBuilder } from './timestream/dataquery.js';
import { SEARCH_VARIABLE, VARIABLES, variableQuery } from './variables.js';

/** What every panel builder of the SDK offers for the parts this renderer sets. */
type AnyPanelBuilder = cog.Builder<dashboard.Panel> & {
  id(id: number): unknown;
  title(title: string): unknown;
  description(description: string): unknown;
  datasource(ref: common.DataSourceRef): unknown;
  gridPos(pos: dashboard.GridPos): unknown;
  unit(unit: string): unknown;
  decimals(decimals: number): unknown;
  min(min: number): unknown;
  max(max: number): unknown;
  thresholds(thresholds: cog.Builder<dashboard.ThresholdsConfig>): unknown;
  mappings(mappings: dashboard.ValueMapping[]): unknown;
  withTarget(target: cog.Builder<cog.Dataquery>): unknown;
  noValue(noValue: string): unknown;
};

const VARIABLE_ORDER: readonly VariableName[] = ['site', 'probe', 'agent', 'job', 'search'];
/** A variable whose query names another one needs it on the same dashboard. */
const VARIABLE_NEEDS: Readonly<Record<VariableName, readonly VariableName[]>> = {
  site: [],
  probe: ['site'],
  agent: ['site'],
  job: ['site', 'agent'],
  search: [],
};

function panelBuilder(spec: PanelSpec): AnyPanelBuilder {
  switch (spec.kind) {
    case 'stat':
      return new stat.PanelBuilder()
        .colorMode(common.BigValueColorMode.Background)
        .graphMode(common.BigValueGraphMode.None)
        .reduceOptions(
          new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false),
        ) as unknown as AnyPanelBuilder;
    case 'timeseries':
      return new timeseries.PanelBuilder()
        .fillOpacity(10)
        .showPoints(common.VisibilityMode.Never)
        .legend(
          new common.VizLegendOptionsBuilder()
            .showLegend(true)
            .displayMode(common.LegendDisplayMode.Table)
            .placement(common.LegendPlacement.Bottom)
            .calcs(['mean', 'lastNotNull']),
        ) as unknown as AnyPanelBuilder;
    case 'table':
      return new table.PanelBuilder() as unknown as AnyPanelBuilder;
    case 'state-timeline':
      return new statetimeline.PanelBuilder()
        .showValue(common.VisibilityMode.Never)
        .mergeValues(true) as unknown as AnyPanelBuilder;
    case 'bar-gauge':
      return new bargauge.PanelBuilder()
        .displayMode(common.BarGaugeDisplayMode.Basic)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
        .orientation(common.VizOrientation.Horizontal) as unknown as AnyPanelBuilder;
    case 'bar-chart':
      return new barchart.PanelBuilder() as unknown as AnyPanelBuilder;
  }
}

const REF_IDS = 'ABCDEFGHIJ';

function renderPanel(spec: PanelSpec, backend: Backend): AnyPanelBuilder {
  const ds = spec.cloudwatch ? CLOUDWATCH_DATASOURCE : DATASOURCES[backend];
  const ref = { type: ds.type, uid: ds.uid };
  const panel = panelBuilder(spec);
  panel.id(spec.id);
  panel.title(spec.title);
  if (spec.description) panel.description(spec.description);
  panel.datasource(ref);
  panel.gridPos({ ...spec.grid });
  panel.unit(spec.unit);
  if (spec.decimals !== undefined) panel.decimals(spec.decimals);
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  if (spec.noValue !== undefined) panel.noValue(spec.noValue);
  if (spec.thresholds) {
    panel.thresholds(
      new dashboard.ThresholdsConfigBuilder()
        .mode(dashboard.ThresholdsMode.Absolute)
        .steps(spec.thresholds.map((step) => ({ ...step }))),
    );
  }
  if (spec.mappings) {
    panel.mappings([
      {
        type: dashboard.MappingType.ValueToText,
        options: Object.fromEntries(
          spec.mappings.map((m, index) => [m.value, { text: m.text, color: m.color, index }]),
        ),
      },
    ]);
  }
  if (spec.cloudwatch) {
    if (spec.cloudwatch.length === 0 || spec.prom.length > 0 || spec.timestream.length > 0)
      throw new Error(`panel ${spec.id} "${spec.title}": a CloudWatch panel has CloudWatch queries and no others`);
    spec.cloudwatch.forEach((target, index) => {
      const query = new cloudwatch.MetricsQueryBuilder()
        .refId(REF_IDS[index]!)
        .datasource(ref)
        .queryMode(cloudwatch.QueryMode.Metrics)
        .metricQueryType(cloudwatch.MetricQueryType.Search)
        .metricEditorMode(cloudwatch.MetricEditorMode.Builder)
        // The data source's default region: the stack's, where the functions put their metrics.
        .region('default')
        .namespace(target.namespace)
        .metricName(target.metricName)
        .dimensions({ ...target.dimensions })
        // Only series with exactly these dimensions: the four counts' {service, channel} set.
        .matchExact(true)
        .statistic(target.statistic)
        .period('')
        .id('')
        .expression('');
      if (target.label) query.label(target.label);
      panel.withTarget(query);
    });
    return panel;
  }
  const queries = backend === 'amp' ? spec.prom.length : spec.timestream.length;
  if (queries === 0) throw new Error(`panel ${spec.id} "${spec.title}" has no ${backend} query`);
  if (backend === 'amp') {
    spec.prom.forEach((target, index) => {
      const query = new prometheus.DataqueryBuilder()
        .refId(REF_IDS[index]!)
        .datasource(ref)
        .expr(target.expr)
        .legendFormat(target.legend ?? '__auto');
      if (target.instant || spec.kind === 'table') query.instant().format(prometheus.PromQueryFormat.Table);
      else query.range();
      panel.withTarget(query);
    });
  } else {
    spec.timestream.forEach((target, index) => {
      panel.withTarget(
        new TimestreamDataqueryBuilder()
          .refId(REF_IDS[index]!)
          .datasource(ref)
          .rawQuery(target.sql)
          .format(target.format),
      );
    });
  }
  return panel;
}

function renderVariable(
  name: VariableName,
  backend: Backend,
): dashboard.QueryVariableBuilder | dashboard.TextBoxVariableBuilder {
  if (name === 'search') {
    return new dashboard.TextBoxVariableBuilder(SEARCH_VARIABLE.name)
      .label(SEARCH_VARIABLE.label)
      .description(SEARCH_VARIABLE.description)
      .defaultValue('')
      .current({ selected: false, text: '', value: '' });
  }
  return renderQueryVariable(name, backend);
}

function renderQueryVariable(name: QueryVariableName, backend: Backend): dashboard.QueryVariableBuilder {
  const ds = DATASOURCES[backend];
  const definition = VARIABLES[name];
  const variable = new dashboard.QueryVariableBuilder(name)
    .label(definition.label)
    .description(definition.description)
    .datasource({ type: ds.type, uid: ds.uid })
    .query(variableQuery(name, backend))
    .definition(variableQuery(name, backend))
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ selected: true, text: ['All'], value: ['$__all'] });
  if (backend === 'amp') variable.allValue('.*');
  return variable;
}

/** The dashboard JSON for one backend, as Grafana's HTTP API takes it under `dashboard`. */
export function renderDashboard(spec: DashboardSpec, backend: Backend): dashboard.Dashboard {
  for (const name of spec.variables) {
    for (const needed of VARIABLE_NEEDS[name]) {
      if (!spec.variables.includes(needed))
        throw new Error(`dashboard ${spec.uid}: variable ${name} needs variable ${needed}`);
    }
  }
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([...spec.tags, 'performanceflow', backend])
    .editable()
    .refresh('1m')
    .time(spec.time ?? { from: 'now-6h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    // A menu of the other dashboards of the same store, carrying the variables and the time range along.
    .link(
      new dashboard.DashboardLinkBuilder('PerformanceFlow')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(['performanceflow', backend])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
  for (const name of VARIABLE_ORDER) {
    if (spec.variables.includes(name)) builder.withVariable(renderVariable(name, backend));
  }
  for (const item of spec.items) {
    if (isRow(item)) {
      const row = new dashboard.RowBuilder(item.row).id(item.id).gridPos({ x: 0, y: item.y, w: 24, h: 1 });
      if (item.repeat) row.repeat(item.repeat);
      builder.withRow(row);
      for (const panel of item.panels) builder.withPanel(renderPanel(panel, backend));
    } else {
      builder.withPanel(renderPanel(item, backend));
    }
  }
  const built = builder.build();
  // The uid is the identity across deploys; a numeric id would make Grafana's API refuse an upsert.
  return { ...built, id: null } as dashboard.Dashboard;
}

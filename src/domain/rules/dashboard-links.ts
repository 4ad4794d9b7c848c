import { dashboardLink } from '../../../dashboards/src/links.js';
import type { VariableName } from '../../../dashboards/src/spec.js';
import type { Labels } from '../labels.js';
import type { RuleDefinition } from './types.js';

/**
 * Where an alert's `dashboard` link points when its rule sets none: Grafana (the workspace in AWS,
 * or PFLOW_GRAFANA_URL beside a local runtime) or the local runtime's own console.
 */
export type DashboardLinkBase =
  { readonly kind: 'grafana'; readonly url: string } | { readonly kind: 'console'; readonly url: string };

/** The dashboard and panel that chart a rule's measure (panel ids are the dashboards' stable ids; a test holds them together). */
export interface DashboardTarget {
  readonly uid: string;
  readonly panelId?: number;
  /** The dashboard's variables a link may set from the alert's labels (site always). */
  readonly variables: readonly VariableName[];
}

const AGENT_VARS: readonly VariableName[] = ['site', 'agent', 'job'];

/** Prefixes of metric names, most specific first, and what charts them. */
const METRIC_TARGETS: readonly (readonly [string, DashboardTarget])[] = [
  ['pflow_agent_', { uid: 'pflow-agents', panelId: 1, variables: AGENT_VARS }],
  ['pflow_asset_battery', { uid: 'pflow-rfid-tags', panelId: 6, variables: ['site'] }],
  ['pflow_asset_last_seen', { uid: 'pflow-rfid-tags', panelId: 4, variables: ['site'] }],
  ['pflow_asset_left_building', { uid: 'pflow-rfid-tags', panelId: 5, variables: ['site'] }],
  ['pflow_zone_par', { uid: 'pflow-rfid-tags', panelId: 7, variables: ['site'] }],
  ['pflow_asset_', { uid: 'pflow-rfid-tags', variables: ['site'] }],
  ['pflow_stage_', { uid: 'pflow-rfid-tags', variables: ['site'] }],
  ['node_cpu', { uid: 'pflow-system-resources', panelId: 2, variables: AGENT_VARS }],
  ['node_memory', { uid: 'pflow-system-resources', panelId: 3, variables: AGENT_VARS }],
  ['node_filesystem', { uid: 'pflow-system-resources', panelId: 4, variables: AGENT_VARS }],
  ['node_load', { uid: 'pflow-system-resources', panelId: 5, variables: AGENT_VARS }],
  ['node_', { uid: 'pflow-system-resources', variables: AGENT_VARS }],
  ['container_', { uid: 'pflow-containers', variables: ['site', 'agent'] }],
  ['windows_', { uid: 'pflow-windows-processes', variables: ['site', 'agent'] }],
  ['pg_', { uid: 'pflow-databases', panelId: 1, variables: ['site', 'agent'] }],
  ['mysql_', { uid: 'pflow-databases', panelId: 1, variables: ['site', 'agent'] }],
];

/** What charts a rule's measure; the Overview when nothing more specific does. */
export function dashboardTargetOf(rule: Pick<RuleDefinition, 'table' | 'measure'>): DashboardTarget {
  if (rule.table === 'probes') {
    if (rule.measure === 'cert_days_left') return { uid: 'pflow-overview', panelId: 5, variables: ['site'] };
    // Availability on "Status over time", every timing on "Probe response time".
    return { uid: 'pflow-api', panelId: rule.measure === 'success' ? 5 : 3, variables: ['site', 'probe'] };
  }
  if (rule.measure === 'up') return { uid: 'pflow-agents', panelId: 7, variables: AGENT_VARS };
  const found = METRIC_TARGETS.find(([prefix]) => rule.measure.startsWith(prefix));
  return found?.[1] ?? { uid: 'pflow-overview', variables: ['site'] };
}

/** A base URL from the environment or the config, checked once (a bad one fails at start, not per alert). */
export function dashboardLinkBase(kind: DashboardLinkBase['kind'], url: string): DashboardLinkBase {
  const trimmed = url.replace(/\/+$/, '');
  if (kind === 'grafana') {
    // dashboardLink refuses anything but http(s)://host: the same check, now, with the name.
    dashboardLink({ grafanaUrl: trimmed, uid: 'check' });
  } else if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i.test(trimmed)) {
    throw new Error(`console URL must be http(s)://host[/path]: ${url}`);
  }
  return { kind, url: trimmed };
}

/**
 * The link for one alert instance: its site and the labels the dashboard has variables for, each
 * value URL-encoded (a label value is the monitored side's text: `&`, `#` or a space in it must
 * stay a value, never become another parameter or a fragment).
 */
export function dashboardLinkFor(
  base: DashboardLinkBase,
  rule: Pick<RuleDefinition, 'table' | 'measure'>,
  site: string,
  labels: Labels,
): string {
  if (base.kind === 'console') {
    if (rule.table === 'probes' && labels.probe !== undefined) {
      const query = new URLSearchParams({ site, probe: labels.probe, range: '24h' });
      return `${base.url}/console/probe.html?${query.toString().replace(/\+/g, '%20')}`;
    }
    return `${base.url}/console/alerts.html`;
  }
  const target = dashboardTargetOf(rule);
  const variables: Partial<Record<VariableName, string>> = {};
  for (const name of target.variables) {
    const value = name === 'site' ? site : labels[name];
    if (value !== undefined && value !== '') variables[name] = value;
  }
  return dashboardLink({
    grafanaUrl: base.url,
    uid: target.uid,
    variables,
    ...(target.panelId !== undefined && { panelId: target.panelId }),
  });
}

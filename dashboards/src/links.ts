import type { VariableName } from './spec.js';

export interface DashboardLinkOptions {
  /** Grafana's base URL, e.g. `https://g-abc123.grafana-workspace.eu-west-1.amazonaws.com`. */
  readonly grafanaUrl: string;
  readonly uid: string;
  /** The panel to open alone (its stable id), as `viewPanel`. */
  readonly panelId?: number;
  readonly variables?: Partial<Readonly<Record<VariableName, string>>>;
  /** Grafana time range, e.g. `now-6h`. */
  readonly from?: string;
  readonly to?: string;
}

/**
 * The URL an alert's `dashboard` annotation should carry: `/d/<uid>?var-site=…&viewPanel=<id>`.
 * Variables are set one value each, so a repeated row (API per endpoint) renders once and the panel
 * keeps its own id.
 */
export function dashboardLink(options: DashboardLinkOptions): string {
  const url = new URL(`/d/${encodeURIComponent(options.uid)}`, options.grafanaUrl.replace(/\/+$/, '') + '/');
  for (const [name, value] of Object.entries(options.variables ?? {})) {
    if (value !== undefined) url.searchParams.append(`var-${name}`, value);
  }
  if (options.from) url.searchParams.set('from', options.from);
  if (options.to) url.searchParams.set('to', options.to);
  if (options.panelId !== undefined) url.searchParams.set('viewPanel', String(options.panelId));
  return url.toString();
}

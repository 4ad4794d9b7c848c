import type { VariableName } from './spec.js';

/** A variable value: literal text, or `{ label: 'probe' }` for the alert's `{{ $labels.probe }}`. */
export type LinkValue = string | { readonly label: string };

export interface DashboardLinkOptions {
  /** Grafana's base URL, e.g. `https://g-abc123.grafana-workspace.eu-west-1.amazonaws.com`. */
  readonly grafanaUrl: string;
  readonly uid: string;
  /** The panel to open alone (its stable id), as `viewPanel`. */
  readonly panelId?: number;
  readonly variables?: Partial<Readonly<Record<VariableName, LinkValue>>>;
  /** Grafana time range, e.g. `now-6h`. */
  readonly from?: string;
  readonly to?: string;
}

/**
 * The URL for an alert's `dashboard` annotation: `<grafana>/d/<uid>?var-site=…&viewPanel=<id>`.
 * Literal values are URL-encoded; a `{ label }` value stays a `{{ $labels.x }}` placeholder, which
 * the rule engine fills per alert (validation allows placeholders only after the host, which this
 * always is). Each variable gets one value, so a repeated row (API per endpoint) renders once and
 * its panels keep their ids.
 */
export function dashboardLink(options: DashboardLinkOptions): string {
  const base = options.grafanaUrl.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/?#\s]+$/i.test(base))
    throw new Error(`grafanaUrl must be http(s)://host: ${options.grafanaUrl}`);
  const params: string[] = [];
  for (const [name, value] of Object.entries(options.variables ?? {})) {
    if (value === undefined) continue;
    if (typeof value !== 'string' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value.label))
      throw new Error(`not a label name: ${value.label}`);
    params.push(
      `var-${name}=${typeof value === 'string' ? encodeURIComponent(value) : `{{ $labels.${value.label} }}`}`,
    );
  }
  if (options.from) params.push(`from=${encodeURIComponent(options.from)}`);
  if (options.to) params.push(`to=${encodeURIComponent(options.to)}`);
  if (options.panelId !== undefined) params.push(`viewPanel=${options.panelId}`);
  return `${base}/d/${encodeURIComponent(options.uid)}${params.length > 0 ? `?${params.join('&')}` : ''}`;
}

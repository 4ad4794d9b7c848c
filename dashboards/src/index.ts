import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { CLOUDWATCH_DATASOURCE, DATASOURCES } from './datasources.js';
import { renderDashboard } from './render.js';
import { BACKENDS, type Backend, type DashboardSpec } from './spec.js';
import { agentsDashboard } from './views/agents.js';
import { alertHistoryDashboard } from './views/alert-history.js';
import { apiEndpointsDashboard } from './views/api-endpoints.js';
import { apiDashboard } from './views/api.js';
import { containersDashboard } from './views/containers.js';
import { databasesDashboard } from './views/databases.js';
import { overviewDashboard } from './views/overview.js';
import { rfidTagsDashboard } from './views/rfid-tags.js';
import { systemResourcesDashboard } from './views/system-resources.js';
import { windowsProcessesDashboard } from './views/windows-processes.js';

/**
 * The registry of dashboards: the single list `npm run dashboards` renders, the tests check and the
 * provisioning custom resource upserts. Each one exists for both metric stores under the same uid,
 * so an alert's link works whichever store a deployment uses.
 */
export const DASHBOARD_SPECS: readonly DashboardSpec[] = [
  overviewDashboard,
  systemResourcesDashboard,
  apiDashboard,
  containersDashboard,
  databasesDashboard,
  windowsProcessesDashboard,
  apiEndpointsDashboard,
  rfidTagsDashboard,
  alertHistoryDashboard,
  agentsDashboard,
];

export interface DashboardEntry {
  readonly uid: string;
  readonly title: string;
  /** File name stem under `dashboards/`: `<slug>.amp.json`, `<slug>.timestream.json`. */
  readonly slug: string;
  readonly spec: DashboardSpec;
  /** Paths relative to the repository root of the committed JSON, per backend. */
  readonly files: Readonly<Record<Backend, string>>;
  /** The dashboard JSON for a backend (rendered in memory; equal to the committed file). */
  json(backend: Backend): dashboard.Dashboard;
}

function slugOf(uid: string): string {
  return uid.replace(/^pflow-/, '');
}

export const DASHBOARDS: readonly DashboardEntry[] = DASHBOARD_SPECS.map((spec) => {
  const slug = slugOf(spec.uid);
  return {
    uid: spec.uid,
    title: spec.title,
    slug,
    spec,
    files: Object.fromEntries(BACKENDS.map((b) => [b, `dashboards/${slug}.${b}.json`])) as Record<Backend, string>,
    json: (backend: Backend) => renderDashboard(spec, backend),
  };
});

export function dashboardByUid(uid: string): DashboardEntry | undefined {
  return DASHBOARDS.find((entry) => entry.uid === uid);
}

export { BACKENDS, CLOUDWATCH_DATASOURCE, DATASOURCES, type Backend };
export { dashboardLink, type DashboardLinkOptions } from './links.js';

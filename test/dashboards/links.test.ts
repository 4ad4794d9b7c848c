import { describe, expect, it } from 'vitest';
import { dashboardByUid, dashboardLink } from '../../dashboards/src/index.js';
import { panelsOf } from '../../dashboards/src/spec.js';
import { API_PANELS } from '../../dashboards/src/views/api.js';
import { OVERVIEW_PANELS } from '../../dashboards/src/views/overview.js';
import { TAG_PANELS } from '../../dashboards/src/views/rfid-tags.js';
import { SYSTEM_PANELS } from '../../dashboards/src/views/system-resources.js';
import { annotationsSchema } from '../../src/domain/config/annotations.js';

const GRAFANA = 'https://g-abc123.grafana-workspace.eu-west-1.amazonaws.com';

/** Opens a link as Grafana would: the dashboard by uid, the panel by viewPanel, the variables by var-*. */
function resolve(url: string) {
  const parsed = new URL(url);
  const uid = /^\/d\/([^/]+)$/.exec(parsed.pathname)?.[1];
  const entry = uid ? dashboardByUid(uid) : undefined;
  const panelId = Number(parsed.searchParams.get('viewPanel'));
  const panel = entry ? panelsOf(entry.spec).find((p) => p.id === panelId) : undefined;
  const variables = [...parsed.searchParams.keys()].filter((k) => k.startsWith('var-')).map((k) => k.slice(4));
  return { entry, panel, variables, params: parsed.searchParams };
}

describe('alert links into the dashboards', () => {
  it('build /d/<uid>?var-…&viewPanel=<id> and land on the panel the rule is about', () => {
    const url = dashboardLink({
      grafanaUrl: `${GRAFANA}/`,
      uid: 'pflow-api',
      panelId: API_PANELS.status,
      variables: { site: 'site-a', probe: 'demo-portal' },
    });
    expect(url).toBe(`${GRAFANA}/d/pflow-api?var-site=site-a&var-probe=demo-portal&viewPanel=5`);
    const { panel, variables, entry } = resolve(url);
    expect(panel?.title).toBe('Status over time');
    expect(variables.every((name) => entry!.spec.variables.includes(name as never))).toBe(true);
  });

  it.each([
    ['pflow-api', API_PANELS.responseTime, 'Probe response time'],
    ['pflow-overview', OVERVIEW_PANELS.certificates, 'Certificates expiring soonest'],
    ['pflow-system-resources', SYSTEM_PANELS.filesystemAvailable, 'Disk space available'],
    ['pflow-rfid-tags', TAG_PANELS.battery, 'Tag battery'],
  ])('panel constants match the dashboards: %s panel %i', (uid, panelId, title) => {
    expect(resolve(dashboardLink({ grafanaUrl: GRAFANA, uid, panelId })).panel?.title).toBe(title);
  });

  it('keeps a {{ $labels.x }} placeholder for the rule engine, and the result passes the annotation check', () => {
    const dashboard = dashboardLink({
      grafanaUrl: GRAFANA,
      uid: 'pflow-api',
      panelId: API_PANELS.responseTime,
      variables: { site: 'site a&b', probe: { label: 'probe' } },
      from: 'now-6h',
    });
    expect(dashboard).toBe(
      `${GRAFANA}/d/pflow-api?var-site=site%20a%26b&var-probe={{ $labels.probe }}&from=now-6h&viewPanel=3`,
    );
    expect(annotationsSchema.safeParse({ dashboard }).success).toBe(true);
  });

  it('refuses a base URL with a path or query, and a label name that is not one', () => {
    expect(() => dashboardLink({ grafanaUrl: 'grafana.example', uid: 'pflow-api' })).toThrow(/http/);
    expect(() => dashboardLink({ grafanaUrl: `${GRAFANA}/grafana?x=1`, uid: 'pflow-api' })).toThrow(/http/);
    expect(() =>
      dashboardLink({ grafanaUrl: GRAFANA, uid: 'pflow-api', variables: { probe: { label: 'a }}{{' } } }),
    ).toThrow(/label name/);
  });
});

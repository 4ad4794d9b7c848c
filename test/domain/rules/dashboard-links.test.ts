import { describe, expect, it } from 'vitest';
import { dashboardByUid } from '../../../dashboards/src/index.js';
import { panelsOf } from '../../../dashboards/src/spec.js';
import { renderEmail } from '../../../src/channels/email/render.js';
import { renderSlack } from '../../../src/channels/slack/render.js';
import { renderTeams } from '../../../src/channels/teams/render.js';
import { buildNotification } from '../../../src/domain/notification/dedup.js';
import { dashboardLinkBase, dashboardLinkFor, dashboardTargetOf } from '../../../src/domain/rules/dashboard-links.js';
import { evaluate } from '../../../src/domain/rules/index.js';
import { T0, rule } from './fixtures.js';

const GRAFANA = dashboardLinkBase('grafana', 'https://g-abc123.grafana-workspace.eu-west-1.amazonaws.com/');
const CONSOLE = dashboardLinkBase('console', 'http://127.0.0.1:8080');
/** A label value someone else's server chose: each of these would break a URL if written raw. */
const AWKWARD = 'lab & x-ray #2';

/** Opens a Grafana link as Grafana would: the dashboard by uid, the panel by viewPanel, the variables by var-*. */
function open(url: string) {
  const parsed = new URL(url);
  const entry = dashboardByUid(/^\/d\/([^/]+)$/.exec(parsed.pathname)![1]!);
  const panelId = parsed.searchParams.get('viewPanel');
  const panel = panelId === null ? undefined : panelsOf(entry!.spec).find((p) => p.id === Number(panelId));
  const variables = Object.fromEntries(
    [...parsed.searchParams].filter(([k]) => k.startsWith('var-')).map(([k, v]) => [k.slice(4), v]),
  );
  return { entry, panel, variables, hash: parsed.hash };
}

describe('default dashboard links', () => {
  it.each([
    ['probes', 'success', 'pflow-api', 'Status over time'],
    ['probes', 'duration_ms', 'pflow-api', 'Probe response time'],
    ['probes', 'cert_days_left', 'pflow-overview', 'Certificates expiring soonest'],
    ['metrics', 'pflow_agent_up', 'pflow-agents', undefined],
    ['metrics', 'up', 'pflow-agents', undefined],
    ['metrics', 'node_filesystem_avail_bytes', 'pflow-system-resources', 'Disk space available'],
    ['metrics', 'pflow_asset_battery_percent', 'pflow-rfid-tags', 'Tag battery'],
    ['metrics', 'pg_up', 'pflow-databases', undefined],
    ['metrics', 'something_else', 'pflow-overview', undefined],
  ] as const)('%s/%s lands on %s, on a panel of that dashboard', (table, measure, uid, title) => {
    const target = dashboardTargetOf({ table, measure });
    const { entry, panel, variables } = open(
      dashboardLinkFor(GRAFANA, { table, measure }, 'site-a', { probe: 'portal', agent: 'lab-01', job: 'node' }),
    );
    expect(entry?.uid).toBe(uid);
    if (target.panelId !== undefined) expect(panel).toBeDefined();
    if (title !== undefined) expect(panel?.title).toBe(title);
    // Only the dashboard's own variables, and site always.
    expect(Object.keys(variables).every((name) => entry!.spec.variables.includes(name as never))).toBe(true);
    expect(variables.site).toBe('site-a');
  });

  it('URL-encodes label values: &, space and # stay inside the value', () => {
    const url = dashboardLinkFor(GRAFANA, { table: 'probes', measure: 'success' }, 'site a', { probe: AWKWARD });
    expect(url).toBe(
      'https://g-abc123.grafana-workspace.eu-west-1.amazonaws.com/d/pflow-api?var-site=site%20a&var-probe=lab%20%26%20x-ray%20%232&viewPanel=5',
    );
    const { variables, hash } = open(url);
    expect(variables).toEqual({ site: 'site a', probe: AWKWARD });
    expect(hash).toBe('');

    const local = dashboardLinkFor(CONSOLE, { table: 'probes', measure: 'success' }, 'site a', { probe: AWKWARD });
    expect(local).toBe(
      'http://127.0.0.1:8080/console/probe.html?site=site%20a&probe=lab%20%26%20x-ray%20%232&range=24h',
    );
    const params = new URL(local).searchParams;
    expect([params.get('site'), params.get('probe'), params.get('range')]).toEqual(['site a', AWKWARD, '24h']);
    expect(dashboardLinkFor(CONSOLE, { table: 'metrics', measure: 'pg_up' }, 'site-a', {})).toBe(
      'http://127.0.0.1:8080/console/alerts.html',
    );
  });

  it('refuses a base URL it cannot build links on, naming it', () => {
    expect(() => dashboardLinkBase('grafana', 'g-abc123.grafana-workspace.example')).toThrow(/http/);
    expect(() => dashboardLinkBase('grafana', 'https://grafana.example/sub?x=1')).toThrow(/http/);
    expect(() => dashboardLinkBase('console', 'ftp://127.0.0.1')).toThrow(/console URL/);
    expect(dashboardLinkBase('console', 'https://pflow.hospital.example/monitor/').url).toBe(
      'https://pflow.hospital.example/monitor',
    );
  });
});

describe('dashboard links in alert messages', () => {
  const down = (annotations: Record<string, string> = {}, dashboardLinks = GRAFANA) =>
    evaluate({
      rules: [rule({ match: [], annotations })],
      windows: [
        { table: 'probes', measure: 'success', labels: { site: 'site-a', probe: AWKWARD }, points: [{ t: T0, v: 0 }] },
      ],
      states: new Map(),
      now: T0,
      dashboardLinks,
    }).notifications[0]!;

  it('a rule without a dashboard annotation links to its Grafana panel, in Slack, Teams and email', () => {
    const event = down();
    const expected =
      'https://g-abc123.grafana-workspace.eu-west-1.amazonaws.com/d/pflow-api?var-site=site-a&var-probe=lab%20%26%20x-ray%20%232&viewPanel=5';
    expect(event.annotations.dashboard).toBe(expected);
    const notification = buildNotification('ops', [event]);
    expect(JSON.stringify(renderSlack(notification))).toContain(JSON.stringify(expected).slice(1, -1));
    expect(JSON.stringify(renderTeams(notification))).toContain(JSON.stringify(expected).slice(1, -1));
    // In HTML the & between parameters is written &amp;: the browser reads back the same URL.
    expect(renderEmail(notification).html).toContain(`href="${expected.replace(/&/g, '&amp;')}"`);
  });

  it('locally, without Grafana, links to the console’s probe page', () => {
    expect(down({}, CONSOLE).annotations.dashboard).toBe(
      'http://127.0.0.1:8080/console/probe.html?site=site-a&probe=lab%20%26%20x-ray%20%232&range=24h',
    );
  });

  it('keeps the rule’s own dashboard, and encodes label values in any link annotation’s template', () => {
    const event = down({
      dashboard: 'https://grafana.hospital.example/d/pacs?var-probe={{ $labels.probe }}',
      runbook: 'https://wiki.hospital.example/runbooks/{{ $labels.probe }}',
      summary: '{{ $labels.probe }} is down',
    });
    expect(event.annotations).toEqual({
      dashboard: 'https://grafana.hospital.example/d/pacs?var-probe=lab%20%26%20x-ray%20%232',
      runbook: 'https://wiki.hospital.example/runbooks/lab%20%26%20x-ray%20%232',
      // Text annotations are not URLs: the value as it is (each channel escapes it for its markup).
      summary: `${AWKWARD} is down`,
    });
  });

  it('adds no link when no base is known', () => {
    const event = evaluate({
      rules: [rule({ match: [] })],
      windows: [
        { table: 'probes', measure: 'success', labels: { site: 'site-a', probe: 'p' }, points: [{ t: T0, v: 0 }] },
      ],
      states: new Map(),
      now: T0,
    }).notifications[0]!;
    expect(event.annotations.dashboard).toBeUndefined();
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNEL_KINDS } from '../../../src/channels/settings.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import type { Env } from '../../../src/domain/config/env.js';
import { ConfigError } from '../../../src/domain/errors.js';
import type { ConfigIssue } from '../../../src/domain/errors.js';
import { PROBE_KINDS } from '../../../src/probes/settings.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const FIXTURE_ENV: Env = { PORTAL_URL: 'not a url: s3cr3t-portal-token' };

function issuesOf(text: string, env: Env = {}): readonly ConfigIssue[] {
  try {
    parseDeploymentConfig(text, 'test.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

function render(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}\n`).join('');
}

const MINIMAL = 'version: 1\nsites: [{ id: site-a }]\n';

describe('invalid config fixtures, each with its exact error output', () => {
  const fixtures = readdirSync(FIXTURES).filter((name) => /^invalid-.*\.yaml$/.test(name));

  it('has fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
  });

  it.each(fixtures)('%s', (name) => {
    // Arrange: the expected text names kind lists by placeholder, so adding a kind needs no fixture edit.
    const text = readFileSync(join(FIXTURES, name), 'utf8');
    const expected = readFileSync(join(FIXTURES, name.replace(/\.yaml$/, '.expected.txt')), 'utf8')
      .replaceAll('{PROBE_KINDS}', PROBE_KINDS.join(', '))
      .replaceAll('{CHANNEL_KINDS}', CHANNEL_KINDS.join(', '));

    // Act
    const issues = issuesOf(text, FIXTURE_ENV);

    // Assert
    expect(render(issues)).toBe(expected);
  });
});

describe('a valid hospital config, normalised', () => {
  const env: Env = {
    SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX',
    SMTP_PASSWORD: 'smtp-pa55word',
    TEAMS_WEBHOOK_URL:
      'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t',
  };
  const config = parseDeploymentConfig(readFileSync(join(FIXTURES, 'valid-hospital.yaml'), 'utf8'), 'hospital', env);
  const probe = (id: string) => config.probes.find((p) => p.id === id)!;
  const rule = (id: string) => config.ruleGroups.flatMap((g) => g.rules).find((r) => r.id === id)!;
  const channel = (id: string) => config.channels.find((c) => c.id === id)!;

  it('applies defaults that depend on other fields', () => {
    expect(config.sites.map((s) => [s.id, s.name, s.timezone])).toEqual([
      ['st-anna-main', 'St. Anna, main building', 'Europe/Amsterdam'],
      ['st-anna-east', 'St. Anna, east wing', 'Europe/Brussels'],
    ]);
    expect([probe('pfsw-login').intervalMs, probe('pfsw-login').timeoutMs]).toEqual([30_000, 5_000]);
    expect([probe('epd-api').intervalMs, probe('epd-api').timeoutMs]).toEqual([60_000, 10_000]);
    expect(config.ruleGroups.map((g) => [g.name, g.intervalMs])).toEqual([
      ['availability', 30_000],
      ['infrastructure', 60_000],
    ]);
    expect(rule('pfsw-login-down').repeatIntervalMs).toBe(12 * 3_600_000);
    expect(rule('certificate-expiring').repeatIntervalMs).toBe(24 * 3_600_000);
    expect(rule('certificate-expiring').name).toBe('certificate-expiring');
  });

  it("validates each probe's block with its kind's schema, defaults included", () => {
    expect(probe('pfsw-login').settings).toMatchObject({ method: 'POST', valid_status_codes: [200, 401] });
    expect(probe('epd-api').settings).toMatchObject({ method: 'GET', follow_redirects: true, tls_verify: true });
    expect(probe('epd-db')).toMatchObject({ kind: 'tcp', target: 'db01.st-anna.example:1433' });
    expect(probe('epd-db').settings).toMatchObject({ tls: false });
    expect(probe('dns-internal').settings).toMatchObject({ server: '10.20.0.53', record_type: 'A' });
  });

  it('turns rules into RuleDefinitions with their group, durations in ms and compiled matchers', () => {
    const down = rule('pfsw-login-down');
    expect(down).toMatchObject({
      group: 'availability',
      name: 'PFSW login down',
      severity: 'critical',
      table: 'probes',
      measure: 'success',
      reducer: 'last',
      windowMs: 120_000,
      forMs: 60_000,
      keepFiringForMs: 120_000,
      noData: 'alerting',
      onError: 'error',
      sendResolved: true,
      threshold: { op: '<', value: 1 },
      links: [{ title: 'Runbook', url: 'https://wiki.example/runbooks/pfsw' }],
    });
    expect(down.matchers).toEqual([{ name: 'probe', op: '=', value: 'pfsw-login' }]);

    const battery = rule('tag-battery-low');
    expect(battery).toMatchObject({ group: 'infrastructure', table: 'metrics', severity: 'info', sendResolved: false });
    expect(battery.matchers[0]!.regex!.test('ok-3')).toBe(true);
    expect(battery.matchers[0]!.regex!.test('xok-3')).toBe(false);
    expect(rule('epd-latency-out-of-band').threshold).toEqual({ op: 'outside_range', min: 1, max: 2000 });
  });

  it('gives each probe rule the labels its probes share, for a no-data alert, and when their data is due', () => {
    // pfsw-login: one probe, 30s interval, 5s timeout, `last` needs one result: 30s + 5s + 1s runner grace.
    expect(rule('pfsw-login-down')).toMatchObject({
      absentLabels: {
        site: 'st-anna-main',
        probe: 'pfsw-login',
        kind: 'http',
        target: 'https://pfsw.example/login',
        service: 'pfsw',
        team: 'applications',
      },
      noDataGraceMs: 36_000,
    });
    // epd-api (http) and epd-db (tcp) share their site and labels; the slowest interval is 1m, timeout 10s.
    expect(rule('epd-latency-out-of-band')).toMatchObject({
      absentLabels: { site: 'st-anna-main', service: 'epd' },
      noDataGraceMs: 71_000,
    });
    // Every probe, over both sites: nothing names one site.
    expect(rule('certificate-expiring').absentLabels).toEqual({});
    const battery = rule('tag-battery-low');
    expect(battery).not.toHaveProperty('absentLabels');
    expect(battery).not.toHaveProperty('noDataGraceMs');
  });

  it("expands secrets from the environment and takes a channel kind's default rate limit", () => {
    expect(channel('ops-slack').settings).toMatchObject({ url: env.SLACK_WEBHOOK_URL });
    expect(channel('ops-slack').rateLimitPerSecond).toBe(1);
    expect(channel('apps-teams')).toMatchObject({ rateLimitPerSecond: 2, sendResolved: false });
    expect(channel('console').rateLimitPerSecond).toBeUndefined();
    expect(channel('infra-email').settings).toMatchObject({
      transport: 'smtp',
      to: ['infra-oncall@st-anna.example'],
      password: 'smtp-pa55word',
    });
    expect(channel('proprietary-logdrop').settings).toMatchObject({ target: 's3', bucket: 'st-anna-pflow-logdrop' });
  });

  it('normalises routes, silences, maintenance windows, storage, delivery and local settings', () => {
    expect(config.routes.map((r) => [r.channels, r.continue, r.groupWaitMs])).toEqual([
      [['infra-email'], true, 0],
      [['ops-slack', 'proprietary-logdrop'], true, 0],
      [['apps-teams'], false, 30_000],
      [['proprietary-logdrop'], false, 0],
    ]);
    expect(config.silences[0]).toMatchObject({
      id: 'epd-upgrade',
      startsAt: Date.parse('2026-11-24T21:00:00Z'),
      endsAt: Date.parse('2026-11-25T01:00:00Z'),
    });
    expect(config.maintenanceWindows[0]).toMatchObject({
      timezone: 'Europe/Amsterdam',
      weekly: [{ weekdays: [6], startMinute: 22 * 60, durationMs: 4 * 3_600_000 }],
      ranges: [{ startsAt: Date.parse('2026-12-24T18:00:00Z'), endsAt: Date.parse('2026-12-25T06:00:00Z') }],
    });
    expect(config.storage.retentionMs).toBe(90 * 86_400_000);
    expect(config.delivery).toEqual({
      immediateAttempts: 3,
      initialBackoffMs: 500,
      maxBackoffMs: 30_000,
      maxAttempts: 10,
      queueRetryMs: 60_000,
    });
    expect(config.local).toEqual({ dataDir: '/var/lib/pflow', apiListen: '0.0.0.0:0', shutdownGraceMs: 5_000 });
  });
});

describe('config/example.yaml', () => {
  it('parses, with the demo target, probes, rules and routes the local runtime needs', () => {
    const path = join(import.meta.dirname, '../../../config/example.yaml');
    const config = parseDeploymentConfig(readFileSync(path, 'utf8'), path, {});

    expect(config.sites).toEqual([
      { id: 'site-a', name: 'Demo hospital', timezone: 'Europe/Amsterdam', labels: { region: 'demo' } },
    ]);
    expect(config.local).toEqual({
      dataDir: '.pflow',
      apiListen: '127.0.0.1:8080',
      shutdownGraceMs: 5_000,
      demoTarget: { listen: '127.0.0.1:8099', upForMs: 45_000, downForMs: 45_000 },
    });
    expect(config.probes.map((p) => [p.id, p.kind, p.target, p.intervalMs, p.timeoutMs])).toEqual([
      ['demo-portal', 'http', 'http://127.0.0.1:8099/health', 5_000, 2_000],
      ['demo-portal-port', 'tcp', '127.0.0.1:8099', 5_000, 2_000],
    ]);
    const down = config.ruleGroups[0]!.rules[0]!;
    expect(down).toMatchObject({ id: 'demo-portal-down', group: 'availability', severity: 'critical', forMs: 10_000 });
    expect(config.ruleGroups[0]!.intervalMs).toBe(5_000);
    expect(config.channels.map((c) => c.kind)).toEqual(['console', 'logdrop']);
    expect(config.routes[0]).toMatchObject({ channels: ['console', 'logdrop'], continue: false }); // asset alerts
    expect(config.routes[1]).toMatchObject({ channels: ['console', 'logdrop'], continue: true });
    expect(config.routes[2]).toMatchObject({ matchers: [], channels: ['logdrop'] });
    expect(config.maintenanceWindows[0]!.weekly).toEqual([{ weekdays: [7], startMinute: 180, durationMs: 3_600_000 }]);
  });
});

describe('defaults', () => {
  it('fills every section of a minimal config', () => {
    const config = parseDeploymentConfig(
      `${MINIMAL}probes: [{ id: p, site: site-a, kind: http, target: 'http://x.example' }]\n` +
        `rule_groups: [{ name: g, rules: [{ id: r, measure: success, threshold: { op: '<', value: 1 } }] }]\n` +
        `channels: [{ id: c, kind: console }]\nroutes: [{ channels: [c] }]\n`,
      'minimal',
      {},
    );
    expect(config.sites[0]).toEqual({ id: 'site-a', name: 'site-a', timezone: 'UTC', labels: {} });
    expect(config.probes[0]).toMatchObject({ intervalMs: 30_000, timeoutMs: 10_000, labels: {} });
    expect(config.ruleGroups[0]).toMatchObject({ intervalMs: 30_000 });
    expect(config.ruleGroups[0]!.rules[0]).toMatchObject({
      name: 'r',
      severity: 'warning',
      table: 'probes',
      matchers: [],
      windowMs: 300_000,
      reducer: 'last',
      forMs: 0,
      keepFiringForMs: 0,
      noData: 'nodata',
      onError: 'error',
      repeatIntervalMs: 4 * 3_600_000,
      sendResolved: true,
      labels: {},
      annotations: {},
      links: [],
    });
    expect(config.channels[0]).toEqual({ id: 'c', kind: 'console', settings: { format: 'text' }, sendResolved: true });
    expect(config.routes[0]).toEqual({ matchers: [], channels: ['c'], continue: false, groupWaitMs: 0 });
    expect([config.silences, config.maintenanceWindows]).toEqual([[], []]);
    expect(config.storage).toEqual({
      retentionMs: 30 * 86_400_000,
      metrics: {
        backend: 'amp',
        timestream: { memoryRetentionMs: 24 * 3_600_000, magneticRetentionMs: 400 * 86_400_000 },
        amp: {
          retentionDays: 400,
          outOfOrderWindowMs: 2 * 3_600_000,
          seriesLimitPerSite: 200_000,
          maxSamplesProcessed: 10_000_000,
        },
      },
      notificationLogTtlMs: 30 * 86_400_000,
    });
    expect(config.probes[0]!.runsOn).toBe('cloud');
    expect(config.aws).toBeUndefined();
    expect(config.local).toEqual({ dataDir: '.pflow', apiListen: '127.0.0.1:8080', shutdownGraceMs: 5_000 });
  });

  it.each([
    ['22:00', '02:00', 22 * 60, 4 * 60],
    ['03:00', '04:00', 3 * 60, 60],
    ['00:00', '00:00', 0, 24 * 60],
    ['23:30', '00:00', 23 * 60 + 30, 30],
  ])('a weekly slot %s–%s starts at minute %i and lasts %i minutes', (start, end, startMinute, minutes) => {
    const config = parseDeploymentConfig(
      `${MINIMAL}maintenance_windows: [{ id: w, matchers: ['site="site-a"'], weekly: [{ days: [fri, mon, fri], start: '${start}', end: '${end}' }] }]\n`,
      'window',
      {},
    );
    expect(config.maintenanceWindows[0]!.weekly).toEqual([
      { weekdays: [1, 5], startMinute, durationMs: minutes * 60_000 },
    ]);
  });
});

describe('kinds come from the settings maps', () => {
  const probeWith = (kind: string, block: string) =>
    `${MINIMAL}probes: [{ id: p, site: site-a, kind: ${kind}, target: t, ${block}: {} }]\n`;

  it.each(PROBE_KINDS.flatMap((kind) => PROBE_KINDS.filter((other) => other !== kind).map((other) => [kind, other])))(
    'a probe of kind %s refuses a %s block',
    (kind, other) => {
      const issue = issuesOf(probeWith(kind, other)).find((i) => i.path === `probes[0].${other}`);
      expect(issue?.message).toBe(
        `a ${other} block belongs to a probe of kind ${other}, but probes[0] is kind ${kind}`,
      );
    },
  );

  it.each(CHANNEL_KINDS.map((kind) => [kind, CHANNEL_KINDS.find((other) => other !== kind) ?? 'other']))(
    'a channel of kind %s refuses a %s block',
    (kind, other) => {
      const text = `${MINIMAL}channels: [{ id: c, kind: ${kind}, ${other}: {} }]\n`;
      const issue = issuesOf(text).find((i) => i.path === `channels[0].${other}`);
      expect(issue?.message).toBe(
        `a ${other} block belongs to a channel of kind ${other}, but channels[0] is kind ${kind}`,
      );
    },
  );

  it('lists every registered kind when a kind is unknown', () => {
    expect(issuesOf(`${MINIMAL}probes: [{ id: p, site: site-a, kind: gopher, target: t }]\n`)).toEqual([
      { path: 'probes[0].kind', message: `must be one of: ${PROBE_KINDS.join(', ')}` },
    ]);
    expect(issuesOf(`${MINIMAL}channels: [{ id: c, kind: pigeon }]\n`)).toEqual([
      { path: 'channels[0].kind', message: `must be one of: ${CHANNEL_KINDS.join(', ')}` },
    ]);
  });
});

describe('a URL setting that is not a URL', () => {
  // Regression: the Teams URL's own check parsed the text again and threw "Invalid URL".
  it.each([
    ["'not a url'", {}],
    ["'${TEAMS_URL}'", {}],
  ])('is refused with a message, never a crash: teams url %s', (url, env) => {
    const text = `${MINIMAL}channels: [{ id: c, kind: teams, teams: { url: ${url} } }]\n`;
    const issue = issuesOf(text, env).find((i) => i.path === 'channels[0].teams.url');
    expect(issue?.message).toMatch(/must be an absolute http\(s\) URL|TEAMS_URL/);
  });
});

describe('${NAME} expansion', () => {
  const siteName = (name: string, env: Env) =>
    parseDeploymentConfig(`version: 1\nsites: [{ id: site-a, name: '${name}' }]\n`, 'env', env).sites[0]!.name;

  it.each([
    ['${A}', { A: 'alpha' }, 'alpha'],
    ['${A}-${B}', { A: 'alpha', B: 'beta' }, 'alpha-beta'],
    ['cost $5', {}, 'cost $5'],
    ['$${A} stays', { A: 'alpha' }, '${A} stays'],
    ['$$${A}', { A: 'alpha' }, '$${A}'],
    ['${EMPTY}x', { EMPTY: '' }, 'x'],
  ])('%s becomes the expected string', (name, env, expected) => {
    expect(siteName(name, env)).toBe(expected);
  });

  it('expands before validation, so a variable can hold a duration', () => {
    const text = `${MINIMAL}probes: [{ id: p, site: site-a, kind: http, target: 'http://x.example', interval: '\${EVERY}' }]\n`;
    expect(parseDeploymentConfig(text, 'env', { EVERY: '15s' }).probes[0]!.intervalMs).toBe(15_000);
  });

  it('reports each missing variable at its path, naming the variable, and nothing else about that value', () => {
    const text = `${MINIMAL}probes: [{ id: p, site: site-a, kind: http, target: '\${PORTAL_URL}', labels: { owner: '\${OWNER}' } }]\n`;
    expect(issuesOf(text, {})).toEqual([
      { path: 'probes[0].target', message: 'environment variable PORTAL_URL is not set' },
      { path: 'probes[0].labels.owner', message: 'environment variable OWNER is not set' },
    ]);
  });
});

describe('secrets never appear in errors', () => {
  const secret = 'xoxb-s3cr3t-t0ken-4242';

  it.each([
    ['an invalid webhook URL from the environment', `channels: [{ id: s, kind: slack, slack: { url: '\${HOOK}' } }]`],
    ['an invalid webhook URL written in the file', `channels: [{ id: s, kind: slack, slack: { url: '${secret}' } }]`],
    ['a matcher from the environment that echoes its text', `routes: [{ matchers: ['\${HOOK}'], channels: [c] }]`],
    [
      'an SMTP password next to an invalid setting',
      `channels: [{ id: e, kind: email, email: { from: a@b.example, to: [c@d.example], host: h, username: u, password: '${secret}', port: 0 } }]`,
    ],
    ['a probe target from the environment', `probes: [{ id: p, site: site-a, kind: http, target: '\${HOOK}' }]`],
  ])('%s', (_case, section) => {
    const env = { HOOK: `probe=~"${secret}(("` };
    const text = `${MINIMAL}${section}\n`;
    let error: unknown;
    try {
      parseDeploymentConfig(text, 'secret.yaml', env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.length).toBeGreaterThan(0);
    expect((error as ConfigError).message).not.toContain('s3cr3t');
    for (const issue of issues) expect(`${issue.path} ${issue.message}`).not.toContain('s3cr3t');
  });

  it('redacts a secret that a message would otherwise echo', () => {
    const issues = issuesOf(`${MINIMAL}routes: [{ matchers: ['\${M}'], channels: [c] }]\n`, {
      M: `probe=~"${secret}(("`,
    });
    expect(issues.find((i) => i.path === 'routes[0].matchers[0]')?.message).toContain('[REDACTED]');
  });

  it('does not quote source lines in YAML syntax errors', () => {
    const issues = issuesOf(`version: 1\nsites: [{ id: site-a, name: "${secret}\n`);
    expect(issues[0]!.path).toMatch(/^line \d+:\d+$/);
    expect(render(issues)).not.toContain('s3cr3t');
  });
});

describe('the file is refused whole', () => {
  it('throws one ConfigError carrying the source name, not a partial config', () => {
    const text = `${MINIMAL}probes: [{ id: ok, site: site-a, kind: http, target: 'http://x.example' }, { id: bad, site: nowhere, kind: http, target: 'http://y.example' }]\n`;
    expect(() => parseDeploymentConfig(text, 'whole.yaml', {})).toThrow(ConfigError);
    try {
      parseDeploymentConfig(text, 'whole.yaml', {});
    } catch (error) {
      expect((error as ConfigError).source).toBe('whole.yaml');
      expect((error as ConfigError).reason).toBe('invalid_config');
      expect((error as ConfigError).message).toContain('whole.yaml: 1 error(s)\n  probes[1].site: no site "nowhere"');
    }
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { SqliteConsoleQueries } from '../../src/adapters/local/sqlite-console.js';
import { SqliteLifecycleStore } from '../../src/adapters/local/sqlite-lifecycle.js';
import { runReport } from '../../src/cli/report.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import type { DeploymentConfig } from '../../src/domain/config/model.js';
import type { ProbeResult } from '../../src/domain/probe-result.js';
import { alertEvent } from '../support/alert-event.js';
import { startSmtpServer } from '../support/smtp-server.js';

/**
 * `pflow report` on a seeded pflow.db: a probe every 5 minutes for the week before Sunday
 * 29 March 2026 (Europe/Berlin, 23 hours), the api failing for the half hour from 06:00 local,
 * an alert fired and resolved then, an agent silent for 20 minutes.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY_START = Date.parse('2026-03-28T23:00:00.000Z');
const DAY_END = Date.parse('2026-03-29T22:00:00.000Z');
const WEEK_START = DAY_START - 6 * 24 * HOUR;
const FAIL_FROM = DAY_START + 5 * HOUR;

let dir: string;
let config: DeploymentConfig;

function result(probe: string, time: number, success: boolean): ProbeResult {
  return {
    site: 'ward-a',
    probe,
    kind: probe === 'api' ? 'http' : 'tcp',
    target: probe === 'api' ? 'https://api.ward-a.example/health' : 'db.ward-a.example:5432',
    labels: {},
    time,
    success,
    durationMs: probe === 'api' ? (success ? 100 : 2000) : 10,
    phases: {},
    ...(probe === 'api' && { certDaysLeft: 20.5 }),
    ...(!success && { failure: { reason: 'timeout' as const, message: 'timed out' } }),
  };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-report-cli-'));
  config = parseDeploymentConfig(
    `
version: 1
sites: [{ id: ward-a, name: Ward A, timezone: Europe/Berlin }]
probes:
  - { id: api, site: ward-a, kind: http, target: 'https://api.ward-a.example/health', interval: 5m }
  - { id: db, site: ward-a, kind: tcp, target: 'db.ward-a.example:5432', interval: 5m }
local: { data_dir: '${join(dir, 'data')}' }
`,
    'report.yaml',
    {},
  );
  const store = new SqliteStore({
    database: join(dir, 'data', 'pflow.db'),
    clock: { now: () => DAY_END },
    retentionMs: 30 * 24 * HOUR,
  });
  new SqliteConsoleQueries(store.db); // creates the rollup triggers before the results arrive
  const results: ProbeResult[] = [];
  for (let t = WEEK_START; t < DAY_END + HOUR; t += 5 * MIN) {
    results.push(result('api', t, !(t >= FAIL_FROM && t < FAIL_FROM + 30 * MIN)), result('db', t, true));
  }
  await store.writeProbeResults(results);
  const iso = (t: number) => new Date(t).toISOString();
  await store.writeAlertEvents([
    alertEvent({
      id: `ward-a/api-down/f1/${iso(FAIL_FROM + 5 * MIN)}/firing`,
      site: 'ward-a',
      rule: { id: 'api-down', name: 'API down', severity: 'critical' },
      labels: { probe: 'api' },
      startsAt: iso(FAIL_FROM),
      evaluatedAt: iso(FAIL_FROM + 5 * MIN),
    }),
    alertEvent({
      id: `ward-a/api-down/f1/${iso(FAIL_FROM + 35 * MIN)}/resolved`,
      site: 'ward-a',
      rule: { id: 'api-down', name: 'API down', severity: 'critical' },
      state: 'resolved',
      labels: { probe: 'api' },
      startsAt: iso(FAIL_FROM),
      endsAt: iso(FAIL_FROM + 30 * MIN),
      evaluatedAt: iso(FAIL_FROM + 35 * MIN),
    }),
  ]);
  new SqliteLifecycleStore(store.db).acknowledge({
    alertKey: 'api-down/f1',
    incarnation: FAIL_FROM,
    by: 'c.jones',
    reason: 'looking at it',
    at: FAIL_FROM + 10 * MIN,
    source: 'cli',
  });
  const beats = [];
  for (let t = WEEK_START; t < DAY_END; t += MIN) {
    if (t > DAY_START + 10 * HOUR && t < DAY_START + 10 * HOUR + 20 * MIN) continue;
    beats.push({ name: 'pflow_agent_up', labels: { site: 'ward-a', agent: 'ward-server-1' }, time: t, value: 1 });
  }
  await store.writeMetricSamples(beats);
  store.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function output() {
  const o = { stdout: '', stderr: '' };
  return { o, out: { stdout: (t: string) => (o.stdout += t), stderr: (t: string) => (o.stderr += t) } };
}

describe('pflow report', () => {
  it('prints the report of the day before, from the seeded store', async () => {
    const { o, out } = output();
    // 07:00 local on Monday 30 March: the report covers Sunday 29th.
    const clock = { now: () => Date.parse('2026-03-30T05:00:00.000Z') };
    expect(await runReport({ config, site: 'ward-a', format: 'text', clock }, out)).toBe(0);
    expect(o.stderr).toBe('');
    const text = o.stdout;
    expect(text).toContain('Daily report: Ward A, Sunday 29 March 2026');
    expect(text).toContain('this day had 23 hours');
    // 23 h × 12 results = 276 per probe; 6 api results failed: 270/276 = 97.826 %.
    expect(text).toMatch(/api\s+97\.82% day/);
    expect(text).toContain('Availability: 98.91% (6 of 552 failed) today');
    expect(text).toContain('06:00–06:30 (30 min) critical API down {probe=api} · c.jones at 06:10');
    // (270 × 100 + 6 × 2000) / 276 = 141.3 ms
    expect(text).toMatch(/api\s+141 ms\s+2000 ms/);
    expect(text).toContain('20 days left');
    expect(text).toContain('1 of 1 agent went silent.');
    expect(text).toContain('ward-server-1: silent 20 min (longest 20 min)');
  });

  it('writes HTML to a file with --output', async () => {
    const { o, out } = output();
    const file = join(dir, 'report.html');
    const clock = { now: () => DAY_END + 7 * HOUR };
    expect(
      await runReport({ config, site: 'ward-a', day: '2026-03-29', format: 'html', output: file, clock }, out),
    ).toBe(0);
    expect(o.stdout).toBe(`${file}: daily report of ward-a for 2026-03-29 (html)\n`);
    expect(readFileSync(file, 'utf8')).toContain('<td valign="bottom"');
  });

  it.each([
    [{ site: 'nope' }, '--site: no site "nope" (sites: ward-a)\n'],
    [{ site: 'ward-a', day: '29.03.2026' }, '--day: must be a date as YYYY-MM-DD, got "29.03.2026"\n'],
  ])('refuses %o with a message naming the option', async (args, message) => {
    const { o, out } = output();
    expect(await runReport({ config, format: 'text', clock: { now: () => DAY_END }, ...args }, out)).toBe(1);
    expect(o.stderr).toBe(message);
  });

  it('--send mails it through the delivery pipeline, once per day and channel', async () => {
    const smtp = await startSmtpServer();
    try {
      const withReport = parseDeploymentConfig(
        `
version: 1
sites: [{ id: ward-a, name: Ward A, timezone: Europe/Berlin }]
probes:
  - { id: api, site: ward-a, kind: http, target: 'https://api.ward-a.example/health', interval: 5m }
channels:
  - { id: mail, kind: email, email: { transport: smtp, host: 127.0.0.1, port: ${smtp.port}, from: pflow@hospital.example, to: [it@hospital.example] } }
reports:
  - { id: morning, channels: [mail] }
local: { data_dir: '${join(dir, 'data')}' }
`,
        'report.yaml',
        {},
      );
      const clock = { now: () => Date.parse('2026-03-30T05:00:00.000Z') };
      const first = output();
      expect(
        await runReport({ config: withReport, site: 'ward-a', format: 'text', send: true, clock }, first.out),
      ).toBe(0);
      expect(first.o.stdout).toBe(
        'daily report of ward-a for 2026-03-29: 1 delivered, 0 already sent, 0 queued for retry, 0 dead-lettered\n',
      );
      const again = output();
      expect(
        await runReport({ config: withReport, site: 'ward-a', format: 'text', send: true, clock }, again.out),
      ).toBe(0);
      expect(again.o.stdout).toContain('0 delivered, 1 already sent');
      expect(smtp.messages.map((m) => m.parsed.subject)).toEqual(['Daily report: Ward A, Sunday 29 March 2026']);
      expect(smtp.messages[0]!.parsed.text).toMatch(/api\s+97\.82% day/);
    } finally {
      await smtp.close();
    }
  });
});

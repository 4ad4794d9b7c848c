import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The whole loop in a child process, as a user runs it: probe a loopback target, store, evaluate,
 * route, and deliver to the log drop and the console; then read it all back through the API.
 * Time passes for real here (another process), so the test waits for conditions with a deadline.
 */

const dir = mkdtempSync(join(tmpdir(), 'pflow-e2e-'));
let targetUp = true;
let target: Server;
let runtime: ChildProcess;
let stdout = '';
let stderr = '';
let apiUrl = '';

async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function logDropEvents(): any[] {
  const root = join(dir, 'data', 'logdrop');
  const files: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.jsonl')) files.push(full);
    }
  };
  try {
    walk(root);
  } catch {
    return [];
  }
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line)),
  );
}

beforeAll(async () => {
  target = createServer((request, response) => {
    response.setHeader('connection', 'close');
    if (request.url === '/slow') {
      // Healthy but slow: its first result arrives after the first rule cycles have run.
      setTimeout(() => response.end('ok'), 1_000);
      return;
    }
    response.statusCode = targetUp ? 200 : 503;
    response.end(targetUp ? 'ok' : 'down');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const port = (target.address() as { port: number }).port;

  const config = `
version: 1
sites:
  - id: site-e2e
    timezone: Europe/Amsterdam
probes:
  - id: e2e-portal
    site: site-e2e
    kind: http
    target: http://127.0.0.1:${port}/health
    interval: 500ms
    timeout: 450ms
  - id: e2e-slow
    site: site-e2e
    kind: http
    target: http://127.0.0.1:${port}/slow
    interval: 2s
    timeout: 1500ms
rule_groups:
  - name: availability
    interval: 500ms
    rules:
      - id: e2e-portal-down
        name: E2E portal down
        severity: critical
        measure: success
        matchers: ['probe="e2e-portal"']
        window: 2s
        reducer: last
        threshold: { op: '<', value: 1 }
        annotations: { summary: 'The portal answers {{ $value }}' }
      - id: e2e-slow-down
        measure: success
        matchers: ['probe="e2e-slow"']
        window: 4s
        threshold: { op: '<', value: 1 }
      # A plain-http probe has no certificate: this rule's data never comes, a real no-data.
      - id: e2e-portal-cert
        measure: cert_days_left
        matchers: ['probe="e2e-portal"']
        window: 2s
        threshold: { op: '<', value: 14 }
channels:
  - id: drop
    kind: logdrop
  - id: terminal
    kind: console
routes:
  - channels: [drop, terminal]
local:
  data_dir: ${join(dir, 'data')}
  api_listen: 127.0.0.1:0
`;
  writeFileSync(join(dir, 'pflow.yaml'), config);
  runtime = spawn(process.execPath, ['dist/pflow.mjs', 'local', '--config', join(dir, 'pflow.yaml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  runtime.stdout!.on('data', (chunk) => (stdout += chunk));
  runtime.stderr!.on('data', (chunk) => (stderr += chunk));
  apiUrl = await until('the API URL on stdout', () => /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1]);
});

afterAll(async () => {
  if (runtime.exitCode === null) {
    runtime.kill('SIGKILL');
  }
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('local runtime, end to end', () => {
  it('fires when the target goes down and resolves when it comes back', async () => {
    await until('a successful probe in /api/probes', async () => {
      const body: any = await (await fetch(`${apiUrl}/api/probes`)).json();
      return body.probes.find((p: any) => p.probe === 'e2e-portal' && p.success) ? true : undefined;
    });

    targetUp = false;
    const firing = await until('a firing event in the log drop', () =>
      logDropEvents().find((e) => e.rule.id === 'e2e-portal-down' && e.state === 'firing'),
    );
    expect(firing).toMatchObject({
      schema: 'performanceflow.alert/v1',
      site: 'site-e2e',
      rule: { id: 'e2e-portal-down', name: 'E2E portal down', severity: 'critical' },
      state: 'firing',
      value: 0,
      threshold: { op: '<', value: 1 },
      labels: { probe: 'e2e-portal' },
      // No dashboard annotation on the rule and no Grafana: the link is the console's probe page.
      annotations: {
        summary: 'The portal answers 0',
        dashboard: `${apiUrl}/console/probe.html?site=site-e2e&probe=e2e-portal&range=24h`,
      },
      endsAt: null,
    });
    const alerts = ((await (await fetch(`${apiUrl}/api/alerts`)).json()) as any).alerts;
    expect(alerts).toContainEqual(expect.objectContaining({ ruleId: 'e2e-portal-down', state: 'firing' }));

    targetUp = true;
    const resolved = await until('a resolved event in the log drop', () =>
      logDropEvents().find(
        (e) => e.rule.id === 'e2e-portal-down' && e.state === 'resolved' && e.previousState === 'firing',
      ),
    );
    expect(resolved.startsAt).toBe(firing.startsAt);
    expect(Date.parse(resolved.endsAt)).toBeGreaterThan(Date.parse(firing.startsAt));

    // The API reads the store, which the write buffer fills within its flush interval.
    const states = await until('firing and resolved in /api/events', async () => {
      const events = ((await (await fetch(`${apiUrl}/api/events?limit=50`)).json()) as any).events;
      const seen = events.map((e: any) => e.state);
      return seen.includes('firing') && seen.includes('resolved') ? seen : undefined;
    });
    expect(states).toEqual(expect.arrayContaining(['firing', 'resolved']));
    // A fresh start raises no no-data alert for healthy probes, even one whose first result comes
    // after the first rule cycles; the one real no-data names its site and probe.
    await until('the no-data event of e2e-portal-cert', () =>
      logDropEvents().find((e) => e.rule.id === 'e2e-portal-cert' && e.state === 'nodata'),
    );
    const nodata = logDropEvents().filter((e) => e.state === 'nodata');
    expect(nodata.map((e) => e.rule.id)).toEqual(['e2e-portal-cert']);
    expect(nodata[0]).toMatchObject({
      site: 'site-e2e',
      labels: {
        probe: 'e2e-portal',
        kind: 'http',
        target: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/health$/),
      },
    });
    expect(logDropEvents().filter((e) => e.rule.id === 'e2e-slow-down')).toEqual([]);
    // Each state change is delivered once per channel: no duplicates in the log drop.
    const ids = logDropEvents().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(stdout).toMatch(/FIRING.*E2E portal down/);
    expect(stdout).toMatch(/RESOLVED.*E2E portal down/);
  }, 90_000);

  it('shuts down cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => runtime.once('exit', (code) => resolve(code)));
    runtime.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/ERROR/);
  });
});

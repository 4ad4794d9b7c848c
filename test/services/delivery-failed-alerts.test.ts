import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryDatabasePath } from '../../src/adapters/local/sqlite-delivery.js';
import { loadDataDirOrReport } from '../../src/cli/data-dir.js';
import { runDeadLetters } from '../../src/cli/notify.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { systemClock } from '../../src/domain/ports.js';
import { LocalRuntime } from '../../src/runtime/local-runtime.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';
import { captureLogger } from '../support/logger.js';

/**
 * The pipeline's own `pflow-delivery-failed` alert, end to end in the local runtime: a real
 * loopback webhook that refuses (404) dead-letters the portal alert; the delivery-failed alert
 * must then be an alert like any other (in /api/alerts and /api/events, and on the console), and
 * resolve once `pflow notify dead-letters --retry` re-queued the letter and it was delivered.
 */

const TOKEN = 'hook-secret-token-0d1e2f';
let dir: string;
let target: Server;
let receiver: HttpReceiver;
let runtime: LocalRuntime | undefined;
let lines: any[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-dlq-'));
  lines = [];
  target = createServer((_request, response) => {
    response.statusCode = 503;
    response.end('down');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  receiver = await startHttpReceiver({ reply: { status: 404, body: 'no_service' } });
});
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  await receiver.close();
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function configText(): string {
  const port = (target.address() as { port: number }).port;
  return `
version: 1
sites: [{ id: site-a }]
probes:
  - { id: portal, site: site-a, kind: http, target: 'http://127.0.0.1:${port}/', interval: 200ms, timeout: 150ms }
rule_groups:
  - name: availability
    interval: 200ms
    rules:
      - id: portal-down
        name: Portal down
        severity: critical
        measure: success
        matchers: ['probe="portal"']
        window: 1s
        reducer: last
        threshold: { op: '<', value: 1 }
        no_data: ok
channels:
  - id: hook
    kind: webhook
    webhook: { url: '\${HOOK_URL}', secret: '\${HOOK_SECRET}' }
  - id: terminal
    kind: console
    console: { format: json }
routes:
  - matchers: ['rule="portal-down"']
    channels: [hook]
delivery: { immediate_attempts: 1, initial_backoff: 100ms, max_backoff: 1s, queue_retry: 1s }
local: { data_dir: '${join(dir, 'data')}', api_listen: '127.0.0.1:0' }
`;
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function captureOutput() {
  const output = { stdout: '', stderr: '' };
  const out = {
    stdout: (text: string) => void (output.stdout += text),
    stderr: (text: string) => void (output.stderr += text),
  };
  return { output, out };
}

const failedAlerts = (state: string) =>
  lines.filter((event) => event.rule.id === 'pflow-delivery-failed' && event.state === state);

describe('the delivery-failed alert', () => {
  it('is listed in /api/alerts and /api/events and resolves after a successful dead-letter retry', async () => {
    const file = join(dir, 'pflow.yaml');
    writeFileSync(file, configText());
    const env = { HOOK_URL: receiver.urlFor(`/hooks/${TOKEN}`), HOOK_SECRET: 'signing-secret-0123456789' };
    const logger = captureLogger();
    runtime = new LocalRuntime(parseDeploymentConfig(configText(), file, env), {
      clock: systemClock,
      logger,
      stdout: (line) => lines.push(JSON.parse(line)),
    });
    const api = (await runtime.start()).api;
    const get = async (path: string) => (await fetch(`${api}${path}`)).json() as Promise<any>;

    const [raised] = await until('the delivery-failed alert on the console', () =>
      failedAlerts('firing').length > 0 ? failedAlerts('firing') : undefined,
    );
    expect(raised).toMatchObject({ site: 'site-a', labels: { channel: 'hook' } });
    const alerts = (await get('/api/alerts')).alerts as any[];
    expect(alerts.filter((alert) => alert.ruleId === 'pflow-delivery-failed')).toMatchObject([
      { state: 'firing', site: 'site-a', labels: { channel: 'hook' }, firingSince: expect.stringMatching(/Z$/) },
    ]);
    const events = (await get('/api/events?limit=100')).events as any[];
    expect(events.filter((event) => event.rule.id === 'pflow-delivery-failed')).toEqual([raised]);
    // One refused attempt on the hook, one delivery of the alert on the console.
    const delivery = await until('the console delivery counted', async () => {
      const figures = (await get('/api/health')).delivery;
      return figures.delivered === 1 ? figures : undefined;
    });
    expect(delivery).toMatchObject({
      attempts: 2,
      failedAttempts: 1,
      delivered: 1,
      retries: 0,
      deadLettered: 1,
      backlog: { deadLetters: 1, retryQueue: 0 },
    });

    // Listing needs no channel secret, and prints none.
    const listing = captureOutput();
    const dataDir = await loadDataDirOrReport(file, listing.out, {});
    expect(dataDir).toBe(join(dir, 'data'));
    expect(await runDeadLetters({ dbPath: deliveryDatabasePath(dataDir!), retry: false, out: listing.out })).toBe(0);
    expect(listing.output.stdout).toMatch(/ hook +site-a\/portal-down\/\S+\/firing +1 +http_404/);
    expect(listing.output.stdout).toContain('1 dead letter(s), 1 event(s).');
    expect(listing.output.stderr).toBe('');
    expect(listing.output.stdout).not.toContain(TOKEN);

    // The receiver is fixed; the operator re-queues; the next drain delivers and resolves the alert.
    receiver.replyWith({ status: 200, body: 'ok' });
    const retrying = captureOutput();
    expect(await runDeadLetters({ dbPath: deliveryDatabasePath(dataDir!), retry: true, out: retrying.out })).toBe(0);
    const [resolved] = await until('the delivery-failed alert resolved on the console', () =>
      failedAlerts('resolved').length > 0 ? failedAlerts('resolved') : undefined,
    );
    expect(resolved).toMatchObject({ site: 'site-a', labels: { channel: 'hook' }, startsAt: raised.startsAt });
    expect(receiver.requests.filter((request) => request.answeredWith === 200)).toHaveLength(1);
    expect(
      ((await get('/api/alerts')).alerts as any[]).filter((alert) => alert.ruleId === 'pflow-delivery-failed'),
    ).toEqual([]);
    const after = (await get('/api/events?limit=100')).events as any[];
    expect(after.filter((event) => event.rule.id === 'pflow-delivery-failed').map((event) => event.state)).toEqual([
      'resolved',
      'firing',
    ]);
    expect(failedAlerts('firing')).toHaveLength(1);
    expect(logger.text()).not.toContain(TOKEN);
  });
});

describe('listing dead letters without secrets', () => {
  it('still refuses a config with a real error, naming it', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, configText().replace('interval: 200ms, timeout', 'interval: soon, timeout'));
    const { output, out } = captureOutput();
    expect(await loadDataDirOrReport(file, out, {})).toBeUndefined();
    expect(output.stderr).toMatch(/probes\[0\]\.interval|probes\.0\.interval/);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readApiToken } from '../../src/runtime/api-token.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';

/**
 * Kill -9 at chosen points of the send path, then restart: the shipped bundle (dist/pflow.mjs)
 * in a child process, a loopback target that is down (so a rule fires) and a real loopback
 * webhook receiver. The firing notification the first run committed must reach the receiver after
 * the restart — exactly once where the receiver never answered 2xx before the crash, twice at most
 * where it did. The target stays down, so the restarted runtime's state says "notified" and its
 * own evaluations announce nothing new: only the outbox can deliver that event id. Real time
 * passes in the child, so the test waits for conditions (a request, a log line, /api/health
 * counts) with deadlines, never for fixed sleeps.
 */

let dir: string;
let target: Server;
let receiver: HttpReceiver;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-crash-'));
  target = createServer((_request, response) => {
    response.statusCode = 503;
    response.setHeader('connection', 'close');
    response.end('down');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  receiver = await startHttpReceiver();
});
afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.length = 0;
  await receiver.close();
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(options: { groupWait?: string; grace?: string; escalateAfter?: string } = {}): string {
  const port = (target.address() as { port: number }).port;
  const file = join(dir, 'pflow.yaml');
  writeFileSync(
    file,
    `
version: 1
sites: [{ id: site-c }]
probes:
  - { id: portal, site: site-c, kind: http, target: 'http://127.0.0.1:${port}/', interval: 200ms, timeout: 150ms }
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
        # Only the firing notification: the first cycles may run before the first probe result.
        no_data: ok
channels:
  - id: hook
    kind: webhook
    webhook: { url: '${receiver.urlFor('/hook')}', timeout: 30s }
${
  options.escalateAfter === undefined
    ? ''
    : `  - id: tier
    kind: webhook
    webhook: { url: '${receiver.urlFor('/tier')}', timeout: 30s }`
}
routes:
  - channels: [hook]
    group_wait: ${options.groupWait ?? '0s'}
${options.escalateAfter === undefined ? '' : `    escalate: [{ after: ${options.escalateAfter}, channels: [tier] }]`}
delivery: { immediate_attempts: 3, initial_backoff: 300ms, max_backoff: 1s, queue_retry: 1s }
local: { data_dir: ${join(dir, 'data')}, api_listen: '127.0.0.1:0', shutdown_grace: ${options.grace ?? '5s'} }
`,
  );
  return file;
}

interface Runtime {
  readonly child: ChildProcess;
  readonly api: string;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
}

async function startRuntime(config: string): Promise<Runtime> {
  const child = spawn(process.execPath, ['dist/pflow.mjs', 'local', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const api = await until(
    'the API URL',
    () => /(http:\/\/127\.0\.0\.1:\d+)\/api/.exec(output)?.[1],
    () => output,
  );
  return { child, api, output: () => output, exited };
}

/** Polls a condition (a request arrived, a log line, a count) until it holds; fails after 15 s. */
async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, context = () => '') {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Backlog {
  sendsInFlight: number;
  outbox: number | null;
  retryQueue: number | null;
}

async function backlog(api: string): Promise<Backlog> {
  const health = (await (await fetch(`${api}/api/health`)).json()) as { delivery: { backlog: Backlog } };
  return health.delivery.backlog;
}

/** True once nothing is left that could send again: no send in flight, outbox and retry queue empty. */
async function settled(api: string): Promise<true | undefined> {
  const now = await backlog(api);
  return now.sendsInFlight === 0 && now.outbox === 0 && now.retryQueue === 0 ? true : undefined;
}

/** Event ids committed in the outbox of the (stopped or running) runtime's pflow.db. */
function outboxIds(): string[] {
  const db = new Database(join(dir, 'data', 'pflow.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT event_id FROM alert_outbox ORDER BY event_id').pluck().all() as string[];
  } finally {
    db.close();
  }
}

async function kill9(runtime: Runtime): Promise<void> {
  runtime.child.kill('SIGKILL');
  await runtime.exited;
}

function eventIdsOf(request: { json: unknown }): string[] {
  return (request.json as { events: { id: string }[] }).events.map((event) => event.id);
}

/** Event ids the receiver accepted (answered 2xx), with how often. */
function accepted(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of receiver.requests) {
    if (request.answeredWith !== 200) continue;
    for (const id of eventIdsOf(request)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Restarts with a healthy receiver and waits until `eventId` is delivered and nothing is left to send. */
async function restartAndDeliver(config: string, eventId: string): Promise<Runtime> {
  receiver.replyWith({ status: 200, body: 'ok' });
  const second = await startRuntime(config);
  await until(
    'the committed notification to arrive',
    () => (accepted().has(eventId) ? true : undefined),
    second.output,
  );
  await until('nothing left to deliver', () => settled(second.api), second.output);
  return second;
}

// Each case starts the bundle twice and waits on real time; generous on a shared, loaded machine.
describe('a crash on the send path loses no firing notification', { timeout: 45_000 }, () => {
  it('kill -9 after the state and its notification committed, before the first attempt', async () => {
    // group_wait holds the notification in memory after the commit: the crash lands between the two.
    const config = writeConfig({ groupWait: '3s' });
    const first = await startRuntime(config);
    await until('the notification to be committed', async () => ((await backlog(first.api)).outbox ?? 0) > 0);
    await kill9(first);
    expect(receiver.requests).toHaveLength(0);
    const [staged] = outboxIds();
    expect(staged).toMatch(/\/portal-down\/.*\/firing$/);
    await restartAndDeliver(config, staged!);
    expect(accepted()).toEqual(new Map([[staged, 1]]));
    expect(outboxIds()).toEqual([]);
  });

  it('kill -9 while the receiver hangs on the first attempt (it would answer after 20 s or never)', async () => {
    receiver.replyWith({ hang: true });
    const config = writeConfig();
    const first = await startRuntime(config);
    await receiver.waitForRequests(1, 15_000);
    await kill9(first);
    const [eventId] = eventIdsOf(receiver.requests[0]!);
    await restartAndDeliver(config, eventId!);
    expect(accepted()).toEqual(new Map([[eventId, 1]]));
  });

  it('kill -9 after a failed attempt (receiver answering 500)', async () => {
    receiver.replyWith({ status: 500, body: 'broken' });
    const config = writeConfig();
    const first = await startRuntime(config);
    // The runtime has seen the 500 and is backing off before its next attempt.
    await until(
      'the failed attempt to be logged',
      () => /delivery attempt failed; retrying/.test(first.output()) || undefined,
      first.output,
    );
    await kill9(first);
    expect(accepted().size).toBe(0);
    const [eventId] = eventIdsOf(receiver.requests[0]!);
    await restartAndDeliver(config, eventId!);
    expect(accepted()).toEqual(new Map([[eventId, 1]]));
  });

  it('kill -9 after attempts ran out into the durable retry queue', async () => {
    receiver.replyWith({ status: 500, body: 'broken' });
    const config = writeConfig();
    const first = await startRuntime(config);
    await until(
      'the notification to be queued',
      async () => ((await backlog(first.api)).retryQueue ?? 0) > 0,
      first.output,
    );
    await kill9(first);
    const [eventId] = eventIdsOf(receiver.requests[0]!);
    await restartAndDeliver(config, eventId!);
    expect(accepted()).toEqual(new Map([[eventId, 1]]));
  });

  it('kill -9 after the receiver answered 2xx, before the runtime recorded it: at most one duplicate', async () => {
    const config = writeConfig();
    receiver.replyWith(() => {
      // The receiver has taken the notification; the runtime dies before it reads the answer.
      children.at(-1)!.kill('SIGKILL');
      return { status: 200, body: 'ok' };
    });
    const first = await startRuntime(config);
    await first.exited;
    const [eventId] = eventIdsOf(receiver.requests[0]!);
    expect(accepted()).toEqual(new Map([[eventId, 1]]));
    await restartAndDeliver(config, eventId!);
    // The documented window: the runtime never learnt of the 2xx, so the outbox sends it once more.
    expect(accepted()).toEqual(new Map([[eventId, 2]]));
  });
});

describe('a crash loses no acknowledgement update or escalation message', { timeout: 45_000 }, () => {
  const carriesAck = (request: { json: unknown }) =>
    (request.json as { events: { acknowledgement?: unknown }[] }).events.some((e) => e.acknowledgement !== undefined);

  it('kill -9 while the receiver hangs on the "acknowledged by" update', async () => {
    receiver.replyWith((request) => (carriesAck(request) ? { hang: true } : { status: 200, body: 'ok' }));
    const config = writeConfig();
    const first = await startRuntime(config);
    await receiver.waitForRequests(1, 15_000);
    const answer = await fetch(`${first.api}/api/alerts/ack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${readApiToken(join(dir, 'data'))}` },
      body: JSON.stringify({ alert: 'portal-down', by: 'Ana', reason: 'restarting the portal' }),
    });
    expect(await answer.json()).toMatchObject({ outcome: 'acknowledged' });
    const update = await until('the update to be attempted', () => receiver.requests.find(carriesAck), first.output);
    await kill9(first);
    const [updateId] = eventIdsOf(update);
    expect(updateId).toMatch(/\/portal-down\/.*\/firing\/ack$/);
    expect(outboxIds()).toEqual([updateId]);
    const second = await restartAndDeliver(config, updateId!);
    expect(accepted().get(updateId!)).toBe(1);
    // Still one acknowledgement on record: the restart delivered the update, it did not ack again.
    const audit = (await (await fetch(`${second.api}/api/acks`)).json()) as { acks: unknown[] };
    expect(audit.acks).toHaveLength(1);
  });

  it('kill -9 while the receiver hangs on the escalation tier’s message', async () => {
    receiver.replyWith((request) => (request.path === '/tier' ? { hang: true } : { status: 200, body: 'ok' }));
    const config = writeConfig({ escalateAfter: '1s' });
    const first = await startRuntime(config);
    const tier = await until(
      'the tier to be told',
      () => receiver.requests.find((request) => request.path === '/tier'),
      first.output,
    );
    await kill9(first);
    const [tierId] = eventIdsOf(tier);
    expect(tierId).toMatch(/\/portal-down\/.*\/firing\/escalate-1$/);
    await restartAndDeliver(config, tierId!);
    // The tier's message came from the outbox; the restarted evaluation did not escalate again.
    const toTier = receiver.requests.filter((r) => r.path === '/tier' && r.answeredWith === 200);
    expect(toTier.flatMap(eventIdsOf)).toEqual([tierId]);
  });
});

describe('stopping with a hanging receiver', { timeout: 45_000 }, () => {
  it('starts no attempt after SIGTERM, stops within the grace, and delivers at the next start', async () => {
    receiver.replyWith({ hang: true });
    const config = writeConfig({ grace: '1s' });
    const first = await startRuntime(config);
    await receiver.waitForRequests(1, 15_000);
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    const took = Date.now() - signalledAt;
    expect(exit.code).toBe(0);
    // The grace (1 s) plus closing files; far below systemd's default 90 s stop timeout.
    expect(took).toBeLessThan(8_000);
    expect(receiver.requests).toHaveLength(1);
    expect(first.output()).toMatch(
      /stopping: no new probes, evaluations or delivery attempts.*sendsInFlight=1.*graceSeconds=1/,
    );
    expect(first.output()).toMatch(/deliveries stopped.*interrupted=1.*retryQueue=1/);
    const [eventId] = eventIdsOf(receiver.requests[0]!);
    await restartAndDeliver(config, eventId!);
    expect(accepted()).toEqual(new Map([[eventId, 1]]));
  });

  it('a second signal exits at once and loses nothing', async () => {
    receiver.replyWith({ hang: true });
    const config = writeConfig({ grace: '30s' });
    const first = await startRuntime(config);
    await receiver.waitForRequests(1, 15_000);
    first.child.kill('SIGTERM');
    await until('the stop to begin', () => /stopping:/.test(first.output()) || undefined, first.output);
    const secondAt = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    expect(Date.now() - secondAt).toBeLessThan(5_000);
    expect(exit.code).toBe(143);
    expect(first.output()).toMatch(/second stop signal: exiting now/);
    expect(receiver.requests).toHaveLength(1);
    const [eventId] = eventIdsOf(receiver.requests[0]!);
    await restartAndDeliver(config, eventId!);
    expect(accepted()).toEqual(new Map([[eventId, 1]]));
  });
});

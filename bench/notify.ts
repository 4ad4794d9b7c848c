/**
 * Delivery benchmark: alert events rendered and delivered per second through the dispatcher and
 * the real webhook channel to a loopback HTTP receiver (no rate limit), and the latency from an
 * event's creation to its arrival at the receiver under a steady load.
 *
 *   npx tsx bench/notify.ts [--events 10000] [--seconds 5]
 *
 * The receiver runs in a worker thread, so it has its own event loop as a real receiver would;
 * the notification log and retry queue are a real SQLite file. Goals (issue 3): ≥ 2,000 events/s,
 * p99 creation → receiver < 250 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { SqliteDelivery } from '../src/adapters/local/sqlite-delivery.js';
import { channelFactories } from '../src/channels/registry.js';
import { webhookSettingsSchema } from '../src/channels/webhook/settings.js';
import { NotificationDispatcher } from '../src/delivery/dispatcher.js';
import { keepAliveFetch } from '../src/delivery/keep-alive-fetch.js';
import { ALERT_EVENT_SCHEMA, type AlertEvent } from '../src/domain/alerts/event.js';
import { systemClock, type Logger } from '../src/domain/ports.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const BURST_EVENTS = option('events', 10_000);
const PACED_SECONDS = option('seconds', 5);

const RECEIVER = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const latencies = [];
let events = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    for (const event of JSON.parse(Buffer.concat(chunks).toString()).events) {
      events++;
      latencies.push(at - Number(event.annotations.created_at));
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'report') { parentPort.postMessage({ events, latencies: latencies.splice(0) }); events = 0; }
  if (m === 'close') server.close(() => process.exit(0));
});
`;

type Transport = 'keep-alive' | 'global fetch';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
let sequence = 0;

function freshEvent(): AlertEvent {
  const n = sequence++;
  const createdAt = performance.timeOrigin + performance.now();
  const at = new Date().toISOString();
  return {
    schema: ALERT_EVENT_SCHEMA,
    id: `site-a/bench-rule/${n.toString(16).padStart(16, '0')}/${at}/firing`,
    site: 'site-a',
    rule: { id: 'bench-rule', name: 'Bench rule', severity: 'critical' },
    state: 'firing',
    previousState: 'pending',
    value: 0,
    threshold: { op: '<', value: 1 },
    labels: { probe: `probe-${n % 100}`, target: `https://pfsw.example/login/${n % 100}` },
    annotations: {
      summary: 'Login API is down',
      runbook: 'https://wiki.example/runbooks/pfsw',
      created_at: String(createdAt),
    },
    startsAt: at,
    endsAt: null,
    evaluatedAt: at,
  };
}

async function main(): Promise<void> {
  const receiver = new Worker(RECEIVER, { eval: true });
  const port = await new Promise<number>((resolve) =>
    receiver.once('message', (m: { port: number }) => resolve(m.port)),
  );
  const report = () =>
    new Promise<{ events: number; latencies: number[] }>((resolve) => {
      receiver.once('message', resolve);
      receiver.postMessage('report');
    });
  const dir = mkdtempSync(join(tmpdir(), 'pflow-bench-notify-'));
  console.log(`node ${process.version}, receiver on 127.0.0.1:${port} (worker thread), SQLite nflog in ${dir}`);
  // Figures move with whatever else runs on the machine: print its load alongside them.
  const load = () =>
    loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');
  console.log(`load average at start: ${load()}`);

  const fastFetch = keepAliveFetch();
  const dispatcherWith = (
    store: SqliteDelivery,
    maxInFlightPerChannel: number,
    transport: Transport = 'keep-alive',
  ) => {
    const webhook = channelFactories.webhook(
      'hook',
      webhookSettingsSchema.parse({ url: `http://127.0.0.1:${port}/hooks/bench` }),
      {
        clock: systemClock,
        logger: quiet,
        dataDir: dir,
        timezoneFor: () => 'UTC',
        ...(transport === 'keep-alive' ? { fetch: fastFetch } : {}),
      },
    );
    return new NotificationDispatcher({
      routes: [{ matchers: [], channels: ['hook'], continue: false, groupWaitMs: 0 }],
      channels: [{ id: 'hook', kind: 'webhook', settings: {}, sendResolved: true }],
      senders: new Map([['hook', webhook]]),
      delivery: {
        immediateAttempts: 3,
        initialBackoffMs: 100,
        maxBackoffMs: 1_000,
        maxAttempts: 10,
        queueRetryMs: 1_000,
      },
      queue: store.queue,
      log: store.log,
      deadLetters: store.deadLetters,
      logger: quiet,
      maxInFlightPerChannel,
    });
  };

  try {
    // Warm-up: JIT, keep-alive connections, SQLite pages.
    {
      const store = SqliteDelivery.open(join(dir, 'warmup.db'));
      await dispatcherWith(store, 16).dispatch(Array.from({ length: 1_000 }, freshEvent));
      await dispatcherWith(store, 16, 'global fetch').dispatch(Array.from({ length: 1_000 }, freshEvent));
      store.close();
      await report();
    }

    console.log(`\nThroughput: ${BURST_EVENTS} events dispatched at once, one webhook channel, no rate limit`);
    console.log(
      'transport     in flight  events/s   delivered  wall ms  CPU µs/event  p99 create→receive ms (burst, includes queueing)',
    );
    for (const [transport, inFlight] of [
      ['global fetch', 16],
      ['keep-alive', 4],
      ['keep-alive', 16],
      ['keep-alive', 64],
    ] as const) {
      const store = SqliteDelivery.open(join(dir, `burst-${transport}-${inFlight}.db`));
      const dispatcher = dispatcherWith(store, inFlight, transport);
      const events = Array.from({ length: BURST_EVENTS }, freshEvent);
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      await dispatcher.dispatch(events);
      const wallMs = performance.now() - started;
      // The whole process, receiver thread included: steadier than events/s on a loaded machine.
      const cpu = process.cpuUsage(cpuBefore);
      const received = await report();
      store.close();
      console.log(
        `${transport.padEnd(12)}  ${String(inFlight).padStart(9)}  ${fmt(BURST_EVENTS / (wallMs / 1000)).padStart(8)}  ${String(received.events).padStart(9)}  ${fmt(wallMs).padStart(7)}  ${fmt((cpu.user + cpu.system) / BURST_EVENTS).padStart(12)}  ${fmt(percentile(received.latencies, 0.99))}`,
      );
    }

    console.log(
      `\nLatency: steady load for ${PACED_SECONDS} s, keep-alive transport, events created and dispatched as a rule cycle would`,
    );
    console.log('rate/s  in flight  events  p50 ms  p95 ms  p99 ms  max ms');
    const pacedInFlight = 16;
    for (const rate of [100, 500, 1_000]) {
      const store = SqliteDelivery.open(join(dir, `paced-${rate}.db`));
      const dispatcher = dispatcherWith(store, pacedInFlight);
      const batch = Math.max(1, Math.round(rate / 100));
      const ticks = PACED_SECONDS * 100;
      const started = performance.now();
      const pending: Promise<void>[] = [];
      for (let tick = 0; tick < ticks; tick++) {
        pending.push(dispatcher.dispatch(Array.from({ length: batch }, freshEvent)));
        const next = started + (tick + 1) * 10;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
      }
      await Promise.all(pending);
      await dispatcher.close();
      if (dispatcher.stats.retries > 0)
        console.log(`  (${dispatcher.stats.retries} retries: ${JSON.stringify(dispatcher.stats)})`);
      const received = await report();
      store.close();
      const l = received.latencies;
      console.log(
        `${String(rate).padStart(6)}  ${String(pacedInFlight).padStart(9)}  ${String(received.events).padStart(6)}  ${fmt2(percentile(l, 0.5)).padStart(6)}  ${fmt2(percentile(l, 0.95)).padStart(6)}  ${fmt2(percentile(l, 0.99)).padStart(6)}  ${fmt2(Math.max(...l)).padStart(6)}`,
      );
    }
    fastFetch.close();
    console.log(`\nload average at end: ${load()}`);
    console.log('Goals: ≥ 2,000 events/s with no rate limit; p99 creation → receiver < 250 ms.');
  } finally {
    receiver.postMessage('close');
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmt2 = (n: number) => n.toFixed(1);

await main();

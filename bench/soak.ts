/**
 * Memory soak of the whole local runtime: N HTTP probes at a fixed interval against loopback targets,
 * rules over them in several groups, alerts firing and resolving on a flapping target, every event
 * delivered to a log-drop channel and the console channel. Prints process memory (RSS, JS heap,
 * external, ArrayBuffers) and the database's file sizes every sample period, and at the end a
 * least-squares slope for the whole run and for its second half (growth that levels off shows up
 * as a much smaller second-half slope). Prints figures; asserts nothing.
 *
 *   nice npx tsx bench/soak.ts [--minutes 90] [--sample-seconds 30] [--probes 200] [--interval 2s]
 *                              [--rules 20] [--data-dir DIR] [--api-poll-seconds 5]
 *
 * The targets run in a child process so their memory is not counted. The runtime runs in this
 * process exactly as `pflow local` composes it (LocalRuntime with the system clock).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDeploymentConfig } from '../src/domain/config/load.js';
import type { Logger } from '../src/domain/ports.js';
import { systemClock } from '../src/domain/ports.js';
import { LocalRuntime } from '../src/runtime/local-runtime.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '90' },
    'sample-seconds': { type: 'string', default: '30' },
    probes: { type: 'string', default: '200' },
    interval: { type: 'string', default: '2s' },
    rules: { type: 'string', default: '20' },
    'data-dir': { type: 'string' },
    'api-poll-seconds': { type: 'string', default: '5' },
  },
});
const MINUTES = Number(args.minutes);
const SAMPLE_MS = Number(args['sample-seconds']) * 1000;
const PROBES = Number(args.probes);
const RULES = Number(args.rules);
const API_POLL_MS = Number(args['api-poll-seconds']) * 1000;

// ── targets: one healthy, one flapping (up 30 s, down 30 s), in a child process ─────────────

const TARGET_SOURCE = `
const http = require('node:http');
const started = Date.now();
const healthy = http.createServer((req, res) => { res.writeHead(200, {'content-type':'text/plain'}); res.end('ok\\n'); });
const flapping = http.createServer((req, res) => {
  const up = Math.floor((Date.now() - started) / 30000) % 2 === 0;
  res.writeHead(up ? 200 : 503, {'content-type':'text/plain'}); res.end(up ? 'ok\\n' : 'down\\n');
});
healthy.listen(0, '127.0.0.1', () => flapping.listen(0, '127.0.0.1', () =>
  process.send({ healthy: healthy.address().port, flapping: flapping.address().port })));
`;

async function startTargets(): Promise<{ healthy: number; flapping: number; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', TARGET_SOURCE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await new Promise<{ healthy: number; flapping: number }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { healthy: number; flapping: number }));
    child.once('exit', (code) => reject(new Error(`target process exited (${code})`)));
  });
  return { ...ports, stop: () => child.kill() };
}

function configYaml(dataDir: string, ports: { healthy: number; flapping: number }, apiPort: number): string {
  const probes: string[] = [];
  for (let i = 0; i < PROBES; i++) {
    // One probe in ten watches the flapping target, so alerts fire and resolve all through the soak.
    const flapping = i % 10 === 0;
    probes.push(
      `  - id: p${i}
    site: site-${i % 4}
    kind: http
    target: http://127.0.0.1:${flapping ? ports.flapping : ports.healthy}/health
    interval: ${args.interval}
    timeout: 1s
    labels: { service: svc-${i % 20}, flapping: '${flapping}' }`,
    );
  }
  const groups: string[] = [];
  const perGroup = 5;
  for (let g = 0; g * perGroup < RULES; g++) {
    const rules: string[] = [];
    for (let r = g * perGroup; r < Math.min(RULES, (g + 1) * perGroup); r++) {
      rules.push(
        r % 2 === 0
          ? `      - id: down-${r}
        name: Service ${r} down
        severity: critical
        measure: success
        matchers: ['service="svc-${r % 20}"']
        reducer: last
        window: 30s
        threshold: { op: '<', value: 1 }
        for: 4s`
          : `      - id: slow-${r}
        name: Service ${r} slow
        severity: warning
        measure: duration_ms
        matchers: ['service="svc-${r % 20}"']
        reducer: avg
        window: 1m
        threshold: { op: '>', value: 500 }`,
      );
    }
    groups.push(`  - name: group-${g}\n    interval: 5s\n    rules:\n${rules.join('\n')}`);
  }
  return `version: 1
sites:
${[0, 1, 2, 3].map((s) => `  - id: site-${s}\n    timezone: UTC`).join('\n')}
probes:
${probes.join('\n')}
rule_groups:
${groups.join('\n')}
channels:
  - id: console
    kind: console
  - id: logdrop
    kind: logdrop
    logdrop:
      target: directory
      directory: ${join(dataDir, 'logdrop')}
routes:
  - matchers: ['severity="critical"']
    channels: [console, logdrop]
    continue: true
  - channels: [logdrop]
local:
  data_dir: ${dataDir}
  api_listen: 127.0.0.1:${apiPort}
`;
}

// ── measurement ─────────────────────────────────────────────────────────────────────────────

interface Sample {
  readonly minutes: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly dbBytes: number;
  readonly walBytes: number;
  readonly deliveryBytes: number;
}

const MB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MB).toFixed(1).padStart(7);
const fileSize = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return num / den;
}

async function main(): Promise<void> {
  const dataDir = args['data-dir'] ?? mkdtempSync(join(tmpdir(), 'pflow-soak-'));
  const targets = await startTargets();
  const apiPort = 20_000 + Math.floor(Math.random() * 20_000);
  const config = parseDeploymentConfig(configYaml(dataDir, targets, apiPort), 'soak.yaml', {});
  const counts = { warn: 0, error: 0, consoleLines: 0 };
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (message) => {
      counts.warn++;
      if (counts.warn <= 20) process.stderr.write(`warn: ${message}\n`);
    },
    error: (message, fields) => {
      counts.error++;
      if (counts.error <= 20) process.stderr.write(`error: ${message} ${JSON.stringify(fields ?? {})}\n`);
    },
  };
  const runtime = new LocalRuntime(config, {
    clock: systemClock,
    logger,
    stdout: () => {
      counts.consoleLines++;
    },
  });
  const urls = await runtime.start();
  const started = performance.now();
  console.log(
    `soak: ${PROBES} http probes every ${args.interval}, ${RULES} rules, ${MINUTES} min, sample every ${SAMPLE_MS / 1000} s; ` +
      `node ${process.version}; data ${dataDir}`,
  );
  console.log('   min     rss  heapUsed heapTotal external arrayBuf    db MB   wal MB  deliv MB  api ms');

  // A dashboard polling the API, as an operator's browser would.
  let apiMs = 0;
  const poll = setInterval(() => {
    const t = performance.now();
    void Promise.all(
      ['/api/probes', '/api/alerts', '/api/events?limit=100', '/api/health'].map((path) =>
        fetch(`${urls.api}${path}`).then((response) => response.arrayBuffer()),
      ),
    )
      .then(() => {
        apiMs = performance.now() - t;
      })
      .catch(() => {});
  }, API_POLL_MS);

  const samples: Sample[] = [];
  const take = () => {
    const m = process.memoryUsage();
    const sample: Sample = {
      minutes: (performance.now() - started) / 60_000,
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      dbBytes: fileSize(join(dataDir, 'pflow.db')),
      walBytes: fileSize(join(dataDir, 'pflow.db-wal')),
      deliveryBytes: fileSize(join(dataDir, 'delivery.db')) + fileSize(join(dataDir, 'delivery.db-wal')),
    };
    samples.push(sample);
    console.log(
      `${sample.minutes.toFixed(1).padStart(6)} ${mb(sample.rss)}  ${mb(sample.heapUsed)}  ${mb(sample.heapTotal)} ` +
        `${mb(sample.external)}  ${mb(sample.arrayBuffers)}  ${mb(sample.dbBytes)}  ${mb(sample.walBytes)}   ` +
        `${mb(sample.deliveryBytes)}  ${apiMs.toFixed(0).padStart(6)}`,
    );
  };
  take();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      take();
      if (performance.now() - started >= MINUTES * 60_000) {
        clearInterval(timer);
        resolve();
      }
    }, SAMPLE_MS);
    const stop = () => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(poll);

  const fit = (pick: (s: Sample) => number, from = 0) =>
    (slope(samples.filter((s) => s.minutes >= from).map((s) => [s.minutes, pick(s) / MB] as const)) * 60).toFixed(2);
  const half = samples[samples.length - 1]!.minutes / 2;
  console.log(`\nslopes in MB/hour (whole run | second half, from minute ${half.toFixed(0)}):`);
  for (const [name, pick] of [
    ['rss', (s: Sample) => s.rss],
    ['heapUsed', (s: Sample) => s.heapUsed],
    ['external', (s: Sample) => s.external],
    ['arrayBuffers', (s: Sample) => s.arrayBuffers],
    ['db file', (s: Sample) => s.dbBytes],
    ['wal file', (s: Sample) => s.walBytes],
  ] as const) {
    console.log(`  ${name.padEnd(13)} ${fit(pick).padStart(8)} | ${fit(pick, half).padStart(8)}`);
  }
  const stats = (await (await fetch(`${urls.api}/api/health`)).json()) as unknown;
  console.log(
    `\nlog lines: ${counts.warn} warnings, ${counts.error} errors; console channel lines: ${counts.consoleLines}`,
  );
  console.log(`health at the end: ${JSON.stringify(stats).slice(0, 2000)}`);
  await runtime.stop();
  targets.stop();
  if (args['data-dir'] === undefined) rmSync(dataDir, { recursive: true, force: true });
}

await main();

/**
 * Probe engine vs blackbox_exporter, probing the same loopback HTTP target with a new connection per
 * probe, at 1, 16 and 64 probes in flight: probes per second and CPU milliseconds per probe for each,
 * and the ratios. Prints figures; asserts nothing.
 *
 *   npx tsx bench/probes.ts [--seconds 5] [--rounds 3] [--concurrency 1,16,64] [--no-store] [--only pflow|blackbox]
 *
 * Each side runs `--rounds` times per concurrency, alternating; the median-throughput run is printed.
 *
 * - The target is a separate process, so its CPU is counted on neither side.
 * - blackbox_exporter's CPU is read from /proc/<pid>/stat (all its threads); it is driven by this
 *   process over loopback (`/probe?target=…&module=http_2xx`, keep-alive), as Prometheus would scrape it.
 * - Our engine runs in this process; its CPU is process.cpuUsage() (getrusage: all threads), and it
 *   includes writing every result, with its phase timings, to the SQLite store in batches.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ProbeOutcome, ProbeResult } from '../src/domain/probe-result.js';
import { SqliteStore } from '../src/adapters/local/sqlite-store.js';
import { httpProber } from '../src/probes/http/probe.js';
import { httpSettingsSchema } from '../src/probes/http/settings.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,16,64' },
    'no-store': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const CONCURRENCIES = args.concurrency.split(',').map(Number);
const BLACKBOX_BINARIES = ['prometheus-blackbox-exporter', 'blackbox_exporter'];
const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim() || 100);

interface RunFigures {
  readonly probes: number;
  readonly failures: number;
  readonly seconds: number;
  readonly cpuMs: number;
  /** CPU the target process used during the run, to show whether it was the bottleneck. */
  readonly targetCpuMs?: number;
}

async function withTargetCpu(targetPid: number, run: () => Promise<RunFigures>): Promise<RunFigures> {
  const before = processCpuMs(targetPid);
  const figures = await run();
  return { ...figures, targetCpuMs: processCpuMs(targetPid) - before };
}

const perSecond = (run: RunFigures) => run.probes / run.seconds;

/** The run with the median throughput, so a run's rate and CPU figures stay together. */
function median(runs: readonly RunFigures[]): RunFigures {
  const sorted = [...runs].sort((a, b) => perSecond(a) - perSecond(b));
  return sorted[Math.floor(sorted.length / 2)]!;
}
const cpuPerProbe = (run: RunFigures) => run.cpuMs / Math.max(1, run.probes);

// ── the target ───────────────────────────────────────────────────────────────

// A raw socket server with a canned response: the cheapest HTTP/1.1 target Node can be, so neither
// side waits on it. It closes after each response, as a target probed with `Connection: close` does.
const TARGET_SOURCE = `
const net = require('node:net');
const response = Buffer.from('HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 16\\r\\nConnection: close\\r\\n\\r\\nservice healthy\\n');
const server = net.createServer((socket) => {
  let head = '';
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    head += chunk.toString('latin1');
    if (head.includes('\\r\\n\\r\\n')) socket.end(response);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startTarget(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', TARGET_SOURCE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
  });
  return { port, child };
}

// ── our engine ───────────────────────────────────────────────────────────────

interface ProbeSink {
  add(result: ProbeResult): void;
  flush(): Promise<void>;
  close(): void;
  readonly description: string;
}

async function openStore(dir: string): Promise<ProbeSink> {
  if (args['no-store']) {
    return {
      add: () => undefined,
      flush: async () => undefined,
      close: () => undefined,
      description: 'results not stored (--no-store)',
    };
  }
  const path = join(dir, 'bench.db');
  const store = new SqliteStore({ database: path, clock: { now: () => Date.now() }, retentionMs: 86_400_000 });
  const BATCH = 1_000;
  let pending: ProbeResult[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await store.writeProbeResults(batch);
  };
  return {
    add(result) {
      pending.push(result);
      if (pending.length >= BATCH) void flush();
    },
    flush,
    close: () => store.close(),
    description: `results written to SQLite (${path}) in batches of ${BATCH}`,
  };
}

interface PhaseTotals {
  count: number;
  connectMs: number;
  firstByteMs: number;
  transferMs: number;
  durationMs: number;
}

async function runEngine(
  target: string,
  concurrency: number,
  seconds: number,
  sink: ProbeSink,
  totals?: PhaseTotals,
): Promise<RunFigures> {
  const settings = httpSettingsSchema.parse({});
  const context = { timeoutMs: 5_000 };
  const labels = {};
  let probes = 0;
  let failures = 0;
  let stop = false;
  const record = (outcome: ProbeOutcome, time: number) => {
    probes += 1;
    if (!outcome.success) failures += 1;
    if (totals) {
      totals.count += 1;
      totals.connectMs += outcome.phases.connectMs ?? 0;
      totals.firstByteMs += outcome.phases.firstByteMs ?? 0;
      totals.transferMs += outcome.phases.transferMs ?? 0;
      totals.durationMs += outcome.durationMs;
    }
    sink.add({ ...outcome, site: 'bench', probe: 'loopback', kind: 'http', target, labels, time });
  };
  const worker = async () => {
    while (!stop) {
      const time = Date.now();
      record(await httpProber(target, settings, context), time);
    }
  };
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const timer = setTimeout(() => (stop = true), seconds * 1_000);
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearTimeout(timer);
  await sink.flush();
  const elapsed = (performance.now() - startedAt) / 1_000;
  const cpu = process.cpuUsage(cpuBefore);
  return { probes, failures, seconds: elapsed, cpuMs: (cpu.user + cpu.system) / 1_000 };
}

// ── blackbox_exporter ────────────────────────────────────────────────────────

function findBlackbox(): string | undefined {
  for (const name of BLACKBOX_BINARIES) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`])
      .stdout?.toString()
      .trim();
    if (found) return found;
  }
  return undefined;
}

function blackboxVersion(binary: string): string {
  const output = spawnSync(binary, ['--version']);
  return /version (\S+)/.exec(`${output.stdout}${output.stderr}`)?.[1] ?? 'unknown';
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** utime + stime of a process, all threads, in ms (fields 14 and 15 of /proc/<pid>/stat). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000) / CLOCK_TICKS_PER_SECOND;
}

async function startBlackbox(binary: string, dir: string): Promise<{ child: ChildProcess; port: number }> {
  const config = join(dir, 'blackbox.yml');
  writeFileSync(
    config,
    'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n',
  );
  const port = await freePort();
  const child = spawn(binary, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`blackbox_exporter exited: ${stderr}`);
    const healthy = await new Promise<boolean>((resolve) => {
      http
        .get(`http://127.0.0.1:${port}/-/healthy`, (response) => {
          response.resume();
          resolve(response.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    if (healthy) return { child, port };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`blackbox_exporter did not become healthy: ${stderr}`);
}

async function runBlackbox(
  pid: number,
  port: number,
  target: string,
  concurrency: number,
  seconds: number,
): Promise<RunFigures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const path = `/probe?module=http_2xx&target=${encodeURIComponent(target)}`;
  let probes = 0;
  let failures = 0;
  let stop = false;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, agent }, (response) => {
          let body = '';
          response.setEncoding('latin1');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => {
            probes += 1;
            if (!body.includes('\nprobe_success 1')) failures += 1;
            resolve();
          });
        })
        .on('error', reject);
    });
  const worker = async () => {
    while (!stop) await once();
  };
  const cpuBefore = processCpuMs(pid);
  const startedAt = performance.now();
  const timer = setTimeout(() => (stop = true), seconds * 1_000);
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearTimeout(timer);
  const elapsed = (performance.now() - startedAt) / 1_000;
  const cpuMs = processCpuMs(pid) - cpuBefore;
  agent.destroy();
  return { probes, failures, seconds: elapsed, cpuMs };
}

// ── report ───────────────────────────────────────────────────────────────────

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pflow-bench-probes-'));
  const target = await startTarget();
  const targetUrl = `http://127.0.0.1:${target.port}/`;
  const children: ChildProcess[] = [target.child];
  const ours = new Map<number, RunFigures>();
  const theirs = new Map<number, RunFigures>();
  const totals: PhaseTotals = { count: 0, connectMs: 0, firstByteMs: 0, transferMs: 0, durationMs: 0 };
  let storeDescription = '';
  let blackboxNote = '';
  try {
    console.log(
      `probe benchmark: ${cpus().length} CPU(s), Node ${process.version}, ${SECONDS}s per run, median of ${ROUNDS}, target ${targetUrl} (separate process)`,
    );

    const sink = args.only === 'blackbox' ? undefined : await openStore(dir);
    storeDescription = sink?.description ?? '';
    let blackbox: { child: ChildProcess; port: number } | undefined;
    if (args.only !== 'pflow') {
      const binary = findBlackbox();
      if (binary === undefined) {
        blackboxNote =
          'blackbox_exporter not found; install it with `sudo apt-get update && sudo apt-get install -y prometheus-blackbox-exporter`';
      } else {
        blackbox = await startBlackbox(binary, dir);
        children.push(blackbox.child);
        blackboxNote = `blackbox_exporter ${blackboxVersion(binary)} (${binary}), module http_2xx`;
      }
    }
    // Warm-up (JIT, socket paths), then the two sides alternate run by run, so a burst of load from
    // elsewhere on the machine is shared between them rather than landing on one side's figures.
    if (sink) await runEngine(targetUrl, 16, 1, sink);
    if (blackbox) await runBlackbox(blackbox.child.pid!, blackbox.port, targetUrl, 16, 1);
    for (const concurrency of CONCURRENCIES) {
      const ourRuns: RunFigures[] = [];
      const theirRuns: RunFigures[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const targetPid = target.child.pid!;
        if (sink) {
          ourRuns.push(await withTargetCpu(targetPid, () => runEngine(targetUrl, concurrency, SECONDS, sink, totals)));
        }
        if (blackbox) {
          const { child, port } = blackbox;
          theirRuns.push(
            await withTargetCpu(targetPid, () => runBlackbox(child.pid!, port, targetUrl, concurrency, SECONDS)),
          );
        }
      }
      if (ourRuns.length > 0) ours.set(concurrency, median(ourRuns));
      if (theirRuns.length > 0) theirs.set(concurrency, median(theirRuns));
    }
    sink?.close();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(storeDescription ? `pflow: ${storeDescription}` : '');
  console.log(blackboxNote);
  console.log('');
  console.log(
    row([
      'in flight',
      'pflow probes/s',
      'pflow CPU-ms/probe',
      'blackbox probes/s',
      'blackbox CPU-ms/probe',
      'throughput ×',
      'CPU/probe ÷',
    ]),
  );
  console.log(row(['---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const concurrency of CONCURRENCIES) {
    const a = ours.get(concurrency);
    const b = theirs.get(concurrency);
    const failed = (run: RunFigures | undefined) => (run && run.failures > 0 ? ` (${run.failures} failed)` : '');
    console.log(
      row([
        String(concurrency),
        a ? fmt(perSecond(a)) + failed(a) : '—',
        a ? fmt(cpuPerProbe(a), 3) : '—',
        b ? fmt(perSecond(b)) + failed(b) : '—',
        b ? fmt(cpuPerProbe(b), 3) : '—',
        a && b ? `${fmt(perSecond(a) / perSecond(b), 2)}×` : '—',
        a && b ? `${fmt(cpuPerProbe(b) / cpuPerProbe(a), 2)}×` : '—',
      ]),
    );
  }
  const targetBusy = [...ours.values(), ...theirs.values()].map((run) => (run.targetCpuMs ?? 0) / (run.seconds * 10));
  if (targetBusy.length > 0) {
    console.log('');
    console.log(
      `target process: at most ${fmt(Math.max(...targetBusy))}% of one core during a run (100% would make it the bottleneck)`,
    );
  }
  if (totals.count > 0) {
    const mean = (sum: number) => fmt(sum / totals.count, 3);
    console.log('');
    console.log(
      `pflow mean phases over ${fmt(totals.count)} probes: connect ${mean(totals.connectMs)} ms, first byte ${mean(totals.firstByteMs)} ms, transfer ${mean(totals.transferMs)} ms, total ${mean(totals.durationMs)} ms`,
    );
  }
  console.log(
    'throughput × = pflow probes/s ÷ blackbox probes/s; CPU/probe ÷ = blackbox CPU-ms per probe ÷ pflow CPU-ms per probe (higher is better for pflow, both).',
  );
}

await main();

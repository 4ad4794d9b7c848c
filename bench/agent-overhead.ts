/**
 * What the agent costs the hospital server it runs on (README, Performance), next to Prometheus in
 * agent mode (Debian's prometheus, `--enable-feature=agent`, remote write) doing the same job.
 * `nice npx tsx bench/agent-overhead.ts [--minutes 5] [--targets 10] [--series 2000] [--interval 15]`
 *
 * Both scrape the same loopback exporters (each page `--series` series, values changing on every
 * scrape) every `--interval` seconds and send everything to one loopback receiver that answers
 * 2xx at once. CPU is read from /proc/<pid>/stat (user + system, so it includes GC and gzip) and
 * memory from VmRSS every 5 s, after one warm-up interval; the figures are the steady state a site
 * would see, not start-up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { bundleAgent } from '../scripts/build-agent.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const minutes = opt('minutes', 5);
const targets = opt('targets', 10);
const seriesPerTarget = opt('series', 2000);
const intervalSeconds = opt('interval', 15);
const prometheusBin = process.env.PROMETHEUS ?? 'prometheus';
const CLOCK_TICKS = 100; // USER_HZ on Linux: /proc/<pid>/stat counts CPU in 1/100 s.

const dir = mkdtempSync(join(tmpdir(), 'pflow-overhead-'));

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A node_exporter-shaped page: a few families, labels like a real host's, values moving. */
function page(target: number, scrape: number): string {
  const lines: string[] = ['# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.'];
  lines.push('# TYPE node_cpu_seconds_total counter');
  const modes = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'];
  for (let i = 0; i < seriesPerTarget; i++) {
    const value = (target * 7919 + i * 104_729 + scrape * 15) / 100;
    lines.push(`node_cpu_seconds_total{cpu="${String(i >> 3)}",mode="${modes[i & 7]!}"} ${value.toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

const exporters: Server[] = [];
const exporterPorts: number[] = [];
for (let t = 0; t < targets; t++) {
  let scrapes = 0;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(page(t, scrapes++));
  });
  exporters.push(server);
  exporterPorts.push(await listen(server));
}

const received = { agent: 0, prometheus: 0 };
const receiver = createServer((req, res) => {
  const who = req.url?.startsWith('/api/v1/write') ? 'prometheus' : 'agent';
  req.on('data', (chunk: Buffer) => (received[who] += chunk.length));
  req.on('end', () => {
    if (who === 'prometheus') res.writeHead(204).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"duplicate":false}');
  });
});
const receiverPort = await listen(receiver);
const targetList = exporterPorts.map((p) => `'127.0.0.1:${String(p)}'`).join(', ');

const agentBundle = join(dir, 'pflow-agent.mjs');
await bundleAgent(agentBundle);
writeFileSync(
  join(dir, 'agent.yaml'),
  `agent: { id: bench }
ingest:
  url: 'http://127.0.0.1:${String(receiverPort)}/v1/ingest'
  token: \${PFLOW_AGENT_TOKEN}
buffer: { dir: '${join(dir, 'agent-buffer')}' }
scrape_configs:
  - job_name: node
    scrape_interval: ${String(intervalSeconds)}s
    static_configs: [{ targets: [${targetList}] }]
`,
);
writeFileSync(
  join(dir, 'prometheus.yml'),
  `global: { scrape_interval: ${String(intervalSeconds)}s }
scrape_configs:
  - job_name: node
    static_configs: [{ targets: [${targetList}] }]
remote_write:
  - url: 'http://127.0.0.1:${String(receiverPort)}/api/v1/write'
`,
);

const children: Record<'agent' | 'prometheus', ChildProcess> = {
  agent: spawn(process.execPath, [agentBundle, 'agent', 'run', '--config', join(dir, 'agent.yaml')], {
    env: { ...process.env, PFLOW_AGENT_TOKEN: 'pfa_bench_0123456789abcdef' },
    stdio: ['ignore', 'ignore', 'inherit'],
  }),
  prometheus: spawn(
    prometheusBin,
    [
      '--enable-feature=agent',
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.agent.path=${join(dir, 'prometheus-wal')}`,
      '--web.listen-address=127.0.0.1:0',
      '--log.level=error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  ),
};

// A crash of the bench must not leave either process running (they hold its stderr open).
process.on('exit', () => Object.values(children).forEach((child) => child.kill('SIGKILL')));

for (const [name, child] of Object.entries(children)) {
  child.once('exit', (code) => {
    if (!finished) throw new Error(`${name} exited with ${String(code)} during the run`);
  });
}
let finished = false;

function cpuSeconds(pid: number): number {
  // Fields after the command name, which may hold spaces: utime and stime are 14th and 15th overall.
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

const names = ['agent', 'prometheus'] as const;
const pids = Object.fromEntries(names.map((n) => [n, children[n].pid!])) as Record<(typeof names)[number], number>;
await delay(intervalSeconds * 1000 + 5000);
const start = Object.fromEntries(names.map((n) => [n, { cpu: cpuSeconds(pids[n]), bytes: received[n] }]));
const rss = Object.fromEntries(names.map((n) => [n, [] as number[]]));
const t0 = performance.now();
while (performance.now() - t0 < minutes * 60_000) {
  await delay(5000);
  for (const n of names) rss[n]!.push(rssMiB(pids[n]));
}
const seconds = (performance.now() - t0) / 1000;
const samples = (targets * seriesPerTarget * seconds) / intervalSeconds;

const figures = Object.fromEntries(
  names.map((n) => {
    const cpu = cpuSeconds(pids[n]) - start[n]!.cpu;
    const memory = rss[n]!.toSorted((a, b) => a - b);
    return [
      n,
      {
        cpuPercent: (cpu / seconds) * 100,
        cpuPerMillionSamples: (cpu / samples) * 1e6,
        rssMedian: memory[memory.length >> 1]!,
        rssPeak: memory[memory.length - 1]!,
        sentMiB: (received[n] - start[n]!.bytes) / 1024 / 1024,
      },
    ];
  }),
);
console.log(
  `${String(targets)} targets × ${String(seriesPerTarget)} series every ${String(intervalSeconds)} s ` +
    `(${(samples / seconds).toFixed(0)} samples/s), measured ${(seconds / 60).toFixed(1)} min after 1 interval of warm-up`,
);
for (const n of names) {
  const f = figures[n]!;
  console.log(
    `${n.padEnd(10)} CPU ${f.cpuPercent.toFixed(2)} % of one core (${f.cpuPerMillionSamples.toFixed(2)} CPU-s per million samples), ` +
      `RSS median ${f.rssMedian.toFixed(0)} MiB, peak ${f.rssPeak.toFixed(0)} MiB, sent ${f.sentMiB.toFixed(1)} MiB`,
  );
}
const a = figures.agent!;
const p = figures.prometheus!;
console.log(
  `ratio agent / prometheus agent mode: CPU ${(a.cpuPercent / p.cpuPercent).toFixed(2)}x, RSS ${(a.rssMedian / p.rssMedian).toFixed(2)}x, bytes sent ${(a.sentMiB / p.sentMiB).toFixed(2)}x`,
);

finished = true;
for (const n of names) children[n].kill('SIGTERM');
await Promise.all(names.map((n) => new Promise((resolve) => children[n].once('exit', resolve))));
for (const server of [...exporters, receiver]) server.close();
rmSync(dir, { recursive: true, force: true });

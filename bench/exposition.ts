/**
 * Exposition parsing benchmark: this repository's parser (src/domain/exposition/) against the
 * `parse-prometheus-text-format` npm package and against `promtool check metrics` (Debian
 * `prometheus`, Go's expfmt underneath), side by side in one run, on two pages:
 *
 *   - a node_exporter page, scraped at bench time from a local `prometheus-node-exporter` started on
 *     127.0.0.1 when the binary is installed, else the committed fixture;
 *   - a ~10 MB synthetic page: counters, gauges, histograms and summaries with 2–5 labels each.
 *
 * The JS parsers are timed in-process by CPU time over repeated runs (the machine is shared);
 * promtool is timed as a whole process by wall clock, start-up included and nothing subtracted
 * (`promtool check metrics < file`, median of 5), so its figure is a lower bound of expfmt's speed.
 * Prints figures; asserts nothing.
 *
 *   npx tsx bench/exposition.ts [--mb 10] [--seconds 2]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseExposition } from '../src/domain/exposition/index.js';
import { syntheticPage } from './synthetic-exposition.js';

const require = createRequire(import.meta.url);
const parsePrometheusTextFormat = require('parse-prometheus-text-format') as (text: string) => any[];

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const TARGET_MB = argument('mb', 10);
const SECONDS = argument('seconds', 2);
const FIXTURE = new URL('../test/domain/exposition/fixtures/node-exporter-1.5.prom', import.meta.url);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A page from a node_exporter started here, or undefined when the Debian package is not installed. */
async function scrapeNodeExporter(): Promise<string | undefined> {
  if (spawnSync('prometheus-node-exporter', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        if (response.ok) return await response.text();
      } catch {
        // not listening yet
      }
      await delay(100);
    }
    return undefined;
  } finally {
    child.kill();
  }
}

interface Figures {
  readonly mbPerSecond: number;
  readonly samplesPerSecond: number;
  readonly samples: number;
}

function cpuTimed(run: () => number, bytes: number): Figures {
  let samples = run(); // warm up (and JIT)
  for (let i = 0; i < 2; i++) run();
  const start = process.cpuUsage();
  const cpuMs = () => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
  let iterations = 0;
  while (cpuMs() < SECONDS * 1000 || iterations < 3) {
    samples = run();
    iterations++;
  }
  const seconds = cpuMs() / 1000;
  return {
    mbPerSecond: (bytes * iterations) / 1024 / 1024 / seconds,
    samplesPerSecond: (samples * iterations) / seconds,
    samples,
  };
}

function promtoolTimed(file: string, bytes: number, samples: number): Figures | string {
  if (spawnSync('promtool', ['--version']).status !== 0) return 'promtool not installed (apt-get install prometheus)';
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const input = readFileSync(file);
    const start = process.hrtime.bigint();
    spawnSync('promtool', ['check', 'metrics'], { input, stdio: ['pipe', 'ignore', 'ignore'] });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  const seconds = times[2]!;
  return { mbPerSecond: bytes / 1024 / 1024 / seconds, samplesPerSecond: samples / seconds, samples };
}

function countNpmSamples(families: any[]): number {
  let n = 0;
  for (const family of families) {
    for (const metric of family.metrics) {
      if (metric.buckets) n += Object.keys(metric.buckets).length + 2;
      else if (metric.quantiles) n += Object.keys(metric.quantiles).length + 2;
      else n++;
    }
  }
  return n;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function benchPage(title: string, text: string, directory: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const file = join(directory, 'page.prom');
  writeFileSync(file, bytes);
  const checked = parseExposition(text);
  if (!checked.ok) throw new Error(`the page does not parse: ${JSON.stringify(checked.errors.slice(0, 3))}`);
  console.log(`\n${title}: ${fmt(bytes.length / 1024 / 1024, 2)} MB, ${fmt(checked.size)} samples`);

  const rows: [string, Figures | string][] = [
    [
      'pflow parser (string)',
      cpuTimed(() => {
        const result = parseExposition(text);
        return result.ok ? result.size : 0;
      }, bytes.length),
    ],
    [
      'pflow parser (bytes, UTF-8 decode included)',
      cpuTimed(() => {
        const result = parseExposition(bytes);
        return result.ok ? result.size : 0;
      }, bytes.length),
    ],
    [
      'parse-prometheus-text-format (npm)',
      cpuTimed(() => countNpmSamples(parsePrometheusTextFormat(text)), bytes.length),
    ],
    ['promtool check metrics (process, wall)', promtoolTimed(file, bytes.length, checked.size)],
  ];
  const ours = rows[0]![1] as Figures;
  console.log(
    `  ${'parser'.padEnd(44)} ${'MB/s'.padStart(8)} ${'samples/s'.padStart(12)} ${'samples'.padStart(9)}  pflow is`,
  );
  for (const [name, figures] of rows) {
    if (typeof figures === 'string') {
      console.log(`  ${name.padEnd(44)} ${figures}`);
      continue;
    }
    const ratio = name.startsWith('pflow') ? '' : `${(ours.mbPerSecond / figures.mbPerSecond).toFixed(1)}x faster`;
    console.log(
      `  ${name.padEnd(44)} ${fmt(figures.mbPerSecond, 1).padStart(8)} ${fmt(figures.samplesPerSecond).padStart(12)} ${fmt(figures.samples).padStart(9)}  ${ratio}`,
    );
  }
}

const directory = mkdtempSync(join(tmpdir(), 'pflow-exposition-bench-'));
try {
  console.log(`exposition parsing, Node ${process.version}; JS parsers per CPU-second, promtool per wall-second`);
  const scraped = await scrapeNodeExporter();
  const nodePage = scraped ?? readFileSync(FIXTURE, 'utf8');
  await benchPage(
    scraped === undefined
      ? 'node_exporter page (committed fixture)'
      : 'node_exporter page (scraped now from prometheus-node-exporter)',
    nodePage,
    directory,
  );
  await benchPage(`synthetic page (~${TARGET_MB} MB)`, syntheticPage(TARGET_MB), directory);
  console.log(
    '\n(npm samples count a histogram or summary as its buckets/quantiles + sum + count; promtool time is the whole process, start-up included, nothing subtracted)',
  );
} finally {
  rmSync(directory, { recursive: true, force: true });
}

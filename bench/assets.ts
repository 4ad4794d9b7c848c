/**
 * Assets benchmark (issue 11): where-is lookups over 10,000 assets, then 10,000 tags reporting
 * every 10 s (1,000 events/s) sustained through the RTLS HTTP input → SQLite tag store → asset
 * analytics (the series cycle the rules read) for `--duration` (default 60 s). The load comes from a
 * child process running the simulated wing, so the CPU measured here is the runtime's side only.
 * Prints figures (where-is p50/p99 idle and under load); asserts nothing.
 *
 *   nice npx tsx bench/assets.ts                                    # 1 minute, 10,000 tags, 1,000 events/s
 *   nice npx tsx bench/assets.ts --duration 5m --rate 1000          # the 5-minute run
 *   nice npx tsx bench/assets.ts --tags 10000 --rate 2000 --duration 90s
 *
 * `--rate` is events per second over all tags (each tag reports every tags/rate seconds);
 * `--seconds N` is the same as `--duration Ns`.
 *
 * `--via-agent`: the wing posts to an agent's RTLS HTTP input instead (the agent in a child process
 * of its own, composed as `pflow agent run` composes it, with a token of the site); the agent
 * buffers and forwards batches to the local runtime's /v1/ingest, which stores them in pflow.db and
 * runs the asset analytics on its own schedule. CPU and RSS are then printed per process.
 *
 *   nice npx tsx bench/assets.ts --via-agent --duration 5m          # the run, agent included
 */
import Database from 'better-sqlite3';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/adapters/local/sqlite.js';
import { SqliteStore } from '../src/adapters/local/sqlite-store.js';
import { assetsSchema, normaliseAssets, type AssetsConfig } from '../src/domain/assets/config-schema.js';
import { mulberry32, WingSimulator } from '../src/domain/assets/simulator.js';
import { syntheticWing } from '../src/domain/assets/synthetic-wing.js';
import type { AssetRegistry } from '../src/domain/assets/registry.js';
import type { TagEvent } from '../src/domain/assets/tag-event.js';
import type { Logger } from '../src/domain/ports.js';
import { LocalAssets } from '../src/runtime/local-assets.js';
import { LocalRuntime } from '../src/runtime/local-runtime.js';
import { Agent } from '../src/agent/agent.js';
import type { AgentConfig } from '../src/domain/agent/agent-config.js';
import { httpInputSchema } from '../src/domain/assets/input-settings.js';
import { parseDeploymentConfig } from '../src/domain/config/load.js';
import { systemClock, systemTimers } from '../src/domain/ports.js';
import { createToken } from '../src/ingest/token.js';
import { assetsSection } from '../test/support/wing-config.js';

const SITE = 'site-a';
/** The RTLS gateway pushes a batch this often (10 posts/s of 100 events at 10,000 tags). */
const POST_EVERY_MS = 100;

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    seconds: { type: 'string' },
    tags: { type: 'string', default: '10000' },
    rate: { type: 'string' },
    generate: { type: 'string' },
    'via-agent': { type: 'boolean', default: false },
    /** Child mode: the agent forwarding to this /v1/ingest URL (with --token, --buffer). */
    agent: { type: 'string' },
    token: { type: 'string' },
    buffer: { type: 'string' },
  },
});

function flagError(message: string): never {
  console.error(`bench/assets.ts: ${message}`);
  process.exit(2);
}

/** `300`, `300s`, `5m` → seconds. */
function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(text);
  if (!match) flagError(`--duration: "${text}" is not a duration like 300, 300s or 5m`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

const seconds = parseDuration(values.duration ?? values.seconds ?? '60');
const tags = Number(values.tags);
if (!Number.isInteger(tags) || tags < 1) flagError(`--tags: "${values.tags}" is not a whole number from 1`);
const rate = values.rate === undefined ? tags / 10 : Number(values.rate);
if (!(rate > 0)) flagError(`--rate: "${values.rate}" is not a number of events per second above 0`);
/** Each tag reports this often; a whole number of post slots, so every slot of a round posts. */
const REPORT_EVERY_MS = Math.max(POST_EVERY_MS, Math.round((tags * 1000) / rate / POST_EVERY_MS) * POST_EVERY_MS);

const quiet: Logger = { debug() {}, info() {}, warn() {}, error: (m, f) => console.error(m, f) } as Logger;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

interface GeneratorReport {
  sent: number;
  accepted: number;
  rejected: number;
  failedPosts: number;
  posts: number;
  lateTicks: number;
  cpuMs: number;
  /** Peak resident set of the child, in MB. */
  rssMb: number;
  /** From the first post to the last answer: the stretch the load ran, without the child's start-up. */
  loadMs: number;
}

/** The child: the simulated wing's reports, pushed to the HTTP input on the RTLS's schedule. */
async function generate(url: string): Promise<void> {
  const start = Date.now();
  const simulator = new WingSimulator(syntheticWing(SITE, tags), {
    site: SITE,
    seed: 7,
    everyMs: REPORT_EVERY_MS,
    patientsPerHour: 120,
    missingAfterMs: 24 * 3_600_000,
    startAt: start,
  });
  const report: GeneratorReport = {
    sent: 0,
    accepted: 0,
    rejected: 0,
    failedPosts: 0,
    posts: 0,
    lateTicks: 0,
    cpuMs: 0,
    rssMb: 0,
    loadMs: 0,
  };
  const slices = REPORT_EVERY_MS / POST_EVERY_MS;
  let pending: TagEvent[] = [];
  let perSlice = 0;
  const inFlight = new Set<Promise<void>>();
  const cpu = process.cpuUsage();
  for (let slot = 0; slot * POST_EVERY_MS < seconds * 1000; slot++) {
    const due = start + slot * POST_EVERY_MS;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    else if (wait < -POST_EVERY_MS) report.lateTicks += 1;
    if (slot % slices === 0) {
      pending = simulator.tick(due);
      perSlice = Math.ceil(pending.length / slices);
    }
    // Each tag reports at its own moment within the 10 s: the time is when the batch leaves.
    const now = Date.now();
    const batch = pending.splice(0, perSlice).map((event) => ({ ...event, t: now }));
    if (batch.length === 0) continue;
    report.sent += batch.length;
    report.posts += 1;
    const post = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    })
      .then(async (response) => {
        const body = (await response.json()) as { accepted?: number; rejectedCount?: number };
        if (response.status !== 200) report.failedPosts += 1;
        report.accepted += body.accepted ?? 0;
        report.rejected += body.rejectedCount ?? 0;
      })
      .catch(() => void (report.failedPosts += 1))
      .finally(() => inFlight.delete(post));
    inFlight.add(post);
  }
  await Promise.all(inFlight);
  const used = process.cpuUsage(cpu);
  report.cpuMs = (used.user + used.system) / 1000;
  report.loadMs = Date.now() - start;
  report.rssMb = peakRssMb();
  process.send!(report);
}

/** maxRSS is in kilobytes. */
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

function timeLookups(local: LocalAssets, count: number, random: () => number): number[] {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(lookup(local, random));
  return times.sort((a, b) => a - b);
}

/** Half by asset id, half "nearest available of a type on a floor", as staff ask. */
/**
 * Where-is with every asset located once (one report of every tag), nothing else running: 200
 * lookups to warm up, then the 5,000 timed.
 */
function idleLookups(local: LocalAssets, registry: AssetRegistry, random: () => number): number[] {
  const seed = new WingSimulator(registry, {
    site: SITE,
    seed: 3,
    everyMs: REPORT_EVERY_MS,
    patientsPerHour: 0,
    missingAfterMs: 86_400_000,
    startAt: Date.now() - 60_000,
  });
  local.ingest(SITE, seed.tick(Date.now() - 60_000));
  timeLookups(local, 200, random);
  return timeLookups(local, 5_000, random);
}

function lookup(local: LocalAssets, random: () => number): number {
  const n = 1 + Math.floor(random() * tags);
  const start = performance.now();
  if (n % 2 === 0) local.service.whereIs({ site: SITE, asset: `asset-${String(n).padStart(6, '0')}` });
  else
    local.service.whereIs({
      site: SITE,
      type: n % 3 === 0 ? 'wheelchair' : 'infusion-pump',
      floor: String(1 + (n % 3)),
      availableOnly: true,
      limit: 5,
    });
  return performance.now() - start;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pflow-bench-assets-'));
  const db = openDatabase(join(dir, 'pflow.db'));
  const metrics = new SqliteStore({ database: join(dir, 'metrics.db'), clock: Date, retentionMs: 7 * 86_400_000 });
  const base = normaliseAssets(
    assetsSchema.parse({ inputs: [{ site: SITE, kind: 'http', listen: '127.0.0.1:0', path: '/tags' }] }),
  );
  const config: AssetsConfig = { ...base, registry: syntheticWing(SITE, tags) };
  let samplesWritten = 0;
  const local = new LocalAssets(config, {
    db,
    clock: Date,
    logger: quiet,
    retentionMs: 7 * 86_400_000,
    writeSamples: async (samples) => {
      samplesWritten += samples.length;
      await metrics.writeMetricSamples(samples);
    },
  });
  const random = mulberry32(11);

  const idle = idleLookups(local, config.registry, random);

  const [url] = await local.start();
  const analytics = local.tasks().find((task) => task.name === 'assets')!;
  let cycles = 0;
  let cycleMs = 0;
  const underLoad: number[] = [];
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const eventsBefore = local.service.stats().events;
  const analyticsTimer = setInterval(() => {
    const start = performance.now();
    void analytics.run({ lateMs: 0 }).then(() => {
      cycles += 1;
      cycleMs += performance.now() - start;
    });
  }, config.evaluateEveryMs);
  const lookupTimer = setInterval(() => underLoad.push(lookup(local, random)), 20);
  const child = fork(
    import.meta.filename,
    ['--generate', url!, '--seconds', String(seconds), '--tags', String(tags), '--rate', String(rate)],
    {
      execArgv: process.execArgv,
    },
  );
  const report = await new Promise<GeneratorReport>((resolve, reject) => {
    child.once('message', (message) => resolve(message as GeneratorReport));
    child.once('exit', (code) => code !== 0 && reject(new Error(`generator exited ${code}`)));
  });
  clearInterval(analyticsTimer);
  clearInterval(lookupTimer);
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  const stored = local.service.stats().events - eventsBefore;
  await local.stop();
  const inputs = local.inputStats()[0]!;
  underLoad.sort((a, b) => a - b);

  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `assets bench: ${tags.toLocaleString('en-US')} assets, each reporting every ${REPORT_EVERY_MS / 1000} s (${Math.round((tags * 1000) / REPORT_EVERY_MS).toLocaleString('en-US')} events/s asked), ${seconds} s of load (node ${process.version})`,
  );
  console.log(
    `where-is, idle (5,000 lookups):     p50 ${fmt(percentile(idle, 50))}  p99 ${fmt(percentile(idle, 99))}  (goal p99 < 20 ms)`,
  );
  console.log(
    `where-is, under load (${underLoad.length.toLocaleString('en-US')}):   p50 ${fmt(percentile(underLoad, 50))}  p99 ${fmt(percentile(underLoad, 99))}  max ${fmt(underLoad.at(-1) ?? NaN)}`,
  );
  console.log(
    `ingest: sent ${report.sent.toLocaleString('en-US')} events in ${report.posts.toLocaleString('en-US')} posts, ${Math.round(report.sent / (report.loadMs / 1000)).toLocaleString('en-US')}/s over ${(report.loadMs / 1000).toFixed(1)} s; accepted ${report.accepted.toLocaleString('en-US')} (${Math.round(report.accepted / (report.loadMs / 1000)).toLocaleString('en-US')}/s), stored ${stored.toLocaleString('en-US')}`,
  );
  console.log(
    `dropped: ${report.sent - report.accepted} (rejected ${report.rejected}, failed posts ${report.failedPosts}); input counted ${inputs.accepted} accepted; generator late ticks ${report.lateTicks}`,
  );
  console.log(
    `analytics: ${cycles} cycles every ${config.evaluateEveryMs / 1000} s, ${fmt(cycleMs / Math.max(cycles, 1))} each, ${samplesWritten.toLocaleString('en-US')} series samples written`,
  );
  console.log(
    `CPU, runtime process (input + store + analytics + lookups): ${(cpuMs / 1000).toFixed(1)} s over ${(wallMs / 1000).toFixed(1)} s = ${((100 * cpuMs) / wallMs).toFixed(0)}% of one core; load generator (child): ${((100 * report.cpuMs) / wallMs).toFixed(0)}%`,
  );
  metrics.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

interface AgentReport {
  cpuMs: number;
  rssMb: number;
  health: ReturnType<Agent['health']>;
  forwarded: { batches: number; bytes: number; failedAttempts: number };
}

/** Seals and sends this often, so the runtime sees events about a second after the agent took them. */
const AGENT_BATCH_AGE_MS = 1_000;

/**
 * The agent child: an RTLS HTTP input on loopback into its disk buffer, forwarding to the runtime's
 * /v1/ingest. Answers `{ url }` once listening; on `'stop'` drains its buffer, reports, exits.
 */
async function runAgentChild(ingestUrl: string): Promise<void> {
  if (values.token === undefined || values.buffer === undefined) flagError('--agent needs --token and --buffer');
  const config: AgentConfig = {
    agentId: 'bench-agent',
    ingest: {
      url: ingestUrl,
      token: values.token,
      mode: 'push',
      batchMaxSamples: 10_000,
      batchMaxAgeMs: AGENT_BATCH_AGE_MS,
      timeoutMs: 10_000,
      gzipLevel: 1,
    },
    buffer: { dir: values.buffer, maxBytes: 512 * 1024 * 1024, fsync: 'interval', fsyncIntervalMs: 1_000 },
    scrapeConfigs: [],
    probes: [],
    rtls: { inputs: [httpInputSchema.parse({ kind: 'http', listen: '127.0.0.1:0' })] },
  };
  const agent = new Agent(config, { clock: systemClock, timers: systemTimers, logger: quiet, env: {}, scrape: false });
  await agent.start();
  const cpu = process.cpuUsage();
  process.send!({ url: agent.rtlsUrls[0] });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  // Drain: the open batch seals within one batch age; then send until nothing is pending.
  const deadline = Date.now() + 60_000;
  await new Promise((resolve) => setTimeout(resolve, 2 * AGENT_BATCH_AGE_MS));
  while (agent.buffer.stats().pendingBatches > 0 && Date.now() < deadline) {
    await agent.forwarder!.kick();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const used = process.cpuUsage(cpu);
  const sent = agent.forwarder!.counters;
  const report: AgentReport = {
    cpuMs: (used.user + used.system) / 1000,
    rssMb: peakRssMb(),
    health: agent.health(),
    forwarded: { batches: sent.sentBatches, bytes: sent.sentBytes, failedAttempts: sent.failedAttempts },
  };
  await agent.stop();
  process.send!(report, () => process.exit(0));
}

/** The runtime's deployment: the synthetic wing as its asset registry, the API on loopback. */
function viaAgentConfig(dataDir: string) {
  const document = {
    version: 1,
    sites: [{ id: SITE }],
    assets: assetsSection(syntheticWing(SITE, tags)),
    local: { data_dir: dataDir, api_listen: '127.0.0.1:0' },
  };
  return parseDeploymentConfig(JSON.stringify(document), 'bench-assets.yaml', {});
}

/** Rows of the tag store as SQLite holds them, read through a connection of its own. */
function tagEventRows(database: string): number {
  const db = new Database(database, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM tag_events WHERE site = ?').get(SITE) as { n: number }).n;
  } finally {
    db.close();
  }
}

const mb = (value: number) => `${value.toFixed(0)} MB`;
const coreShare = (cpuMs: number, wallMs: number) => `${((100 * cpuMs) / wallMs).toFixed(0)}%`;

/** `--via-agent`: simulator → agent (child) → /v1/ingest of the local runtime (here) → pflow.db → analytics. */
async function viaAgent(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pflow-bench-assets-agent-'));
  const runtime = new LocalRuntime(viaAgentConfig(join(dir, 'data')), {
    clock: { now: () => Date.now(), monotonic: () => performance.now() },
    logger: quiet,
    stdout: () => {},
    probeIsolation: 'in-process',
  });
  const created = createToken(SITE, 'bench-agent', Date.now());
  await runtime.ingest.add(created.record);
  const urls = await runtime.start();
  const local = runtime.assets!;
  const random = mulberry32(11);

  const idle = idleLookups(local, syntheticWing(SITE, tags), random);

  const agent = fork(
    import.meta.filename,
    ['--agent', `${urls.api}/v1/ingest`, '--token', created.token, '--buffer', join(dir, 'agent-buffer')].concat([
      '--tags',
      String(tags),
    ]),
    { execArgv: process.execArgv },
  );
  const nextAgentMessage = () =>
    new Promise<unknown>((resolve, reject) => {
      agent.once('message', resolve);
      agent.once('exit', (code) => code !== 0 && reject(new Error(`agent exited ${code}`)));
    });
  const { url: agentUrl } = (await nextAgentMessage()) as { url: string };

  // Forward latency per event: the simulator stamps t when its post leaves; this is when the
  // runtime hands the agent's batch to the store (same machine, same clock).
  const forwardMs: number[] = [];
  const store = local.ingest.bind(local);
  local.ingest = (site, events) => {
    const now = Date.now();
    for (const event of events) forwardMs.push(now - event.t);
    return store(site, events);
  };
  // The runtime's scheduler runs the analytics; counted where its cycle computes the series.
  let cycles = 0;
  let cycleMs = 0;
  let seriesSamples = 0;
  const series = local.service.series.bind(local.service);
  local.service.series = () => {
    const start = performance.now();
    const samples = series();
    cycles += 1;
    cycleMs += performance.now() - start;
    seriesSamples += samples.length;
    return samples;
  };
  const underLoad: number[] = [];
  const eventsBefore = local.service.stats().events;
  const rowsBefore = tagEventRows(urls.database);
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const lookupTimer = setInterval(() => underLoad.push(lookup(local, random)), 20);
  const child = fork(
    import.meta.filename,
    ['--generate', agentUrl, '--seconds', String(seconds), '--tags', String(tags), '--rate', String(rate)],
    { execArgv: process.execArgv },
  );
  const report = await new Promise<GeneratorReport>((resolve, reject) => {
    child.once('message', (message) => resolve(message as GeneratorReport));
    child.once('exit', (code) => code !== 0 && reject(new Error(`generator exited ${code}`)));
  });
  const loadWallMs = performance.now() - wallStart;
  const drained = nextAgentMessage();
  agent.send('stop');
  const agentReport = (await drained) as AgentReport;
  clearInterval(lookupTimer);
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  const stored = local.service.stats().events - eventsBefore;
  const runtimeRss = peakRssMb();
  await runtime.stop();
  const rows = tagEventRows(urls.database) - rowsBefore;
  underLoad.sort((a, b) => a - b);
  forwardMs.sort((a, b) => a - b);

  const rtls = agentReport.health.rtls!;
  const taken = rtls.inputs[0]!.accepted;
  const rejectedAtInput = Object.values(rtls.inputs[0]!.rejected).reduce((sum, n) => sum + n, 0);
  const n = (value: number) => value.toLocaleString('en-US');
  console.log(
    `assets bench, via the agent: ${n(tags)} assets, each reporting every ${REPORT_EVERY_MS / 1000} s (${n(Math.round((tags * 1000) / REPORT_EVERY_MS))} events/s asked), ${seconds} s of load (node ${process.version})`,
  );
  console.log(
    `where-is, idle (5,000 lookups):     p50 ${fmt(percentile(idle, 50))}  p99 ${fmt(percentile(idle, 99))}  (goal p99 < 20 ms)`,
  );
  console.log(
    `where-is, under load (${n(underLoad.length)}):   p50 ${fmt(percentile(underLoad, 50))}  p99 ${fmt(percentile(underLoad, 99))}  max ${fmt(underLoad.at(-1) ?? NaN)}`,
  );
  console.log(
    `events: sent ${n(report.sent)} in ${n(report.posts)} posts (${n(Math.round(report.sent / (report.loadMs / 1000)))}/s over ${(report.loadMs / 1000).toFixed(1)} s); taken by the agent ${n(taken)}; stored ${n(stored)} (rows in pflow.db's tag_events: ${n(rows)})`,
  );
  console.log(
    `dropped: sent − rows stored = ${n(report.sent - rows)} (posts failed ${report.failedPosts}, refused at the agent's input ${rejectedAtInput}); agent dropped tag events: buffer ${rtls.droppedTagEvents.buffer}, rejected ${rtls.droppedTagEvents.rejected}, not kept ${rtls.droppedTagEvents.not_kept}; agent still buffered ${agentReport.health.bufferBatches} batches`,
  );
  console.log(
    `agent forwarding: ${n(agentReport.forwarded.batches)} batches, ${(agentReport.forwarded.bytes / 1e6).toFixed(1)} MB sent (gzip), ${agentReport.forwarded.failedAttempts} failed attempts; forward latency (simulator post → runtime store, batches sealed every ${AGENT_BATCH_AGE_MS / 1000} s) p50 ${percentile(forwardMs, 50)} ms  p99 ${percentile(forwardMs, 99)} ms`,
  );
  console.log(
    `analytics (the runtime's schedule): ${cycles} cycles, series computed in ${fmt(cycleMs / Math.max(cycles, 1))} each, ${n(seriesSamples)} series samples`,
  );
  console.log(
    `CPU (% of one core over ${(wallMs / 1000).toFixed(1)} s, load ${(loadWallMs / 1000).toFixed(1)} s + drain): simulator ${coreShare(report.cpuMs, wallMs)}, agent ${coreShare(agentReport.cpuMs, wallMs)}, runtime (ingest + store + analytics + lookups) ${coreShare((cpu.user + cpu.system) / 1000, wallMs)}`,
  );
  console.log(
    `peak RSS: simulator ${mb(report.rssMb)}, agent ${mb(agentReport.rssMb)}, runtime ${mb(runtimeRss)}; generator late ticks ${report.lateTicks}`,
  );
  rmSync(dir, { recursive: true, force: true });
}

if (values.generate !== undefined) await generate(values.generate);
else if (values.agent !== undefined) await runAgentChild(values.agent);
else if (values['via-agent']) await viaAgent();
else await main();

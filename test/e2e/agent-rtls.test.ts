import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { parseSimulateOptions, runRtlsTraffic, httpSender } from '../../src/cli/simulate-rtls.js';
import type { AgentConfig } from '../../src/domain/agent/agent-config.js';
import { buildProgram } from '../../src/cli/main.js';
import { httpInputSchema, mqttInputSchema, type RtlsInputSettings } from '../../src/domain/assets/input-settings.js';
import { syntheticWing } from '../../src/domain/assets/synthetic-wing.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { createToken } from '../../src/ingest/token.js';
import { LocalRuntime } from '../../src/runtime/local-runtime.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';
import { captureLogger } from '../support/logger.js';
import { ManualTime } from '../support/manual-time.js';
import { startMosquitto, type MosquittoBroker } from '../support/mosquitto.js';
import { assetsSection } from '../support/wing-config.js';

/**
 * The RTLS path end to end, every part real: `pflow simulate rtls`'s traffic → the agent's RTLS
 * HTTP input on 127.0.0.1 → its disk buffer → POST /v1/ingest of the local runtime → the tag store
 * in pflow.db → the asset answers as series → the rule engine → a webhook channel on loopback.
 *
 * Clocks: the simulator and the agent run on fake clocks (three minutes of a wing's traffic and the
 * agent's forward cycles take no real time); the simulated minutes end just before now. The
 * runtime has no injectable timers, so its asset evaluation and rule schedule run on real time at
 * 200 ms intervals, and the test waits on what the receiver got, never on a fixed sleep.
 */

const SITE = 'site-a';
const TAGS = 20;
const SIMULATED_MS = 3 * 60_000;

let root: string | undefined;
let runtime: LocalRuntime | undefined;
let agent: Agent | undefined;
let receiver: HttpReceiver | undefined;
let broker: MosquittoBroker | undefined;
afterEach(async () => {
  await agent?.stop();
  await runtime?.stop();
  await receiver?.close();
  await broker?.stop();
  broker = undefined;
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  agent = undefined;
  runtime = undefined;
  receiver = undefined;
  root = undefined;
});

async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The runtime's site config: the synthetic wing as its registry (JSON is YAML), two asset rules, a webhook. */
function runtimeConfig(dataDir: string, hook: string) {
  const wing = syntheticWing(SITE, TAGS);
  const document = {
    version: 1,
    sites: [{ id: SITE }],
    rule_groups: [
      {
        name: 'assets',
        interval: '200ms',
        rules: [
          {
            id: 'battery',
            name: 'Tag battery low',
            table: 'metrics',
            measure: 'pflow_asset_battery_percent',
            window: '2s',
            threshold: { op: '<', value: 15 },
            no_data: 'ok',
          },
          {
            id: 'left',
            name: 'Asset left the building',
            table: 'metrics',
            measure: 'pflow_asset_left_building',
            window: '2s',
            threshold: { op: '>=', value: 1 },
            no_data: 'ok',
          },
        ],
      },
    ],
    channels: [{ id: 'hook', kind: 'webhook', webhook: { url: hook } }],
    routes: [{ channels: ['hook'], group_wait: '0s' }],
    assets: {
      exit_grace: '1s',
      evaluate_every: '200ms',
      ...assetsSection(wing),
    },
    local: { data_dir: dataDir, api_listen: '127.0.0.1:0' },
  };
  return parseDeploymentConfig(JSON.stringify(document), 'agent-rtls.yaml', {});
}

/** The runtime with its webhook receiver, and an agent token of the site. */
async function startRuntime() {
  root = mkdtempSync(join(tmpdir(), 'pflow-e2e-rtls-'));
  receiver = await startHttpReceiver();
  runtime = new LocalRuntime(runtimeConfig(join(root, 'data'), receiver.urlFor('/hook')), {
    clock: { now: () => Date.now(), monotonic: () => performance.now() },
    logger: captureLogger(),
    stdout: () => {},
    probeIsolation: 'in-process',
  });
  const created = createToken(SITE, 'wing-agent', Date.now());
  await runtime.ingest.add(created.record);
  return { urls: await runtime.start(), token: created.token };
}

/** The agent, pushing to the runtime, on a fake clock of its own. */
async function startAgent(api: string, token: string, input: RtlsInputSettings) {
  if (root === undefined) throw new Error('start the runtime first');
  const time = new ManualTime(Date.now());
  const config: AgentConfig = {
    agentId: 'wing-agent',
    ingest: {
      url: `${api}/v1/ingest`,
      token,
      mode: 'push',
      batchMaxSamples: 10_000,
      batchMaxAgeMs: 10_000,
      timeoutMs: 5_000,
      gzipLevel: 1,
    },
    buffer: { dir: join(root, 'buffer'), maxBytes: 64 * 1024 * 1024, fsync: 'interval', fsyncIntervalMs: 1_000 },
    scrapeConfigs: [],
    probes: [],
    rtls: { inputs: [input] },
  };
  const started = new Agent(config, {
    clock: time.clock,
    timers: time.timers,
    logger: captureLogger(),
    env: {},
    scrape: false,
  });
  agent = started;
  await started.start();
  /** One forward cycle on the agent's clock: everything buffered is sealed and sent. */
  const forward = async () => {
    await time.advance(config.ingest.batchMaxAgeMs);
    await started.forwarder!.kick();
  };
  return { agent: started, forward };
}

/** Tag events in pflow.db, and the tag events of the batches the ingest recorded from the agent. */
function storedCounts(database: string): { stored: number; recorded: number } {
  const db = new Database(database, { readonly: true });
  try {
    const stored = db.prepare('SELECT count(*) AS n FROM tag_events WHERE site = ?').get(SITE) as { n: number };
    const recorded = db
      .prepare(`SELECT coalesce(sum(tag_events), 0) AS n FROM ingest_batches WHERE batch_id LIKE 'wing-agent-%'`)
      .get() as { n: number };
    return { stored: stored.n, recorded: recorded.n };
  } finally {
    db.close();
  }
}

describe('simulator → agent → ingest → store → asset rule → webhook', () => {
  it('every simulated event the agent took is stored once, and the asset alerts reach the channel', async () => {
    const { urls, token } = await startRuntime();
    const { agent: a, forward } = await startAgent(
      urls.api,
      token,
      httpInputSchema.parse({ kind: 'http', listen: '127.0.0.1:0' }),
    );
    const input = a.rtlsUrls[0]!;

    // Three minutes of the wing, ending 10 s ago: T-000001 drains from 16 % below 15 %, and the
    // last asset is carried out through the exit at 90 s and falls silent.
    const options = parseSimulateOptions({
      url: input,
      site: SITE,
      tags: String(TAGS),
      rate: '4',
      duration: '3m',
      seed: '1',
      patientsPerHour: '40',
    });
    if ('error' in options) throw new Error(options.error);
    const simulated = { t: Date.now() - SIMULATED_MS - 10_000 };
    const report = await runRtlsTraffic(options, {
      clock: { now: () => simulated.t },
      sleep: async (ms) => void (simulated.t += ms),
      send: httpSender(input),
    });
    expect(report.failedBatches).toBe(0);
    expect(report.sent).toBeGreaterThan(TAGS * 30);

    // One forward cycle on the agent's clock sends all of it; the buffer is then empty.
    await forward();
    expect(a.buffer.stats().pendingBatches).toBe(0);
    expect(a.forwarder!.counters.rejectedBatches).toBe(0);
    // Nothing lost, nothing twice: the agent took, the ingest recorded and the store holds the same.
    expect(a.rtlsInputs!.snapshots()[0]).toMatchObject({ accepted: report.sent, rejected: {} });
    expect(storedCounts(urls.database)).toEqual({ stored: report.sent, recorded: report.sent });

    const firing = (rule: string) =>
      receiver!.requests
        .flatMap((request) => (request.json as { events?: Record<string, any>[] }).events ?? [])
        .find((event) => event.state === 'firing' && event.rule?.id === rule);
    const battery = await until('the battery alert at the webhook', () => firing('battery'));
    expect(battery).toMatchObject({ site: SITE, labels: { asset: 'asset-000001' } });
    expect(battery.value).toBeLessThan(15);
    const left = await until('the left-the-building alert at the webhook', () => firing('left'));
    expect(left).toMatchObject({ site: SITE, labels: { asset: `asset-0000${String(TAGS)}`, zone: 'exit-main' } });
    expect(receiver!.problems()).toEqual([]);
  });

  it('pflow simulate rtls --mqtt → mosquitto → the agent’s MQTT input: every event it sent is stored once', async () => {
    broker = await startMosquitto();
    const { urls, token } = await startRuntime();
    const { agent: a, forward } = await startAgent(
      urls.api,
      token,
      mqttInputSchema.parse({ kind: 'mqtt', url: broker.url, topics: ['rtls/wing/#'], qos: 1 }),
    );
    // The command as a user runs it; its own pacing is real time (2 s).
    const lines: string[] = [];
    const errors: string[] = [];
    const program = buildProgram({ stdout: (t) => lines.push(t), stderr: (t) => errors.push(t) }).exitOverride();
    process.exitCode = undefined;
    await program.parseAsync(
      ['simulate', 'rtls', '--mqtt', broker.url, '--topic', 'rtls/wing/gw-1'].concat([
        '--tags',
        String(TAGS),
        '--rate',
        '40',
        '--duration',
        '2s',
        '--site',
        SITE,
      ]),
      { from: 'user' },
    );
    expect(errors).toEqual([]);
    expect(process.exitCode ?? 0).toBe(0);
    const sent = Number(/^sent (\d+) events in \d+ batches; 0 batches not taken\n$/.exec(lines.at(-1)!)?.[1]);
    expect(sent).toBeGreaterThanOrEqual(TAGS * 2);
    await until('the agent took every event', () =>
      a.rtlsInputs!.snapshots()[0]!.accepted === sent ? true : undefined,
    );
    await forward();
    expect(a.buffer.stats().pendingBatches).toBe(0);
    expect(storedCounts(urls.database)).toEqual({ stored: sent, recorded: sent });
  });
});

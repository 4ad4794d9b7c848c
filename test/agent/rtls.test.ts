import mqtt from 'mqtt';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import type { AgentConfig } from '../../src/domain/agent/agent-config.js';
import { httpInputSchema, mqttInputSchema, type RtlsInputSettings } from '../../src/domain/assets/input-settings.js';
import type { TagEvent } from '../../src/domain/assets/tag-event.js';
import { INGEST_LIMITS, type WireSample } from '../../src/domain/ingest/batch.js';
import { captureLogger } from '../support/logger.js';
import { ManualTime } from '../support/manual-time.js';
import { startMosquitto, type MosquittoBroker } from '../support/mosquitto.js';
import { IngestStub } from './forward/ingest-stub.js';

/**
 * The agent's RTLS inputs (agent.yaml `rtls:`): the runtime's own HTTP and MQTT inputs, their
 * events into the disk buffer, forwarded in batches' `tagEvents`, and what they refused counted
 * in the heartbeat. The ingest is a loopback stub that validates every batch as the real one does.
 */

const T0 = Date.parse('2026-12-01T08:00:00Z');
const PUSH_TOKEN = 'rtls-push-token-0123456789';
let root: string;
let stub: IngestStub;
let port: number;
let time: ManualTime;
let agent: Agent | undefined;
let counter = 0;
let bufferDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pflow-agent-rtls-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
beforeEach(async () => {
  counter += 1;
  bufferDir = join(root, `buffer-${String(counter)}`);
  time = new ManualTime(T0);
  stub = new IngestStub();
  port = await stub.start();
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await stub.stop();
});

function config(inputs: RtlsInputSettings[], mode: 'push' | 'pull' = 'push'): AgentConfig {
  return {
    agentId: 'ward-1',
    ingest: {
      url: `http://127.0.0.1:${String(port)}/v1/ingest`,
      token: 'pfa_test_0123456789abcdef',
      mode,
      batchMaxSamples: 10_000,
      batchMaxAgeMs: 10_000,
      timeoutMs: 5_000,
      gzipLevel: 1,
    },
    ...(mode === 'pull' && { pull: { listen: '127.0.0.1:0', token: 'pull-token-0123456789', maxBytes: 8 << 20 } }),
    buffer: { dir: bufferDir, maxBytes: 64 * 1024 * 1024, fsync: 'always', fsyncIntervalMs: 1_000 },
    scrapeConfigs: [],
    probes: [],
    rtls: { inputs },
  };
}

const httpInput = (extra: Record<string, unknown> = {}) =>
  httpInputSchema.parse({ kind: 'http', listen: '127.0.0.1:0', bearer_token: PUSH_TOKEN, ...extra });

async function start(cfg: AgentConfig): Promise<Agent> {
  agent = new Agent(cfg, { clock: time.clock, timers: time.timers, logger: captureLogger(), env: {}, scrape: false });
  await agent.start();
  return agent;
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}`, ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** One forward cycle on the fake clock: heartbeat in, batch sealed, everything sealed sent. */
async function cycle(a: Agent): Promise<void> {
  await time.advance(10_000);
  await a.forwarder?.kick();
}

/** The newest heartbeat value of a series with these labels, from what the stub stored. */
function heartbeat(name: string, labels: Record<string, string> = {}): number | undefined {
  const samples: WireSample[] = [...stub.batches.values()].flatMap((batch) => [...(batch.samples ?? [])]);
  const matching = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return matching.at(-1)?.v as number | undefined;
}

const event = (tag: string, dt: number, extra: Partial<TagEvent> = {}) => ({ tag, t: T0 + dt, ...extra });

describe('the agent’s RTLS HTTP input', () => {
  it('takes good events, refuses bad payloads with their reason, forwards the good ones once in tagEvents', async () => {
    const a = await start(config([httpInput()]));
    const [url] = a.rtlsUrls;
    if (url === undefined) throw new Error('no HTTP input URL');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/tags$/);

    expect(
      await post(url, JSON.stringify([event('T-1', 0, { zone: 'store-3', battery: 80 }), event('T-2', 5)])),
    ).toEqual({ status: 200, body: { accepted: 2, rejected: [], rejectedCount: 0 } });
    // A bad event beside a good one: the good one is taken, the bad one named by field.
    expect(
      await post(url, JSON.stringify([event('T-3', 10), { tag: 'T-4', t: 'yesterday' }, event('T 5', 10)])),
    ).toEqual({
      status: 200,
      body: {
        accepted: 1,
        rejected: [
          { index: 1, error: 'events[1].t: expected a number of milliseconds since the epoch, got a string' },
          { index: 2, error: 'events[2].tag: must be 1-128 characters of A-Z a-z 0-9 . _ : -' },
        ],
        rejectedCount: 2,
      },
    });
    expect(await post(url, '{"tag": "T-6", ')).toMatchObject({ status: 400 });
    // The mapping reads only its fields: whatever else a vendor sends never leaves the agent.
    expect(await post(url, JSON.stringify({ tag: 'T-7', t: T0, patient: 'Jane Doe' }))).toMatchObject({
      status: 200,
      body: { accepted: 1 },
    });
    expect(await post(url, JSON.stringify([{ t: T0 }]))).toEqual({
      status: 400,
      body: {
        error: 'every event was refused: events[0].tag: required (the tag id)',
        accepted: 0,
        rejected: [{ index: 0, error: 'events[0].tag: required (the tag id)' }],
      },
    });
    expect(await post(url, JSON.stringify(event('T-8', 0)), { 'content-type': 'text/plain' })).toMatchObject({
      status: 415,
    });
    expect(await post(url, JSON.stringify(event('T-9', 0)), { authorization: 'Bearer wrong' })).toMatchObject({
      status: 401,
    });
    expect(await post(url, JSON.stringify([{ tag: 'x', t: T0, pad: 'x'.repeat(5 * 1024 * 1024) }]))).toMatchObject({
      status: 413,
    });

    await cycle(a);
    expect(stub.tagEvents()).toEqual([
      { tag: 'T-1', t: T0, zone: 'store-3', battery: 80 },
      { tag: 'T-2', t: T0 + 5 },
      { tag: 'T-3', t: T0 + 10 },
      { tag: 'T-7', t: T0 },
    ]);
    const which = { input: '0', kind: 'http' };
    expect(heartbeat('pflow_agent_rtls_messages_total', which)).toBe(8);
    expect(heartbeat('pflow_agent_rtls_events_total', which)).toBe(4);
    const rejected = Object.fromEntries(
      ['bad_event', 'not_json', 'not_events', 'too_large', 'unauthorized', 'sink_failed'].map((reason) => [
        reason,
        heartbeat('pflow_agent_rtls_rejected_total', { ...which, reason }),
      ]),
    );
    expect(rejected).toEqual({
      bad_event: 3,
      not_json: 2,
      not_events: 0,
      too_large: 1,
      unauthorized: 1,
      sink_failed: 0,
    });
    for (const reason of ['buffer', 'rejected', 'not_kept']) {
      expect(heartbeat('pflow_agent_dropped_tag_events_total', { reason })).toBe(0);
    }
    // Every batch the stub stored passed the ingest's own check (parseBatch) of tagEvents.
    expect(stub.duplicates).toBe(0);
  });

  it('logs what was refused once per cycle, with the newest reason and never a value', async () => {
    const logger = captureLogger();
    agent = new Agent(config([httpInput()]), {
      clock: time.clock,
      timers: time.timers,
      logger,
      env: {},
      scrape: false,
    });
    await agent.start();
    const [url] = agent.rtlsUrls;
    await post(url!, JSON.stringify([{ tag: 'T-1', t: T0, battery: 'SECRET-LOW' }]));
    await cycle(agent);
    await cycle(agent);
    const warnings = logger.entries.filter((entry) => entry.message.startsWith('rtls input refused'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toMatchObject({
      input: 'rtls.inputs[0]',
      kind: 'http',
      refused: 1,
      last: 'bad_event: events[0].battery: expected a percentage, got a string',
    });
    expect(JSON.stringify(logger.entries)).not.toContain('SECRET');
  });

  it('answers 503 once the agent is stopping, so the sender keeps the events', async () => {
    const a = await start(config([httpInput()]));
    await a.stop();
    await expect(a.tagSink([event('T-1', 0)])).rejects.toThrow(/stopping/);
  });

  it(`splits a burst into batches of at most ${String(INGEST_LIMITS.maxTagEvents)} tag events (the ingest's limit)`, async () => {
    const a = await start(config([httpInput()]));
    const burst = Array.from({ length: INGEST_LIMITS.maxTagEvents + 1_500 }, (_, i) => event(`T-${String(i)}`, i));
    await a.tagSink(burst);
    await cycle(a);
    const sizes = [...stub.batches.values()].map((batch) => batch.tagEvents?.length ?? 0).filter((n) => n > 0);
    expect(sizes).toEqual([INGEST_LIMITS.maxTagEvents, 1_500]);
    expect(stub.tagEvents().map((e) => e.tag)).toEqual(burst.map((e) => e.tag));
  });
});

describe('tag events across an outage and a restart', () => {
  it('stay in the buffer while the ingest is down and through a restart, then arrive exactly once', async () => {
    stub.answers.push(503, 503, 503);
    let a = await start(config([httpInput()]));
    const url = a.rtlsUrls[0]!;
    for (let i = 0; i < 5; i++) {
      expect((await post(url, JSON.stringify([event(`T-${String(i)}`, i * 1000, { zone: 'z' })]))).status).toBe(200);
    }
    await cycle(a);
    expect(stub.tagEvents()).toEqual([]);
    expect(a.buffer.stats().pendingBatches).toBeGreaterThan(0);
    await a.stop();
    agent = undefined;

    // The restart: the same buffer directory; the 503s are used up, the ingest stores again.
    a = await start(config([httpInput()]));
    expect(a.buffer.sealed(100).reduce((n, ref) => n + ref.tagEvents, 0)).toBe(5);
    await post(a.rtlsUrls[0]!, JSON.stringify(event('T-after', 9_000)));
    for (let i = 0; i < 5 && a.buffer.stats().pendingBatches > 0; i++) {
      await time.advance(5 * 60_000);
      await a.forwarder?.kick();
    }
    await cycle(a);
    expect(stub.tagEvents().map((e) => e.tag)).toEqual(['T-0', 'T-1', 'T-2', 'T-3', 'T-4', 'T-after']);
    expect(a.buffer.stats().pendingBatches).toBe(0);
  });
});

describe('the agent’s RTLS MQTT input (real mosquitto on 127.0.0.1)', () => {
  let broker: MosquittoBroker;
  let publisher: mqtt.MqttClient | undefined;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await broker.stop();
  });

  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('maps a vendor payload, forwards its events, counts the bad messages and reports the connection', async () => {
    const a = await start(
      config([
        mqttInputSchema.parse({
          kind: 'mqtt',
          url: broker.url,
          topics: ['rtls/+/position'],
          qos: 1,
          mapping: { events: 'data.tags', tag: 'tagId', time: 'ts', time_unit: 's', zone: 'location.zone' },
        }),
      ]),
    );
    publisher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 100 });
    const seconds = T0 / 1000;
    await publisher.publishAsync(
      'rtls/wing-3/position',
      JSON.stringify({
        data: {
          tags: [
            { tagId: 'T-1', ts: seconds, location: { zone: 'store-3' } },
            { tagId: 'T-2', ts: 'noon', location: { zone: 'store-3' } },
          ],
        },
      }),
      { qos: 1 },
    );
    await publisher.publishAsync('rtls/wing-3/position', 'not json', { qos: 1 });
    await publisher.publishAsync('rtls/wing-4/position', JSON.stringify({ data: { tags: 'none' } }), { qos: 1 });
    await publisher.publishAsync(
      'rtls/wing-4/position',
      JSON.stringify({ data: { tags: [{ tagId: 4711, ts: seconds + 1 }] } }),
      { qos: 1 },
    );
    const input = () => a.rtlsInputs!.snapshots()[0]!;
    await until(() => input().messages === 4, 'four messages');
    await cycle(a);
    expect(stub.tagEvents()).toEqual([
      { tag: 'T-1', t: T0, zone: 'store-3' },
      { tag: '4711', t: T0 + 1000 },
    ]);
    const which = { input: '0', kind: 'mqtt' };
    expect(heartbeat('pflow_agent_rtls_connected', which)).toBe(1);
    expect(heartbeat('pflow_agent_rtls_events_total', which)).toBe(2);
    expect(heartbeat('pflow_agent_rtls_rejected_total', { ...which, reason: 'bad_event' })).toBe(1);
    expect(heartbeat('pflow_agent_rtls_rejected_total', { ...which, reason: 'not_json' })).toBe(1);
    expect(heartbeat('pflow_agent_rtls_rejected_total', { ...which, reason: 'not_events' })).toBe(1);
  });
});

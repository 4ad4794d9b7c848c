import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiskBuffer } from '../../../src/agent/buffer/disk-buffer.js';
import { Batcher, batchLimits } from '../../../src/agent/forward/batcher.js';
import { Forwarder } from '../../../src/agent/forward/forwarder.js';
import { HttpTransport } from '../../../src/agent/forward/transport.js';
import type { MetricSample } from '../../../src/domain/records.js';
import { closedPort } from '../../support/closed-port.js';
import { captureLogger } from '../../support/logger.js';
import { ManualTime } from '../../support/manual-time.js';
import { createTestCa, type CertificatePair } from '../../support/tls.js';
import { ConnectProxy, IngestStub } from './ingest-stub.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const TOKEN = 'pfa_t1_0123456789abcdef0123456789abcdef';
const AGENT = { id: 'ward-1', version: '0.1.0' };

let caFile: string;
let leaf: CertificatePair;
let certDir: string;

beforeAll(async () => {
  const ca = await createTestCa();
  leaf = await ca.issue();
  certDir = mkdtempSync(join(tmpdir(), 'pflow-fwd-ca-'));
  caFile = join(certDir, 'ca.pem');
  writeFileSync(caFile, ca.cert);
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

let dir: string;
let stub: IngestStub;
let port: number;
let time: ManualTime;
let cleanup: (() => Promise<void> | void)[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-fwd-'));
  stub = new IngestStub(leaf);
  port = await stub.start();
  time = new ManualTime(T0);
  cleanup = [];
});
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  await stub.stop();
  rmSync(dir, { recursive: true, force: true });
});

function samples(from: number, to: number): MetricSample[] {
  return Array.from({ length: to - from + 1 }, (_, k) => ({
    name: 'test_seq',
    labels: { n: String(from + k) },
    time: T0 + from + k,
    value: from + k,
  }));
}

function expected(from: number, to: number): string[] {
  return samples(from, to).map((s) => `test_seq${JSON.stringify(s.labels)} ${String(s.value)}`);
}

function setUp(
  options: {
    env?: Record<string, string>;
    caFile?: string | undefined;
    timeoutMs?: number;
    random?: () => number;
  } = {},
) {
  const logger = captureLogger();
  const buffer = DiskBuffer.open({
    dir,
    fsync: 'always',
    maxBytes: 64 * 1024 * 1024,
    ...batchLimits(10, 1),
    now: time.clock.now,
  });
  const batcher = new Batcher(buffer, {
    maxBatchSamples: 10,
    maxBatchAgeMs: 10_000,
    now: time.clock.now,
    maxBatchBytes: batchLimits(10, 1).maxBatchBytes,
  });
  const transport = new HttpTransport({
    url: `https://localhost:${String(port)}/v1/ingest`,
    token: TOKEN,
    timeoutMs: options.timeoutMs ?? 5_000,
    ...('caFile' in options ? (options.caFile === undefined ? {} : { caFile: options.caFile }) : { caFile }),
    env: options.env ?? {},
    userAgent: 'pflow-agent/test',
  });
  const forwarder = new Forwarder(
    { agent: AGENT, gzipLevel: 1, baseBackoffMs: 1_000, maxBackoffMs: 8_000 },
    { buffer, transport, clock: time.clock, timers: time.timers, logger, random: options.random ?? (() => 0.5) },
  );
  cleanup.push(async () => {
    await forwarder.stop();
    await transport.close();
    buffer.close();
  });
  return { buffer, batcher, forwarder, logger };
}

describe('forwarding to an HTTPS ingest', () => {
  it('sends every sealed batch once, oldest first, gzipped, with the bearer token, trusting ca_file', async () => {
    const { buffer, batcher, forwarder } = setUp();
    batcher.add(samples(1, 25));
    batcher.flush();
    await forwarder.kick();
    expect(stub.samples()).toEqual(expected(1, 25));
    expect([...stub.batches.keys()]).toEqual([1, 2, 3].map((n) => `ward-1-${buffer.id}-${String(n).padStart(9, '0')}`));
    for (const request of stub.requests) {
      expect(request.headers['content-encoding']).toBe('gzip');
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      // The gzip magic number on the wire, not just the header.
      expect([...request.rawBody.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    }
    expect(buffer.stats().pendingBatches).toBe(0);
    expect(forwarder.counters).toMatchObject({ sentBatches: 3, sentSamples: 25, lastForwardTime: T0 });
  });

  it('does not trust the ingest certificate without ca_file: the batch stays and is retried', async () => {
    const { buffer, batcher, forwarder, logger } = setUp({ caFile: undefined });
    batcher.add(samples(1, 5));
    batcher.flush();
    await forwarder.kick();
    expect(stub.batches.size).toBe(0);
    expect(forwarder.backingOff).toBe(true);
    expect(buffer.stats().pendingBatches).toBe(1);
    expect(logger.text()).toMatch(/certificate/i);
  });

  it('goes through HTTPS_PROXY with CONNECT, and straight to a host NO_PROXY names', async () => {
    const proxy = new ConnectProxy();
    const proxyPort = await proxy.start();
    cleanup.push(() => proxy.stop());
    const via = setUp({ env: { HTTPS_PROXY: `http://127.0.0.1:${String(proxyPort)}` } });
    via.batcher.add(samples(1, 10));
    via.batcher.flush();
    await via.forwarder.kick();
    expect(stub.samples()).toEqual(expected(1, 10));
    expect(proxy.tunnels).toEqual([`localhost:${String(port)}`]);

    await via.forwarder.stop();
    const direct = setUp({ env: { https_proxy: `http://127.0.0.1:${String(proxyPort)}`, NO_PROXY: 'localhost' } });
    direct.batcher.add(samples(11, 20));
    direct.batcher.flush();
    await direct.forwarder.kick();
    expect(stub.samples()).toEqual(expected(1, 20));
    expect(proxy.tunnels).toHaveLength(1);
  });
});

describe('retries', () => {
  it('keeps a batch through 500s with exponential backoff and full jitter, then delivers it once', async () => {
    const { buffer, batcher, forwarder } = setUp({ random: () => 0.5 });
    stub.answers.push(500, 503, 502);
    batcher.add(samples(1, 10));
    batcher.flush();
    await forwarder.kick();
    // Attempt 1 failed: the wait is 0.5 × 1 s.
    expect(stub.requests).toHaveLength(1);
    for (const [wait, requests] of [
      [500, 2],
      [1_000, 3],
      [2_000, 4],
    ] as const) {
      await time.advance(wait - 1);
      expect(stub.requests).toHaveLength(requests - 1);
      await time.advance(1);
      await forwarder.kick();
      expect(stub.requests).toHaveLength(requests);
    }
    expect(stub.samples()).toEqual(expected(1, 10));
    expect(buffer.stats().pendingBatches).toBe(0);
    expect(forwarder.counters.failedAttempts).toBe(3);
  });

  it('caps the backoff and draws it uniformly below the cap', async () => {
    const draws = [0.999, 0.999, 0.999, 0.999, 0.999, 0.25];
    const { batcher, forwarder } = setUp({ random: () => draws.shift() ?? 0 });
    stub.answers.push(500, 500, 500, 500, 500, 500);
    batcher.add(samples(1, 10));
    batcher.flush();
    await forwarder.kick();
    const waits: number[] = [];
    // Ceilings 1, 2, 4, 8, 8 s (max 8 s), then 0.25 × 8 s.
    for (const ceiling of [1_000, 2_000, 4_000, 8_000, 8_000, 8_000]) {
      const before = stub.requests.length;
      let waited = 0;
      while (stub.requests.length === before && waited <= ceiling) {
        await time.advance(250);
        waited += 250;
        await forwarder.kick();
      }
      waits.push(waited);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 2_000]);
  });

  it('retries after a timeout', async () => {
    const { batcher, forwarder, logger } = setUp({ timeoutMs: 300 });
    stub.hang = true;
    batcher.add(samples(1, 10));
    batcher.flush();
    await forwarder.kick();
    expect(logger.text()).toMatch(/timed out/);
    expect(stub.batches.size).toBe(0);
    stub.hang = false;
    await time.advance(500);
    await forwarder.kick();
    expect(stub.samples()).toEqual(expected(1, 10));
  });

  it('retries after a refused connection', async () => {
    port = await closedPort();
    const { buffer, batcher, forwarder, logger } = setUp();
    batcher.add(samples(1, 10));
    batcher.flush();
    await forwarder.kick();
    expect(logger.text()).toMatch(/ECONNREFUSED/);
    expect(forwarder.backingOff).toBe(true);
    expect(buffer.stats().pendingBatches).toBe(1);
  });

  it('drops a batch the ingest refuses with 400: acknowledged, counted, logged, never sent again', async () => {
    const { buffer, batcher, forwarder, logger } = setUp();
    stub.answers.push(400);
    batcher.add(samples(1, 20));
    batcher.flush();
    await forwarder.kick();
    expect(stub.samples()).toEqual(expected(11, 20));
    expect(stub.requests).toHaveLength(2);
    expect(forwarder.counters).toMatchObject({ rejectedBatches: 1, rejectedSamples: 10, sentBatches: 1 });
    expect(buffer.stats().pendingBatches).toBe(0);
    const entry = logger.entries.find((e) => e.level === 'error');
    expect(entry?.fields).toMatchObject({ status: 400, samples: 10, error: 'invalid batch: samples[0].v: bad' });
    expect(logger.text()).not.toContain(TOKEN);
  });

  it('on tag_events_not_kept sends the same batch without its tag events, skips them for an hour, then tries again', async () => {
    const { buffer, batcher, forwarder, logger } = setUp();
    stub.keepsTagEvents = false;
    const send = async (from: number, to: number, tag: string) => {
      batcher.add(samples(from, to));
      expect(batcher.addTagEvents([{ tag, t: T0 }])).toBe(true);
      batcher.flush();
      await forwarder.kick();
    };
    await send(1, 5, 'T-1');
    // Refused once, then stored under the same id without tagEvents.
    expect(stub.requests).toHaveLength(2);
    expect([...stub.batches.keys()]).toHaveLength(1);
    expect(stub.samples()).toEqual(expected(1, 5));
    expect(stub.tagEvents()).toEqual([]);
    expect(forwarder.counters).toMatchObject({ sentBatches: 1, rejectedBatches: 0, notKeptTagEvents: 1 });
    expect(buffer.stats().pendingBatches).toBe(0);

    // Within the hour: no refusal paid per batch.
    await time.advance(59 * 60_000);
    await send(6, 8, 'T-2');
    expect(stub.requests).toHaveLength(3);
    expect(forwarder.counters.notKeptTagEvents).toBe(2);

    // After it (the deployment got assets: meanwhile), tag events go again.
    stub.keepsTagEvents = true;
    await time.advance(60_000);
    await send(9, 10, 'T-3');
    expect(stub.requests).toHaveLength(4);
    expect(stub.tagEvents()).toEqual([{ tag: 'T-3', t: T0 }]);
    expect(stub.samples()).toEqual(expected(1, 10));
    expect(stub.duplicates).toBe(0);
    expect(forwarder.counters).toMatchObject({ sentBatches: 3, rejectedBatches: 0, notKeptTagEvents: 2 });
    expect(logger.entries.filter((e) => e.level === 'warn' || e.level === 'error').map((e) => e.level)).toEqual([
      'warn',
    ]);
  });

  it('retries a 401 (a token problem is not the batch’s fault) instead of dropping the backlog', async () => {
    const { buffer, batcher, forwarder } = setUp();
    stub.answers.push(401);
    batcher.add(samples(1, 10));
    batcher.flush();
    await forwarder.kick();
    expect(forwarder.backingOff).toBe(true);
    expect(buffer.stats().pendingBatches).toBe(1);
    await time.advance(500);
    await forwarder.kick();
    expect(stub.samples()).toEqual(expected(1, 10));
  });
});

describe('batching', () => {
  it('seals a batch by age, so a quiet agent still sends within batch_max_age', async () => {
    const { buffer, batcher } = setUp();
    batcher.add(samples(1, 3));
    expect(batcher.tick()).toBe(false);
    expect(buffer.sealed(10)).toHaveLength(0);
    time.jumpWall(10_000);
    expect(batcher.tick()).toBe(true);
    expect(buffer.sealed(10).map((ref) => ref.samples)).toEqual([3]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskBuffer } from '../../src/agent/buffer/disk-buffer.js';
import { Batcher, batchLimits } from '../../src/agent/forward/batcher.js';
import { PullServer } from '../../src/agent/pull-server.js';
import { parseBatch, type WireBatch } from '../../src/domain/ingest/batch.js';

const TOKEN = 'pull-token-0123456789abcdef';
let dir: string;
let buffer: DiskBuffer;
let batcher: Batcher;
let server: PullServer;
let base: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-pull-'));
  const limits = batchLimits(10, 1);
  buffer = DiskBuffer.open({ dir, fsync: 'always', maxBytes: 64 * 1024 * 1024, ...limits });
  batcher = new Batcher(buffer, { ...limits, maxBatchAgeMs: 10_000, now: Date.now });
  server = new PullServer({ buffer, agent: { id: 'ward-1', version: 't' }, token: TOKEN, maxBytes: 1024 * 1024 });
  base = await server.listen('127.0.0.1', 0);
});
afterEach(async () => {
  await server.close();
  buffer.close();
  rmSync(dir, { recursive: true, force: true });
});

function add(from: number, to: number): void {
  for (let i = from; i <= to; i++)
    batcher.add([{ name: 'test_seq', labels: { n: String(i) }, time: 1_000 + i, value: i }]);
  batcher.flush();
}

async function pull(
  query = '',
  token = TOKEN,
): Promise<{ status: number; body: { batches: WireBatch[]; cursor: string } }> {
  const response = await fetch(`${base}/v1/pull${query}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as { batches: WireBatch[]; cursor: string } };
}

const values = (batches: WireBatch[]) => batches.flatMap((b) => (b.samples ?? []).map((s) => s.v));

describe('pull mode', () => {
  it('hands out sealed batches as valid WireBatches, again until acknowledged, then the next ones', async () => {
    add(1, 25);
    const first = await pull();
    expect(first.status).toBe(200);
    expect(values(first.body.batches)).toEqual(Array.from({ length: 25 }, (_, k) => k + 1));
    expect(first.body.batches.every((b) => parseBatch(b).ok)).toBe(true);
    const again = await pull();
    expect(again.body.batches.map((b) => b.batchId)).toEqual(first.body.batches.map((b) => b.batchId));
    add(26, 30);
    const next = await pull(`?ack=${first.body.cursor}`);
    expect(values(next.body.batches)).toEqual([26, 27, 28, 29, 30]);
    const empty = await pull(`?ack=${next.body.cursor}`);
    expect(empty.body).toEqual({ batches: [], cursor: next.body.cursor });
    expect(buffer.stats().pendingBatches).toBe(0);
  });

  it('answers at most max_bytes of batches (at least one)', async () => {
    add(1, 30);
    const one = await pull('?max_bytes=10');
    expect(one.body.batches).toHaveLength(1);
    const rest = await pull(`?ack=${one.body.cursor}`);
    expect(values(rest.body.batches)).toEqual(Array.from({ length: 20 }, (_, k) => k + 11));
  });

  it('refuses a wrong token and a cursor never handed out, acknowledging nothing', async () => {
    add(1, 10);
    expect((await pull('', 'wrong-token')).status).toBe(401);
    expect((await pull('?ack=99')).status).toBe(400);
    expect((await pull('?ack=abc')).status).toBe(400);
    expect(buffer.stats().pendingBatches).toBe(1);
  });
  it('serves tag events in the batches’ tagEvents, beside samples, and a batch without any leaves the field out', async () => {
    const T = Date.parse('2026-12-01T08:00:00Z');
    add(1, 2);
    batcher.add([{ name: 'test_seq', labels: { n: '3' }, time: 1_003, value: 3 }]);
    expect(
      batcher.addTagEvents([
        { tag: 'T-1', t: T, zone: 'store-3' },
        { tag: 'T-2', t: T + 1, battery: 12 },
      ]),
    ).toBe(true);
    batcher.flush();
    const page = await pull();
    expect(page.body.batches.map((b) => [values([b]), b.tagEvents])).toEqual([
      [[1, 2], undefined],
      [
        [3],
        [
          { tag: 'T-1', t: T, zone: 'store-3' },
          { tag: 'T-2', t: T + 1, battery: 12 },
        ],
      ],
    ]);
    expect(page.body.batches.every((b) => parseBatch(b).ok)).toBe(true);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteIngestStore } from '../../src/adapters/local/sqlite-ingest.js';
import { SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { openDatabase, type SqliteDatabase } from '../../src/adapters/local/sqlite.js';
import type { TagEvent } from '../../src/domain/assets/tag-event.js';
import { INGEST_LIMITS, TAG_EVENTS_NOT_KEPT } from '../../src/domain/ingest/batch.js';
import { authenticate, decodeBody, IngestService } from '../../src/ingest/ingest-service.js';
import { createToken } from '../../src/ingest/token.js';
import { captureLogger } from '../support/logger.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');

function batch(batchId: string, extra: Record<string, unknown> = {}) {
  return {
    v: 1,
    batchId,
    agent: { id: 'lab-01', version: '0.1.0' },
    samples: [
      { name: 'pflow_agent_up', labels: { agent: 'lab-01' }, t: T0, v: 1 },
      { name: 'node_load1', labels: { agent: 'lab-01', site: 'site-b' }, t: T0, v: 0.5 },
    ],
    probeResults: [
      {
        probe: 'lab-analyser',
        kind: 'tcp',
        target: 'analyser01:4000',
        labels: {},
        time: T0,
        success: true,
        durationMs: 12,
        phases: { connectMs: 3 },
      },
    ],
    ...extra,
  };
}

const gz = (value: unknown) => gzipSync(Buffer.from(JSON.stringify(value)));

describe('IngestService over SQLite', () => {
  let dir: string;
  let db: SqliteDatabase;
  let metrics: SqliteStore;
  let ingest: SqliteIngestStore;
  let tags: { site: string; events: readonly TagEvent[] }[];
  let service: IngestService;
  const logger = captureLogger();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pflow-ingest-'));
    db = openDatabase(join(dir, 'pflow.db'), { busyTimeoutMs: 0 });
    metrics = new SqliteStore({ database: db, clock: { now: () => T0 }, retentionMs: 30 * 86_400_000 });
    ingest = new SqliteIngestStore(db);
    tags = [];
    service = new IngestService({
      ledger: ingest,
      sink: {
        writeMetricSamples: (s) => metrics.writeMetricSamples(s),
        writeProbeResults: (r) => metrics.writeProbeResults(r),
        writeTagEvents: async (site, events) => void tags.push({ site, events }),
      },
      clock: { now: () => T0 },
      logger,
    });
  });
  afterEach(() => {
    metrics.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = () => ({
    samples: db
      .prepare('SELECT s.site, s.name, m.value FROM metrics m JOIN series s ON s.id = m.series_id ORDER BY s.name')
      .all(),
    probes: db.prepare('SELECT site, probe FROM probes').all(),
  });
  const principal = { tokenId: 'abcdefabcdef', site: 'site-a' };

  it('stores a gzipped batch under the token site, whatever the payload says', async () => {
    const answer = await service.ingest(principal, gz(batch('b-1')), 'gzip');
    expect(answer).toEqual({
      status: 200,
      body: { batchId: 'b-1', duplicate: false, samples: 2, probeResults: 1, tagEvents: 0 },
    });
    expect(stored()).toEqual({
      samples: [
        { site: 'site-a', name: 'node_load1', value: 0.5 },
        { site: 'site-a', name: 'pflow_agent_up', value: 1 },
      ],
      probes: [{ site: 'site-a', probe: 'lab-analyser' }],
    });
  });

  it('answers a retry of a stored batch as a duplicate and writes nothing', async () => {
    await service.ingest(principal, gz(batch('b-1')), 'gzip');
    db.exec('DELETE FROM metrics; DELETE FROM probes');
    const again = await service.ingest(principal, gz(batch('b-1')), 'gzip');
    expect(again).toEqual({
      status: 200,
      body: { batchId: 'b-1', duplicate: true, samples: 2, probeResults: 1, tagEvents: 0 },
    });
    expect(stored()).toEqual({ samples: [], probes: [] });
    // The same batch id from another site is another batch.
    const other = await service.ingest({ ...principal, site: 'site-b' }, gz(batch('b-1')), 'gzip');
    expect(other.body['duplicate']).toBe(false);
  });

  it('refuses a malformed batch whole, naming each problem, and writes nothing', async () => {
    const bad = batch('b-2', {
      samples: [
        { name: 'ok', labels: {}, t: T0, v: 1 },
        { name: 'bad', labels: {}, t: T0, v: 'high' },
      ],
      probeResults: [],
      extra: true,
    });
    const answer = await service.ingest(principal, gz(bad), 'gzip');
    expect(answer).toEqual({
      status: 400,
      body: {
        error: 'invalid batch',
        problems: ['samples[1].v: must be a number or one of "NaN", "+Inf", "-Inf"', 'extra: unknown field'],
      },
    });
    expect(stored()).toEqual({ samples: [], probes: [] });
    expect(await ingest.seen('site-a', 'b-2')).toBeUndefined();
  });

  it('passes tag events to the tag store under the token site', async () => {
    const tagEvents = [{ tag: 'T-1', t: T0, zone: 'icu' }];
    const answer = await service.ingest(principal, gz(batch('b-3', { tagEvents })), 'gzip');
    expect(answer.body).toMatchObject({ tagEvents: 1 });
    expect(tags).toEqual([{ site: 'site-a', events: tagEvents }]);
  });

  it('refuses tag events where the deployment keeps none with a code; the same batch id without them is then stored once', async () => {
    let written = 0;
    const noTags = new IngestService({
      ledger: ingest,
      sink: {
        writeMetricSamples: async (samples) => {
          written += samples.length;
        },
        writeProbeResults: async () => {},
      },
      clock: { now: () => T0 },
      logger,
    });
    const withoutTags = batch('b-4');
    const withTags = { ...withoutTags, tagEvents: [{ tag: 'T', t: T0 }] };
    const answer = await noTags.ingest(principal, gz(withTags), 'gzip');
    expect(answer).toEqual({
      status: 400,
      body: {
        error: 'invalid batch',
        code: TAG_EVENTS_NOT_KEPT,
        problems: ['tagEvents: this deployment keeps no tag events (its config has no assets: section)'],
      },
    });
    expect(written).toBe(0);
    // The refusal recorded nothing: the agent's resend without tagEvents is stored, not a duplicate.
    expect(await noTags.ingest(principal, gz(withoutTags), 'gzip')).toMatchObject({
      status: 200,
      body: { batchId: 'b-4', duplicate: false, samples: 2, tagEvents: 0 },
    });
    // The collect function's way: the same text, the tag events left out and counted.
    expect(await noTags.ingestJson(principal, JSON.stringify(withTags), { withoutTagEvents: true })).toMatchObject({
      status: 200,
      body: { batchId: 'b-4', duplicate: true, samples: 2 },
    });
    const other = batch('b-4b', {
      tagEvents: [
        { tag: 'T', t: T0 },
        { tag: 'U', t: T0 },
      ],
    });
    expect(await noTags.ingestJson(principal, JSON.stringify(other), { withoutTagEvents: true })).toEqual({
      status: 200,
      body: { batchId: 'b-4b', duplicate: false, samples: 2, probeResults: 1, tagEvents: 0, droppedTagEvents: 2 },
    });
    expect(written).toBe(4);
  });

  it('answers 503 while the database is locked, without recording the batch; the retry then stores it once', async () => {
    const locker = new Database(join(dir, 'pflow.db'));
    locker.exec('BEGIN EXCLUSIVE');
    const answer = await service.ingest(principal, gz(batch('b-5')), 'gzip');
    expect(answer).toEqual({ status: 503, body: { error: 'store unavailable' } });
    expect(logger.text()).toContain('ingest store write failed');
    locker.exec('ROLLBACK');
    locker.close();
    expect(await ingest.seen('site-a', 'b-5')).toBeUndefined();
    const retry = await service.ingest(principal, gz(batch('b-5')), 'gzip');
    expect(retry.body).toMatchObject({ duplicate: false, samples: 2 });
    expect(stored().samples).toHaveLength(2);
  });
});

describe('decodeBody', () => {
  it('takes plain JSON and gzip', async () => {
    expect(await decodeBody(Buffer.from('{}'), undefined)).toEqual({ ok: true, text: '{}' });
    expect(await decodeBody(gzipSync('{}'), 'gzip')).toEqual({ ok: true, text: '{}' });
  });

  it('refuses a body over the limit before reading it (413)', async () => {
    const decoded = await decodeBody(Buffer.alloc(INGEST_LIMITS.maxBodyBytes + 1), undefined);
    expect(!decoded.ok && decoded.answer.status).toBe(413);
  });

  it('stops inflating a zip bomb at the decompressed cap (413)', async () => {
    // 64 MiB of zeros gzip to ~64 KiB: small on the wire, four times the cap inflated.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(INGEST_LIMITS.maxBodyBytes);
    const decoded = await decodeBody(bomb, 'gzip');
    expect(decoded).toEqual({
      ok: false,
      answer: {
        status: 413,
        body: { error: `body over ${INGEST_LIMITS.maxDecompressedBytes} bytes once gunzipped: send smaller batches` },
      },
    });
  });

  it('refuses a body that says gzip but is not (400), and other encodings (415)', async () => {
    const notGzip = await decodeBody(Buffer.from('{}'), 'gzip');
    expect(!notGzip.ok && notGzip.answer).toMatchObject({ status: 400, body: { error: 'invalid batch' } });
    const brotli = await decodeBody(Buffer.from('{}'), 'br');
    expect(!brotli.ok && brotli.answer.status).toBe(415);
  });
});

describe('authenticate', () => {
  const { token, record } = createToken('site-a', 'lab', T0);
  const tokens = {
    findByHash: async (hash: string) => (hash === record.tokenHash ? record : undefined),
  };

  it('gives the token site and id', async () => {
    expect(await authenticate(`Bearer ${token}`, tokens)).toEqual({
      ok: true,
      principal: { tokenId: record.tokenId, site: 'site-a' },
    });
  });

  it.each([
    [undefined, 'missing Authorization: Bearer <agent token>'],
    ['Bearer nope', 'Authorization: expected Bearer pfa_<id>_<secret> (an agent token)'],
    [`Bearer ${createToken('site-a', 'x', 0).token}`, 'unknown agent token'],
  ])('refuses %j with 401', async (header, error) => {
    expect(await authenticate(header, tokens)).toEqual({ ok: false, answer: { status: 401, body: { error } } });
  });

  it('refuses a revoked token, naming its id and never the secret', async () => {
    const revoked = { findByHash: async () => ({ ...record, revokedAt: T0 }) };
    const result = await authenticate(`Bearer ${token}`, revoked);
    expect(result).toEqual({
      ok: false,
      answer: { status: 401, body: { error: `agent token ${record.tokenId} is revoked` } },
    });
  });
});

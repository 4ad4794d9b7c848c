import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logDropFileName, renderJsonLines } from '../../src/channels/logdrop/render.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { INGEST_LIMITS } from '../../src/domain/ingest/batch.js';
import { systemClock } from '../../src/domain/ports.js';
import { createToken } from '../../src/ingest/token.js';
import { LocalRuntime } from '../../src/runtime/local-runtime.js';
import { alertEvent } from '../support/alert-event.js';
import { captureLogger } from '../support/logger.js';

/**
 * The local runtime's ingest API over real HTTP on 127.0.0.1, with real gzip bodies and the real
 * pflow.db: what reached the store is read back with a second SQLite connection.
 */

const T0 = Date.parse('2026-12-01T08:00:00Z');
let dir: string;
let runtime: LocalRuntime;
let api: string;
let tokenA: string;
let tokenB: string;
let revoked: string;
const logger = captureLogger();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-ingest-api-'));
  const config = parseDeploymentConfig(
    `
version: 1
sites:
  - id: site-a
  - id: site-b
channels:
  - id: drop
    kind: logdrop
    logdrop: { target: directory, directory: ${join(dir, 'logdrop')} }
routes:
  - channels: [drop]
local:
  data_dir: ${join(dir, 'data')}
  api_listen: 127.0.0.1:0
`,
    'ingest.yaml',
    {},
  );
  runtime = new LocalRuntime(config, { clock: systemClock, logger, stdout: () => {}, probeIsolation: 'in-process' });
  for (const [site, name] of [
    ['site-a', 'a'],
    ['site-b', 'b'],
    ['site-a', 'old'],
  ] as const) {
    const created = createToken(site, name, T0);
    await runtime.ingest.add(created.record);
    if (name === 'a') tokenA = created.token;
    else if (name === 'b') tokenB = created.token;
    else {
      revoked = created.token;
      await runtime.ingest.revoke(created.record.tokenId, T0);
    }
  }
  api = (await runtime.start()).api;
});

afterAll(async () => {
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
});

function batch(batchId: string, extra: Record<string, unknown> = {}) {
  return {
    v: 1,
    batchId,
    agent: { id: 'lab-01', version: '0.1.0' },
    samples: [
      { name: 'pflow_agent_up', labels: { agent: 'lab-01', site: 'site-b' }, t: T0, v: 1 },
      { name: 'up', labels: { agent: 'lab-01', job: 'node', instance: '10.0.0.5:9100' }, t: T0, v: 1 },
    ],
    ...extra,
  };
}

async function post(body: Buffer, token: string | undefined, headers: Record<string, string> = {}) {
  const response = await fetch(`${api}/v1/ingest`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const gz = (value: unknown) => gzipSync(Buffer.from(JSON.stringify(value)));

function storedSamples(): { site: string; name: string; n: number }[] {
  const db = new Database(join(dir, 'data', 'pflow.db'), { readonly: true });
  try {
    return db
      .prepare(
        `SELECT s.site, s.name, COUNT(*) AS n FROM metrics m JOIN series s ON s.id = m.series_id
         WHERE s.name IN ('pflow_agent_up', 'up') GROUP BY s.site, s.name ORDER BY s.site, s.name`,
      )
      .all() as { site: string; name: string; n: number }[];
  } finally {
    db.close();
  }
}

describe('POST /v1/ingest on the local runtime', () => {
  it('stores a batch under the token site even when the payload says another', async () => {
    const answer = await post(gz(batch('iso-1')), tokenA);
    expect(answer).toEqual({
      status: 200,
      body: { batchId: 'iso-1', duplicate: false, samples: 2, probeResults: 0, tagEvents: 0 },
    });
    expect(storedSamples()).toEqual([
      { site: 'site-a', name: 'pflow_agent_up', n: 1 },
      { site: 'site-a', name: 'up', n: 1 },
    ]);
  });

  it('keeps batch ids per site: site B’s token writes its own batch of the same id to site B only', async () => {
    const answer = await post(gz(batch('iso-1')), tokenB);
    expect(answer.body).toMatchObject({ duplicate: false, samples: 2 });
    expect(storedSamples()).toEqual([
      { site: 'site-a', name: 'pflow_agent_up', n: 1 },
      { site: 'site-a', name: 'up', n: 1 },
      { site: 'site-b', name: 'pflow_agent_up', n: 1 },
      { site: 'site-b', name: 'up', n: 1 },
    ]);
  });

  it('answers a retry as a duplicate and writes nothing twice', async () => {
    const before = storedSamples();
    const retry = await post(gz(batch('iso-1', { samples: [{ name: 'up', labels: {}, t: T0 + 1, v: 0 }] })), tokenA);
    expect(retry).toEqual({
      status: 200,
      body: { batchId: 'iso-1', duplicate: true, samples: 2, probeResults: 0, tagEvents: 0 },
    });
    expect(storedSamples()).toEqual(before);
  });

  it('refuses a malformed batch whole (400 naming the problems) and writes nothing', async () => {
    const before = storedSamples();
    const samples = [
      { name: 'up', labels: {}, t: T0 + 5, v: 1 },
      { name: 'up', labels: { 'bad-label': 'x' }, t: T0 + 5, v: 1 },
    ];
    const answer = await post(gz(batch('bad-1', { samples })), tokenA);
    expect(answer).toEqual({
      status: 400,
      body: {
        error: 'invalid batch',
        problems: ['samples[1].labels["bad-label"]: is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)'],
      },
    });
    expect(storedSamples()).toEqual(before);
    // Not recorded as stored: the same id, fixed, is taken.
    const fixed = await post(gz(batch('bad-1')), tokenA);
    expect(fixed.body).toMatchObject({ duplicate: false });
  });

  it('takes an uncompressed body too', async () => {
    const answer = await post(Buffer.from(JSON.stringify(batch('plain-1'))), tokenA, {
      'content-encoding': 'identity',
    });
    expect(answer.body).toMatchObject({ batchId: 'plain-1', duplicate: false });
  });

  it.each([
    ['no token', undefined, 'missing Authorization: Bearer <agent token>'],
    ['an unknown token', createToken('site-a', 'x', T0).token, 'unknown agent token'],
  ])('answers 401 for %s', async (_, token, error) => {
    expect(await post(gz(batch('auth-1')), token)).toEqual({ status: 401, body: { error } });
  });

  it('answers 401 for a revoked token, naming its id', async () => {
    const answer = await post(gz(batch('auth-2')), revoked);
    expect(answer.status).toBe(401);
    expect(answer.body['error']).toMatch(/^agent token [a-z0-9]{12} is revoked$/);
    expect(logger.text()).not.toContain(revoked.slice(17));
  });

  it('answers 413 for a body over the limit and for a zip bomb', async () => {
    const huge = await post(randomBytes(INGEST_LIMITS.maxBodyBytes + 1), tokenA);
    expect(huge).toEqual({
      status: 413,
      body: { error: `body over ${INGEST_LIMITS.maxBodyBytes} bytes: send smaller batches` },
    });
    const bomb = await post(gzipSync(Buffer.alloc(INGEST_LIMITS.maxDecompressedBytes + 1, 0x20)), tokenA);
    expect(bomb.status).toBe(413);
  });

  it('answers 405 to a GET', async () => {
    const response = await fetch(`${api}/v1/ingest`, { headers: { authorization: `Bearer ${tokenA}` } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('answers 503 while another process holds pflow.db, records nothing, and stores the retry once', async () => {
    const locker = new Database(join(dir, 'data', 'pflow.db'));
    locker.exec('BEGIN EXCLUSIVE');
    const before = storedSamples();
    let answer;
    try {
      answer = await post(gz(batch('locked-1', { samples: [{ name: 'up', labels: {}, t: T0 + 9, v: 1 }] })), tokenA);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    expect(answer).toEqual({ status: 503, body: { error: 'store unavailable' } });
    expect(storedSamples()).toEqual(before);
    const retry = await post(gz(batch('locked-1', { samples: [{ name: 'up', labels: {}, t: T0 + 9, v: 1 }] })), tokenA);
    expect(retry.body).toMatchObject({ duplicate: false, samples: 1 });
    const again = await post(gz(batch('locked-1', { samples: [{ name: 'up', labels: {}, t: T0 + 9, v: 1 }] })), tokenA);
    expect(again.body).toMatchObject({ duplicate: true });
    const up = storedSamples().find((row) => row.site === 'site-a' && row.name === 'up');
    expect(up?.n).toBe(before.find((row) => row.site === 'site-a' && row.name === 'up')!.n + 1);
  });
});

describe('GET /v1/events on the local runtime', () => {
  const events = (site: string, n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => alertEvent({ id: `${site}-${String(from + i)}`, site }));
  beforeEach(() => {
    rmSync(join(dir, 'logdrop'), { recursive: true, force: true });
    for (const site of ['site-a', 'site-b']) {
      mkdirSync(join(dir, 'logdrop', site), { recursive: true });
      writeFileSync(join(dir, 'logdrop', site, logDropFileName(site, T0)), renderJsonLines(events(site, 3)));
      writeFileSync(
        join(dir, 'logdrop', site, logDropFileName(site, T0 + 60_000)),
        renderJsonLines(events(site, 2, 3)),
      );
    }
  });

  async function get(query: string, token = tokenA) {
    const response = await fetch(`${api}/v1/events${query}`, { headers: { authorization: `Bearer ${token}` } });
    return {
      status: response.status,
      body: (await response.json()) as { events?: { id: string }[]; next?: string; error?: string },
    };
  }

  it('pages through the token site’s events oldest first, across files, with the cursor', async () => {
    const first = await get('?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.events!.map((e) => e.id)).toEqual(['site-a-0', 'site-a-1']);
    const second = await get(`?after=${encodeURIComponent(first.body.next!)}&limit=2`);
    expect(second.body.events!.map((e) => e.id)).toEqual(['site-a-2', 'site-a-3']);
    const third = await get(`?after=${encodeURIComponent(second.body.next!)}`);
    expect(third.body.events!.map((e) => e.id)).toEqual(['site-a-4']);
    const empty = await get(`?after=${encodeURIComponent(third.body.next!)}`);
    expect(empty.body).toEqual({ events: [], next: third.body.next });
  });

  it('gives site B’s token only site B’s events, and refuses a site A cursor to it', async () => {
    const b = await get('', tokenB);
    expect(b.body.events!.map((e) => e.id)).toEqual(['site-b-0', 'site-b-1', 'site-b-2', 'site-b-3', 'site-b-4']);
    const a = await get('?limit=1');
    const crossed = await get(`?after=${encodeURIComponent(a.body.next!)}`, tokenB);
    expect(crossed.status).toBe(400);
    expect(crossed.body.error).toMatch(/^after: not a cursor of this site/);
  });

  it('answers 401 without a token and 400 for a bad limit', async () => {
    const response = await fetch(`${api}/v1/events`);
    expect(response.status).toBe(401);
    expect((await get('?limit=0')).status).toBe(400);
  });
});

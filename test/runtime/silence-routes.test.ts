import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteLifecycleStore } from '../../src/adapters/local/sqlite-lifecycle.js';
import { openDatabase, type SqliteDatabase } from '../../src/adapters/local/sqlite.js';
import { isMuted } from '../../src/domain/silences.js';
import { SilenceService } from '../../src/services/silences.js';
import { ApiServer, type RuntimeReadModel } from '../../src/runtime/api-server.js';
import { silenceActions, silenceRoutes } from '../../src/runtime/silence-routes.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const TOKEN = 'pfl_test-token';
const readModel: RuntimeReadModel = {
  latestProbeResults: () => [],
  listAlertStates: () => [],
  recentAlertEvents: () => [],
};

describe('/api/silences', () => {
  let db: SqliteDatabase;
  let api: ApiServer;
  let url: string;
  let service: SilenceService;
  const clock = { now: () => T0 };

  beforeEach(async () => {
    db = openDatabase(':memory:');
    let n = 0;
    service = new SilenceService(new SqliteLifecycleStore(db), clock, () => `sil-${++n}`);
    api = new ApiServer(
      '127.0.0.1:0',
      readModel,
      () => ({}),
      [silenceRoutes(service, clock)],
      [],
      [silenceActions(service, clock, TOKEN)],
    );
    url = await api.start();
  });
  afterEach(async () => {
    await api.stop();
    db.close();
  });

  const post = (path: string, body: unknown, token = TOKEN) =>
    fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });

  it('refuses a change without the token, or with another one, and stores nothing', async () => {
    const body = { matchers: ['probe="x"'], author: 'ana', comment: 'c', duration: '1h' };
    expect((await post('/api/silences', body, '')).status).toBe(401);
    expect((await post('/api/silences', body, 'pfl_wrong')).status).toBe(401);
    expect(service.list(true)).toEqual([]);
  });

  it('makes, lists and expires a silence; the evaluator sees it only while it holds', async () => {
    const created = await post('/api/silences', {
      matchers: ['probe="pfsw-login"'],
      author: 'ana',
      comment: 'PFSW upgrade',
      duration: '2h',
    });
    expect(created.status).toBe(201);
    const { silence } = (await created.json()) as { silence: { id: string; status: string; endsAt: string } };
    expect(silence).toMatchObject({ id: 'sil-1', status: 'active', endsAt: '2026-12-01T12:00:00.000Z' });
    expect(isMuted({ probe: 'pfsw-login' }, T0, service.active(), [])).toBe(true);

    const listed = (await (await fetch(`${url}/api/silences`)).json()) as {
      silences: { id: string; author: string }[];
    };
    expect(listed.silences).toEqual([expect.objectContaining({ id: 'sil-1', author: 'ana' })]);

    expect((await post('/api/silences/sil-1/expire', {})).status).toBe(400);
    expect((await post('/api/silences/sil-1/expire', { by: 'bo' })).status).toBe(200);
    expect((await post('/api/silences/sil-1/expire', { by: 'bo' })).status).toBe(409);
    expect((await post('/api/silences/sil-9/expire', { by: 'bo' })).status).toBe(404);
    expect(isMuted({ probe: 'pfsw-login' }, T0, service.active(), [])).toBe(false);
    const all = (await (await fetch(`${url}/api/silences?all=1`)).json()) as { silences: unknown[] };
    expect(all.silences).toEqual([expect.objectContaining({ id: 'sil-1', status: 'expired', expiredBy: 'bo' })]);
  });

  it('answers 400 with every problem and stores nothing', async () => {
    const response = await post('/api/silences', { matchers: ['nope'], duration: '1h' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { problems: string[] };
    expect(body.problems).toEqual([
      expect.stringMatching(/^matchers\[0\]: not a label matcher/),
      'author: who is silencing is required',
      'comment: why is required',
    ]);
    expect(service.list(true)).toEqual([]);
    expect(
      (
        await fetch(`${url}/api/silences`, {
          method: 'POST',
          body: 'not json',
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).status,
    ).toBe(400);
  });

  it('still refuses other writes with 405', async () => {
    expect((await fetch(`${url}/api/alerts`, { method: 'PUT', body: '{}' })).status).toBe(405);
  });
});

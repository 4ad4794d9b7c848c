import { afterEach, describe, expect, it } from 'vitest';
import { tagMappingSchema } from '../../src/domain/assets/mapping.js';
import type { TagEvent } from '../../src/domain/assets/tag-event.js';
import { HttpTagInput } from '../../src/rtls/http-input.js';
import { captureLogger } from '../support/logger.js';

const T = Date.UTC(2026, 11, 1, 10, 0, 0);
const TOKEN = 'rtls-push-token-0123456789';

describe('HttpTagInput (real HTTP server on 127.0.0.1)', () => {
  let input: HttpTagInput | undefined;
  afterEach(async () => {
    await input?.stop();
    input = undefined;
  });

  async function start(options: { token?: boolean; maxBody?: number; failSink?: () => boolean } = {}) {
    const received: TagEvent[] = [];
    input = new HttpTagInput(
      {
        kind: 'http',
        listen: '127.0.0.1:0',
        path: '/rtls',
        max_body_bytes: options.maxBody ?? 4096,
        ...(options.token && { bearer_token: TOKEN }),
        mapping: tagMappingSchema.parse({ tag: 'id', time: 'ts', time_unit: 's' }),
      },
      {
        logger: captureLogger(),
        sink: async (events) => {
          if (options.failSink?.()) throw new Error('store locked');
          received.push(...events);
        },
      },
    );
    const url = await input.start();
    const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      fetch(url, { method: 'POST', body, headers }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as any,
      }));
    return { url, received, post, input };
  }

  it('takes one event or a list in the configured vendor shape', async () => {
    const { post, received, input } = await start();
    expect(await post(JSON.stringify({ id: 'T-1', ts: T / 1000, zone: 'a' }))).toEqual({
      status: 200,
      body: { accepted: 1, rejected: [], rejectedCount: 0 },
    });
    await post(
      JSON.stringify([
        { id: 'T-2', ts: T / 1000 + 1 },
        { id: 'T-3', ts: T / 1000 + 2 },
      ]),
    );
    expect(received).toEqual([
      { tag: 'T-1', t: T, zone: 'a' },
      { tag: 'T-2', t: T + 1000 },
      { tag: 'T-3', t: T + 2000 },
    ]);
    expect(input.stats.snapshot()).toMatchObject({ messages: 2, accepted: 3, rejected: {} });
  });

  it('refuses bad payloads with a reason, counts them, and keeps serving', async () => {
    const { post, received, url, input } = await start();
    expect(await post('{"id": "T-1", ')).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^body is not JSON: /) },
    });
    expect(await post('{}', { 'content-type': 'text/plain' })).toEqual({
      status: 415,
      body: { error: 'content-type must be application/json' },
    });
    expect(await post(JSON.stringify([{ id: 'T-1' }]))).toEqual({
      status: 400,
      body: {
        error: 'every event was refused: events[0].ts: required (the event time)',
        accepted: 0,
        rejected: [{ index: 0, error: 'events[0].ts: required (the event time)' }],
      },
    });
    // One bad event beside a good one: the good one is taken, the bad one named.
    expect(
      await post(
        JSON.stringify([
          { id: 'T-1', ts: T / 1000 },
          { id: 'T 2', ts: T / 1000 },
        ]),
      ),
    ).toEqual({
      status: 200,
      body: {
        accepted: 1,
        rejected: [{ index: 1, error: 'events[1].tag: must be 1-128 characters of A-Z a-z 0-9 . _ : -' }],
        rejectedCount: 1,
      },
    });
    expect(await post(JSON.stringify({ id: 'x'.repeat(5000), ts: 1 }))).toEqual({
      status: 413,
      body: { error: 'body over 4096 bytes' },
    });
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(url.replace('/rtls', '/other'), { method: 'POST' })).status).toBe(404);
    expect(received).toEqual([{ tag: 'T-1', t: T }]);
    const stats = input.stats.snapshot();
    expect(stats.rejected).toEqual({ not_json: 2, bad_event: 2, too_large: 1 });
    expect(stats.lastRejections.map((r) => r.reason)).toEqual([
      'not_json',
      'not_json',
      'bad_event',
      'bad_event',
      'too_large',
    ]);
    // Still serving after all that.
    expect((await post(JSON.stringify({ id: 'T-9', ts: T / 1000 }))).status).toBe(200);
  });

  it('asks for the bearer token when one is configured', async () => {
    const { post, received } = await start({ token: true });
    const body = JSON.stringify({ id: 'T-1', ts: T / 1000 });
    expect((await post(body)).status).toBe(401);
    expect((await post(body, { 'content-type': 'application/json', authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(body, { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` })).status).toBe(
      200,
    );
    expect(received).toHaveLength(1);
  });

  it('answers 503 and takes nothing when the sink fails, so the sender retries', async () => {
    let fail = true;
    const { post, received, input } = await start({ failSink: () => fail });
    const body = JSON.stringify([
      { id: 'T-1', ts: T / 1000 },
      { id: 'T-2', ts: T / 1000 },
    ]);
    expect(await post(body)).toEqual({
      status: 503,
      body: { error: 'events could not be stored now; send them again' },
    });
    fail = false;
    expect((await post(body)).status).toBe(200);
    expect(received.map((e) => e.tag)).toEqual(['T-1', 'T-2']);
    expect(input.stats.snapshot()).toMatchObject({ accepted: 2, rejected: { sink_failed: 2 } });
  });
});

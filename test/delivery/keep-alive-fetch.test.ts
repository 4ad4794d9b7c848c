import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postJson } from '../../src/channels/common/http-post.js';
import { keepAliveFetch } from '../../src/delivery/keep-alive-fetch.js';
import { closedPort, startHttpReceiver, type HttpReceiver, type ReceiverReply } from '../support/http-receiver.js';

let receiver: HttpReceiver;
let fastFetch: ReturnType<typeof keepAliveFetch>;

beforeEach(async () => {
  receiver = await startHttpReceiver();
  fastFetch = keepAliveFetch();
});
afterEach(async () => {
  fastFetch.close();
  await receiver.close();
});

const post = (url: string, timeoutMs = 2_000) =>
  postJson({
    url,
    body: '{"hello":"wörld"}',
    headers: { 'x-api-key': 'k' },
    timeoutMs,
    redact: (text) => text,
    fetch: fastFetch,
  });

describe('keepAliveFetch behind the shared HTTP POST', () => {
  it('sends method, headers and body as fetch would', async () => {
    expect(await post(receiver.urlFor('/hook?x=1'))).toEqual({ status: 'delivered', detail: 'HTTP 200' });
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hook?x=1', body: '{"hello":"wörld"}' });
    expect(request!.headers).toMatchObject({
      'x-api-key': 'k',
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength('{"hello":"wörld"}')),
    });
  });

  it.each([
    { reply: { status: 204 }, want: { status: 'delivered' } },
    {
      reply: { status: 404, body: 'no_service' },
      want: { status: 'permanent', reason: 'http_404', detail: 'HTTP 404: no_service' },
    },
    {
      reply: { status: 429, body: 'slow down', headers: { 'retry-after': '2' } },
      want: { status: 'retryable', reason: 'rate_limited', retryAfterMs: 2_000 },
    },
    {
      reply: { status: 302, headers: { location: 'http://elsewhere.example/' } },
      want: { status: 'permanent', reason: 'http_302' },
    },
    { reply: { reset: true as const }, want: { status: 'retryable', reason: 'connection' } },
  ] as { reply: ReceiverReply; want: object }[])(
    'classifies $reply the same way as the global fetch',
    async ({ reply, want }) => {
      receiver.replyWith(reply);
      const viaFast = await post(receiver.url);
      const viaGlobal = await postJson({ url: receiver.url, body: '{}', timeoutMs: 2_000, redact: (t) => t });
      expect(viaFast).toMatchObject(want);
      expect(viaGlobal).toMatchObject(want);
    },
  );

  it('gives up at the timeout on a receiver that hangs', async () => {
    receiver.replyWith({ hang: true });
    expect(await post(receiver.url, 100)).toEqual({
      status: 'retryable',
      reason: 'timeout',
      detail: 'no response within 100 ms',
    });
  });

  it('reports a refused connection as retryable', async () => {
    const outcome = await post(`http://127.0.0.1:${await closedPort()}/`);
    expect(outcome).toMatchObject({ status: 'retryable', reason: 'connection' });
    expect(outcome.status !== 'delivered' && outcome.detail).toContain('ECONNREFUSED');
  });

  it('reuses one connection for sequential requests', async () => {
    let connections = 0;
    const server = createServer((req, res) => req.resume().on('end', () => res.end('ok')));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    for (let i = 0; i < 5; i++) expect(await post(`http://127.0.0.1:${port}/`)).toMatchObject({ status: 'delivered' });

    expect(connections).toBe(1);
    fastFetch.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['text, twice', async (r: Response) => [await r.text(), await r.text().catch((e: Error) => e.name)]],
    ['json, then clone', async (r: Response) => [await r.json(), tryName(() => r.clone())]],
    ['clone, then both', async (r: Response) => [await r.clone().text(), await r.text(), r.bodyUsed]],
    ['arrayBuffer', async (r: Response) => [new Uint8Array(await r.arrayBuffer()).length, r.bodyUsed]],
    ['body stream, then text', async (r: Response) => [r.body instanceof ReadableStream, r.bodyUsed, await r.text()]],
    ['blob, then text', async (r: Response) => [(await r.blob()).size, await r.text().catch((e: Error) => e.name)]],
  ] as const)('reads a response body as the global fetch does: %s', async (_, read) => {
    // A byte-order mark and a non-ASCII character: text() drops the one and decodes the other.
    receiver.replyWith({ status: 200, body: '\uFEFF{"ok":"wörld"}', headers: { 'content-type': 'application/json' } });
    const request = { method: 'POST', body: '{}', redirect: 'manual' } as const;
    const viaFast = await read(await fastFetch(receiver.url, request));
    const viaGlobal = await read(await fetch(receiver.url, request));
    expect(viaFast).toEqual(viaGlobal);
  });
});

function tryName(action: () => unknown): string {
  try {
    action();
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  }
}

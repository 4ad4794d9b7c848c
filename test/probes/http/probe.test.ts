import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeOutcome } from '../../../src/domain/probe-result.js';
import { httpProber } from '../../../src/probes/http/probe.js';
import { httpSettingsSchema, type HttpSettings } from '../../../src/probes/http/settings.js';
import { closedPort, startHttpServer, type LoopbackServer } from '../loopback.js';

const settings = (block: Record<string, unknown> = {}): HttpSettings => httpSettingsSchema.parse(block);
const SERVER_DELAY_MS = 150;

interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The target: one route per behaviour a probe must tell apart. */
function route(seen: SeenRequest[]): http.RequestListener {
  return (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '/';
      seen.push({
        method: request.method ?? '',
        url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const status = /^\/status\/(\d{3})$/.exec(url);
      if (status) {
        response.writeHead(Number(status[1])).end('status page');
      } else if (url === '/ok') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('service healthy v1');
      } else if (url === '/redirect') {
        response.writeHead(302, { location: '/ok' }).end();
      } else if (url === '/redirect-twice') {
        response.writeHead(301, { location: '/redirect' }).end();
      } else if (url === '/loop') {
        response.writeHead(302, { location: '/loop' }).end();
      } else if (url === '/post-redirect') {
        response.writeHead(302, { location: '/echo' }).end();
      } else if (url === '/keep-method-redirect') {
        response.writeHead(307, { location: '/echo' }).end();
      } else if (url === '/echo') {
        response.writeHead(200).end(request.method);
      } else if (url === '/slow') {
        setTimeout(() => {
          response.writeHead(200);
          response.write('first part, ');
          setTimeout(() => response.end('second part'), SERVER_DELAY_MS);
        }, SERVER_DELAY_MS);
      } else if (url === '/hang') {
        // Never answers: the probe's deadline must cut it.
      } else if (url === '/cut-body') {
        response.writeHead(200, { 'content-length': '1000' });
        response.write('only the beginning');
        setTimeout(() => response.socket?.destroy(), 20);
      } else if (url === '/close-without-response') {
        response.socket?.destroy();
      } else if (url === '/big') {
        response.writeHead(200).end('a'.repeat(5_000) + 'NEEDLE');
      } else {
        response.writeHead(404).end('not found');
      }
    });
  };
}

describe('http prober against a loopback server', () => {
  const seen: SeenRequest[] = [];
  let server: LoopbackServer;
  let base: string;

  beforeAll(async () => {
    server = await startHttpServer(route(seen));
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  const probe = (path: string, block: Record<string, unknown> = {}, timeoutMs = 2_000): Promise<ProbeOutcome> =>
    httpProber(base + path, settings(block), { timeoutMs });

  it('reports success, status code and the phases of a plain request', async () => {
    const outcome = await probe('/ok');

    expect(outcome).toMatchObject({ success: true, statusCode: 200, details: { bodyBytes: 18 } });
    expect(outcome.failure).toBeUndefined();
    expect(outcome.phases.connectMs).toBeGreaterThanOrEqual(0);
    expect(outcome.phases.firstByteMs).toBeGreaterThanOrEqual(0);
    expect(outcome.phases.transferMs).toBeGreaterThanOrEqual(0);
    // An IP literal is not resolved, and plain http has no TLS phase.
    expect(outcome.phases.dnsMs).toBeUndefined();
    expect(outcome.phases.tlsMs).toBeUndefined();
    expect(outcome.tlsVersion).toBeUndefined();
    const phaseSum = Object.values(outcome.phases).reduce((sum, value) => sum + value, 0);
    expect(outcome.durationMs).toBeGreaterThanOrEqual(phaseSum - 0.01);
  });

  it('times the DNS phase when the target is a name', async () => {
    const outcome = await httpProber(`http://localhost:${server.port}/ok`, settings({ ip_protocol: 'ip4' }), {
      timeoutMs: 2_000,
    });

    expect(outcome.success).toBe(true);
    expect(outcome.phases.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it.each([
    { name: '2xx by default', path: '/status/204', block: {}, success: true, reason: undefined },
    { name: '500 is not 2xx', path: '/status/500', block: {}, success: false, reason: 'status_mismatch' },
    { name: '404 is not 2xx', path: '/nowhere', block: {}, success: false, reason: 'status_mismatch' },
    {
      name: 'listed code',
      path: '/status/503',
      block: { valid_status_codes: [503] },
      success: true,
      reason: undefined,
    },
    {
      name: '200 when only 201 is valid',
      path: '/ok',
      block: { valid_status_codes: [201] },
      success: false,
      reason: 'status_mismatch',
    },
    { name: 'body matches', path: '/ok', block: { body_match: 'healthy v\\d' }, success: true, reason: undefined },
    {
      name: 'body lacks match',
      path: '/ok',
      block: { body_match: 'degraded' },
      success: false,
      reason: 'body_mismatch',
    },
    { name: 'negation absent', path: '/ok', block: { body_not_match: 'error' }, success: true, reason: undefined },
    {
      name: 'negation present',
      path: '/ok',
      block: { body_not_match: 'healthy' },
      success: false,
      reason: 'body_mismatch',
    },
    { name: 'redirect followed', path: '/redirect', block: {}, success: true, reason: undefined },
    {
      name: 'redirect not followed',
      path: '/redirect',
      block: { follow_redirects: false },
      success: false,
      reason: 'status_mismatch',
    },
    {
      name: 'redirect expected',
      path: '/redirect',
      block: { follow_redirects: false, valid_status_codes: [302] },
      success: true,
      reason: undefined,
    },
    { name: 'redirect loop', path: '/loop', block: {}, success: false, reason: 'status_mismatch' },
    { name: 'body cut short', path: '/cut-body', block: {}, success: false, reason: 'connection' },
    { name: 'no response at all', path: '/close-without-response', block: {}, success: false, reason: 'connection' },
  ])('$name → $reason', async ({ path, block, success, reason }) => {
    const outcome = await probe(path, block);

    expect(outcome.success).toBe(success);
    expect(outcome.failure?.reason).toBe(reason);
    if (!success) expect(outcome.failure?.message).not.toBe('');
  });

  it('counts the redirects it followed and sums their phases', async () => {
    const outcome = await probe('/redirect-twice', { body_match: 'healthy' });

    expect(outcome).toMatchObject({ success: true, statusCode: 200, details: { redirects: 2 } });
    expect(outcome.phases.connectMs).toBeGreaterThanOrEqual(0);
  });

  it('stops a redirect loop after 10 hops', async () => {
    seen.length = 0;
    const outcome = await probe('/loop');

    expect(outcome.failure?.message).toMatch(/10 redirects/);
    expect(seen.filter((request) => request.url === '/loop')).toHaveLength(11);
  });

  it('sends the configured method, headers and body on a new connection', async () => {
    seen.length = 0;
    const outcome = await probe('/echo', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Probe': 'pflow' },
      body: '{"ping":true}',
      body_match: '^POST$',
    });

    expect(outcome.success).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      body: '{"ping":true}',
      headers: { 'content-type': 'application/json', 'x-probe': 'pflow', connection: 'close' },
    });
  });

  it.each([
    { redirect: '/post-redirect', arrivesAs: 'GET', body: '' },
    { redirect: '/keep-method-redirect', arrivesAs: 'POST', body: 'payload' },
  ])('a POST redirected by $redirect arrives as $arrivesAs', async ({ redirect, arrivesAs, body }) => {
    seen.length = 0;
    const outcome = await probe(redirect, { method: 'POST', body: 'payload' });

    expect(outcome.success).toBe(true);
    expect(seen.map((request) => [request.url, request.method, request.body])).toEqual([
      [redirect, 'POST', 'payload'],
      ['/echo', arrivesAs, body],
    ]);
  });

  it('measures a slow server in the first-byte and transfer phases', async () => {
    const outcome = await probe('/slow', { body_match: 'first part, second part' });

    expect(outcome.success).toBe(true);
    expect(outcome.phases.firstByteMs).toBeGreaterThanOrEqual(SERVER_DELAY_MS - 5);
    expect(outcome.phases.transferMs).toBeGreaterThanOrEqual(SERVER_DELAY_MS - 5);
    expect(outcome.durationMs).toBeGreaterThanOrEqual(2 * SERVER_DELAY_MS - 5);
  });

  it('cuts a hanging server at the timeout while other probes complete quickly', async () => {
    const timeoutMs = 400;
    const hanging = probe('/hang', {}, timeoutMs);
    const others = await Promise.all(Array.from({ length: 20 }, () => probe('/ok', {}, timeoutMs)));
    const outcome = await hanging;

    expect(others.every((other) => other.success)).toBe(true);
    expect(Math.max(...others.map((other) => other.durationMs))).toBeLessThan(timeoutMs / 2);
    expect(outcome.failure).toEqual({ reason: 'timeout', message: 'no complete response within 400 ms' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(timeoutMs - 1);
    expect(outcome.durationMs).toBeLessThan(timeoutMs + 300);
    // It connected; it was the answer that never came.
    expect(outcome.phases.connectMs).toBeGreaterThanOrEqual(0);
    expect(outcome.phases.firstByteMs).toBeUndefined();
  });

  it('reads at most max_body_bytes and matches only those', async () => {
    const truncated = await probe('/big', { max_body_bytes: 1_000, body_match: 'NEEDLE' });
    const whole = await probe('/big', { body_match: 'NEEDLE' });

    expect(truncated).toMatchObject({
      success: false,
      failure: { reason: 'body_mismatch' },
      details: { bodyBytes: 1_000, bodyTruncated: true },
    });
    expect(whole).toMatchObject({ success: true, details: { bodyBytes: 5_006 } });
  });

  it('reports a refused connection', async () => {
    const port = await closedPort();
    const outcome = await httpProber(`http://127.0.0.1:${port}/`, settings(), { timeoutMs: 2_000 });

    expect(outcome).toMatchObject({ success: false, failure: { reason: 'refused' } });
  });

  it('reports a name that does not resolve as a dns failure', async () => {
    const outcome = await httpProber('http://no-such-host.invalid/', settings(), { timeoutMs: 5_000 });

    expect(outcome).toMatchObject({ success: false, failure: { reason: 'dns' } });
  });

  it('stops when the scheduler aborts the attempt', async () => {
    const controller = new AbortController();
    const pending = httpProber(`${base}/hang`, settings(), { timeoutMs: 5_000, signal: controller.signal });
    controller.abort();

    expect(await pending).toMatchObject({ success: false, failure: { reason: 'error', message: 'probe aborted' } });
  });

  it('keeps credentials from the URL out of the outcome', async () => {
    seen.length = 0;
    const outcome = await httpProber(`http://probe:s3cret@127.0.0.1:${server.port}/status/500`, settings(), {
      timeoutMs: 2_000,
    });

    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('probe:s3cret').toString('base64')}`);
    expect(JSON.stringify(outcome)).not.toContain('s3cret');
  });
});

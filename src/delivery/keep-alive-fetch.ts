import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface KeepAliveFetchOptions {
  /** Sockets per host and port; the dispatcher's per-channel in-flight bound is usually lower. */
  readonly maxSockets?: number;
  /** Response bodies beyond this are cut (channels read only short error texts). */
  readonly maxResponseBytes?: number;
}

/**
 * A `fetch` for channel POSTs over node:http(s) with keep-alive agents, for ChannelDeps.fetch.
 * Why not the global fetch: on Node 20 it measured 350–650 requests/s to a loopback receiver on
 * this project's machines against 3,000–4,300 for node:http with keep-alive (bench/notify.ts),
 * which put the delivery goal of 2,000 events/s out of reach. It covers what channels send — a
 * string or byte body, headers, an AbortSignal, `redirect: 'manual'` — and hands anything else
 * (redirect following, streams, forms) to the global fetch, so callers never see a difference.
 */
export function keepAliveFetch(options: KeepAliveFetchOptions = {}): typeof fetch & { close(): void } {
  const maxSockets = options.maxSockets ?? 64;
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets });

  const fastFetch = (async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    const simpleBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    if (input instanceof Request || init.redirect !== 'manual' || !simpleBody) return globalThis.fetch(input, init);
    const url = input instanceof URL ? input : new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return globalThis.fetch(input, init);
    init.signal?.throwIfAborted();

    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : (body ?? undefined);
    if (payload) headers['content-length'] = String(payload.byteLength);

    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const request = send(url, {
        method: init.method ?? 'GET',
        headers,
        agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
      });
      const onAbort = () => request.destroy(init.signal?.reason ?? new DOMException('aborted', 'AbortError'));
      init.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => init.signal?.removeEventListener('abort', onAbort);
      request.on('error', (error) => {
        done();
        // Same shape as fetch's failures, so callers classify one kind of error.
        reject(
          error.name === 'TimeoutError' || error.name === 'AbortError'
            ? error
            : new TypeError('fetch failed', { cause: error }),
        );
      });
      request.on('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= maxResponseBytes) chunks.push(chunk);
        });
        response.on('error', (error) => {
          done();
          reject(new TypeError('fetch failed', { cause: error }));
        });
        response.on('end', () => {
          done();
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
            else if (value !== undefined) responseHeaders.set(name, value);
          }
          const status = response.statusCode ?? 0;
          const nullBody = status === 101 || status === 204 || status === 205 || status === 304;
          if (status < 200 || status > 599) {
            reject(new TypeError('fetch failed', { cause: new Error(`unexpected HTTP status ${status}`) }));
            return;
          }
          const init = { status, statusText: response.statusMessage ?? '', headers: responseHeaders };
          resolve(nullBody ? new Response(null, init) : bufferedResponse(Buffer.concat(chunks), init));
        });
      });
      request.end(payload);
    });
  }) as typeof fetch & { close(): void };
  fastFetch.close = () => {
    httpAgent.destroy();
    httpsAgent.destroy();
  };
  return fastFetch;
}

/** Decodes as fetch's text() does: a UTF-8 byte-order mark is dropped, bad bytes become U+FFFD. */
const utf8 = new TextDecoder();

/**
 * A Response over a body already read into memory. Why not `new Response(bytes)`: undici wraps
 * the bytes in a web ReadableStream and reads them back through it, which cost about a fifth of
 * the delivery benchmark's throughput (3,750 vs 4,550 events/s without it). text(), json() and
 * arrayBuffer() — what channels read — answer from the bytes; anything else (body, blob(),
 * formData(), clone()) goes through a real Response built on first use, so it behaves as fetch's.
 */
function bufferedResponse(bytes: Buffer, init: ResponseInit): Response {
  const response = new Response(null, init);
  let real: Response | undefined;
  let used = false;
  const toReal = (): Response => {
    if (!real) {
      real = new Response(bytes, init);
      // Already read through the fast path: the real one is read too, so it refuses a second read.
      if (used) void real.arrayBuffer();
    }
    return real;
  };
  const read =
    <T>(fromBytes: (bytes: Buffer) => T, viaReal: (response: Response) => Promise<T>) =>
    async (): Promise<T> => {
      if (used || real) return viaReal(toReal());
      used = true;
      return fromBytes(bytes);
    };
  Object.defineProperties(response, {
    bodyUsed: { get: () => real?.bodyUsed ?? used },
    body: { get: () => toReal().body },
    text: {
      value: read(
        (b) => utf8.decode(b),
        (r) => r.text(),
      ),
    },
    json: {
      value: read(
        (b) => JSON.parse(utf8.decode(b)) as unknown,
        (r) => r.json(),
      ),
    },
    arrayBuffer: {
      value: read(
        (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength),
        (r) => r.arrayBuffer(),
      ),
    },
    blob: { value: () => toReal().blob() },
    formData: { value: () => toReal().formData() },
    clone: { value: () => toReal().clone() },
  });
  return response;
}

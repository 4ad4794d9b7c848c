import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import type { ScrapeFailure } from '../../domain/agent/scrape-samples.js';
import { SCRAPE_ACCEPT } from '../../domain/exposition/index.js';

export interface FetchPageOptions {
  readonly url: string;
  /** The whole request: connect, headers and every byte of the body. */
  readonly timeoutMs: number;
  /** Bytes of the body after decompression; 0 means no limit. */
  readonly bodySizeLimit: number;
  readonly userAgent: string;
  readonly tls?:
    | {
        readonly caFile?: string | undefined;
        readonly serverName?: string | undefined;
        readonly insecureSkipVerify: boolean;
      }
    | undefined;
  readonly signal?: AbortSignal | undefined;
}

export type FetchedPage =
  | { readonly ok: true; readonly body: Buffer; readonly contentType: string | undefined }
  | { readonly ok: false; readonly failure: ScrapeFailure };

const caByFile = new Map<string, Buffer[]>();

function caBundle(file: string): Buffer[] {
  let bundle = caByFile.get(file);
  if (bundle === undefined) {
    // Node replaces the system roots when `ca` is given; the file's certificates are added to them.
    bundle = [...rootCertificates.map((root) => Buffer.from(root)), readFileSync(file)];
    caByFile.set(file, bundle);
  }
  return bundle;
}

/**
 * One GET of an exporter's page, asked for as Prometheus asks (its Accept header for OpenMetrics
 * and text 0.0.4, gzip, the timeout in `X-Prometheus-Scrape-Timeout-Seconds`). One deadline covers
 * everything, so a target that accepts and never answers, sends headers a byte at a time, or
 * trickles its body fails at the timeout; a body over the limit (announced or counted as it
 * arrives, after gunzip, so a gzip bomb stops at the limit) fails at once. It resolves, never
 * rejects, and leaves no socket open.
 */
export function fetchPage(options: FetchPageOptions): Promise<FetchedPage> {
  return new Promise<FetchedPage>((resolve) => {
    let settled = false;
    let response: IncomingMessage | undefined;
    let decoder: Gunzip | Inflate | undefined;
    const finish = (result: FetchedPage): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      if (!result.ok) {
        decoder?.destroy();
        response?.destroy();
        request.destroy();
      }
      resolve(result);
    };
    const fail = (reason: ScrapeFailure['reason'], message: string): void =>
      finish({ ok: false, failure: { reason, message } });
    const onAbort = (): void => fail('error', 'scrape aborted (the agent is stopping)');

    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      resolve({ ok: false, failure: { reason: 'error', message: `not a URL: ${options.url}` } });
      return;
    }
    const https = url.protocol === 'https:';
    let ca: Buffer[] | undefined;
    if (https && options.tls?.caFile !== undefined) {
      try {
        ca = caBundle(options.tls.caFile);
      } catch (error) {
        resolve({
          ok: false,
          failure: { reason: 'error', message: `cannot read tls_config.ca_file: ${(error as Error).message}` },
        });
        return;
      }
    }
    const headers = {
      accept: SCRAPE_ACCEPT,
      'accept-encoding': 'gzip',
      'user-agent': options.userAgent,
      'x-prometheus-scrape-timeout-seconds': (options.timeoutMs / 1000).toString(),
    };
    const request = https
      ? httpsRequest(url, {
          headers,
          ...(ca !== undefined ? { ca } : {}),
          ...(options.tls?.serverName !== undefined ? { servername: options.tls.serverName } : {}),
          rejectUnauthorized: !(options.tls?.insecureSkipVerify ?? false),
        })
      : httpRequest(url, { headers });
    const deadline = setTimeout(() => {
      const stage = response === undefined ? 'waiting for the response headers' : 'reading the body';
      fail('timeout', `no complete answer within scrape_timeout (${String(options.timeoutMs)} ms; was ${stage})`);
    }, options.timeoutMs);
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });

    request.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code !== undefined && !error.message.includes(error.code) ? `${error.code}: ` : '';
      fail('connection', `${code}${error.message}`);
    });
    request.on('response', (incoming) => {
      response = incoming;
      const status = incoming.statusCode ?? 0;
      if (status < 200 || status > 299) {
        fail('http_status', `server returned HTTP status ${String(status)} ${incoming.statusMessage ?? ''}`.trimEnd());
        return;
      }
      const limit = options.bodySizeLimit;
      const announced = Number(incoming.headers['content-length']);
      const encoding = (incoming.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (limit > 0 && encoding === 'identity' && Number.isFinite(announced) && announced > limit) {
        fail(
          'body_size_limit',
          `the body (${String(announced)} bytes, Content-Length) is over body_size_limit (${String(limit)} bytes)`,
        );
        return;
      }
      let body: NodeJS.ReadableStream = incoming;
      if (encoding === 'gzip' || encoding === 'x-gzip') decoder = createGunzip();
      else if (encoding === 'deflate') decoder = createInflate();
      else if (encoding !== 'identity') {
        fail('error', `unsupported Content-Encoding ${JSON.stringify(encoding)}`);
        return;
      }
      if (decoder !== undefined) {
        decoder.on('error', (error) => fail('error', `cannot decompress the body: ${error.message}`));
        body = incoming.pipe(decoder);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (chunk: Buffer) => {
        if (settled) return;
        size += chunk.length;
        if (limit > 0 && size > limit) {
          fail(
            'body_size_limit',
            `the body is over body_size_limit (${String(limit)} bytes${decoder ? ' after decompression' : ''})`,
          );
          return;
        }
        chunks.push(chunk);
      });
      body.on('end', () => {
        const contentType = incoming.headers['content-type'];
        finish({ ok: true, body: Buffer.concat(chunks, size), contentType });
      });
      incoming.on('aborted', () => fail('connection', 'the connection closed before the body was complete'));
      incoming.on('error', (error) => fail('connection', error.message));
    });
    request.end();
  });
}

import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { DiskBuffer } from './buffer/disk-buffer.js';
import { listenOn } from '../runtime/listen.js';
import { encodeBatch } from './forward/encoder.js';
import type { BatchAgent } from '../domain/ingest/batch.js';

export interface PullServerOptions {
  readonly buffer: DiskBuffer;
  readonly agent: BatchAgent;
  readonly token: string;
  /** Default and largest max_bytes of one answer (at least one batch is always returned). */
  readonly maxBytes: number;
}

/**
 * Pull mode: `GET /v1/pull?ack=<cursor>&max_bytes=<n>` with `Authorization: Bearer <pull token>`.
 * Acknowledges every batch up to `ack` (the cursor a previous answer gave), then answers
 * `{"batches":[WireBatch…],"cursor":"<last batch's number>"}` with the next sealed batches, oldest
 * first, up to max_bytes of JSON. A collector that crashes before acknowledging gets the same
 * batches (same ids) again.
 */
export class PullServer {
  private readonly server: Server;
  private readonly tokenHash: Buffer;

  constructor(private readonly opts: PullServerOptions) {
    this.tokenHash = createHash('sha256').update(opts.token).digest();
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /** Listens on host:port (0: a free port); an address that is taken is a ListenError naming pull.listen. */
  async listen(host: string, port: number): Promise<string> {
    return listenOn(this.server, `${host.includes(':') ? `[${host}]` : host}:${String(port)}`, 'pull.listen');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const reply = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(body);
    };
    const url = new URL(req.url ?? '/', 'http://agent');
    if (url.pathname !== '/v1/pull') return reply(404, '{"error":"not found"}');
    if (req.method !== 'GET') return reply(405, '{"error":"use GET"}');
    if (!this.authorized(req.headers.authorization)) return reply(401, '{"error":"missing or wrong bearer token"}');
    const ack = url.searchParams.get('ack');
    if (ack !== null && ack !== '') {
      if (!/^[0-9]{1,15}$/.test(ack)) return reply(400, '{"error":"ack: not a cursor"}');
      try {
        this.opts.buffer.ack(Number(ack));
      } catch {
        return reply(400, '{"error":"ack: that cursor was never handed out"}');
      }
    }
    const asked = Number(url.searchParams.get('max_bytes') ?? this.opts.maxBytes);
    const maxBytes = Number.isFinite(asked) && asked > 0 ? Math.min(asked, this.opts.maxBytes) : this.opts.maxBytes;
    const bodies: Buffer[] = [];
    let size = 0;
    let cursor: number | undefined;
    let after = this.opts.buffer.stats().ackedBatch;
    for (;;) {
      const ref = this.opts.buffer.sealed(1, after)[0];
      if (ref === undefined) break;
      after = ref.batch;
      const content = this.opts.buffer.read(ref.batch);
      if (content === undefined) continue;
      const json = encodeBatch(content, this.opts.agent);
      if (bodies.length > 0 && size + json.length > maxBytes) break;
      bodies.push(json);
      size += json.length + 1;
      cursor = ref.batch;
    }
    const parts: Buffer[] = [Buffer.from('{"batches":[')];
    bodies.forEach((body, i) => {
      if (i > 0) parts.push(Buffer.from(','));
      parts.push(body);
    });
    const next = cursor ?? this.opts.buffer.stats().ackedBatch;
    parts.push(Buffer.from(`],"cursor":"${String(next)}"}`));
    return reply(200, Buffer.concat(parts).toString('utf8'));
  }

  private authorized(header: string | undefined): boolean {
    const match = /^Bearer (.+)$/.exec(header ?? '');
    if (match === null) return false;
    const given = createHash('sha256')
      .update(match[1] ?? '')
      .digest();
    return timingSafeEqual(given, this.tokenHash);
  }
}

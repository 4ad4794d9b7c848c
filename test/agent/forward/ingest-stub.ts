import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { TagEvent } from '../../../src/domain/assets/tag-event.js';
import { parseBatch, TAG_EVENTS_NOT_KEPT, type WireBatch } from '../../../src/domain/ingest/batch.js';
import type { CertificatePair } from '../../support/tls.js';

/**
 * A loopback ingest for the forwarder's tests: real HTTP(S), the contract's answers, batches kept
 * by id (a repeated id is a duplicate, as the real ingest treats it). `answers` scripts the next
 * statuses; once it is empty every batch is accepted.
 */
export interface ReceivedRequest {
  readonly headers: IncomingMessage['headers'];
  readonly rawBody: Buffer;
}

export class IngestStub {
  readonly batches = new Map<string, WireBatch>();
  readonly requests: ReceivedRequest[] = [];
  readonly answers: number[] = [];
  duplicates = 0;
  /** False: a deployment without `assets:`, refusing batches with tag events as the real ingest does. */
  keepsTagEvents = true;
  /** While true, requests are held without an answer (a hung endpoint). */
  hang = false;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(tls?: CertificatePair) {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Every sample received, as `name{labels} value`, once per stored batch. */
  samples(): string[] {
    return [...this.batches.values()].flatMap((batch) =>
      (batch.samples ?? []).map((s) => `${s.name}${JSON.stringify(s.labels)} ${String(s.v)}`),
    );
  }

  /** Every tag event received, once per stored batch, in batch order. */
  tagEvents(): TagEvent[] {
    return [...this.batches.values()].flatMap((batch) => [...(batch.tagEvents ?? [])]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    this.requests.push({ headers: req.headers, rawBody });
    if (this.hang) return;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const scripted = this.answers.shift();
    if (scripted !== undefined && scripted !== 200) {
      return reply(
        scripted,
        scripted === 400 ? { error: 'invalid batch', problems: ['samples[0].v: bad'] } : { error: 'store unavailable' },
      );
    }
    const json = req.headers['content-encoding'] === 'gzip' ? gunzipSync(rawBody) : rawBody;
    const parsed = parseBatch(JSON.parse(json.toString('utf8')));
    if (!parsed.ok) return reply(400, { error: 'invalid batch', problems: [parsed.error] });
    const batch = JSON.parse(json.toString('utf8')) as WireBatch;
    if (!this.keepsTagEvents && (batch.tagEvents?.length ?? 0) > 0) {
      return reply(400, {
        error: 'invalid batch',
        code: TAG_EVENTS_NOT_KEPT,
        problems: ['tagEvents: this deployment keeps no tag events (its config has no assets: section)'],
      });
    }
    const duplicate = this.batches.has(batch.batchId);
    if (duplicate) this.duplicates += 1;
    else this.batches.set(batch.batchId, batch);
    reply(200, {
      batchId: batch.batchId,
      duplicate,
      samples: batch.samples?.length ?? 0,
      probeResults: batch.probeResults?.length ?? 0,
      tagEvents: batch.tagEvents?.length ?? 0,
    });
  }
}

/** A real HTTP CONNECT proxy on loopback that records the targets it tunnelled to. */
export class ConnectProxy {
  readonly tunnels: string[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createHttpServer((_req, res) => {
      res.writeHead(405);
      res.end();
    });
    this.server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      this.tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => this.sockets.delete(socket));
      }
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { mapMessage } from '../domain/assets/mapping.js';
import type { HttpInputSettings } from '../domain/assets/input-settings.js';
import type { Logger } from '../domain/ports.js';
import { closeServer, listenOn } from '../runtime/listen.js';
import { InputStats, type TagEventSink } from './input-stats.js';

/** At most this many rejections are listed in one answer; the count is always complete. */
const MAX_LISTED = 100;

export interface HttpTagInputDeps {
  readonly sink: TagEventSink;
  readonly logger: Logger;
  /** Names the config key of the address in a listen error. */
  readonly setting?: string;
  readonly now?: () => number;
}

/**
 * The RTLS pushes JSON here (`POST <path>`): one event, a list, or a wrapped list (`mapping.events`).
 * Answers: 200 `{accepted, rejected: [{index, error}]}` once the good events are in the sink (a bad
 * event beside them is refused alone, with its reason); 400 when the body is not JSON or holds no
 * good event; 401 without the configured bearer token; 413 over `max_body_bytes`; 415 when not
 * JSON; 503 when the sink could not take them (nothing was taken: send again).
 */
export class HttpTagInput {
  readonly stats: InputStats;
  private server?: Server;

  constructor(
    private readonly settings: HttpInputSettings,
    private readonly deps: HttpTagInputDeps,
  ) {
    this.stats = new InputStats(deps.now);
  }

  async start(): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.deps.logger.error('rtls http input failed', { error: String(error) });
        if (!response.headersSent) send(response, 500, { error: 'internal error' });
      });
    });
    this.server = server;
    const base = await listenOn(server, this.settings.listen, this.deps.setting ?? 'inputs[].listen');
    return `${base}${this.settings.path}`;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== this.settings.path)
      return send(response, 404, { error: `POST tag events to ${this.settings.path}` });
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      return send(response, 405, { error: 'use POST' });
    }
    this.stats.message();
    if (this.settings.bearer_token !== undefined && !bearerMatches(request, this.settings.bearer_token)) {
      request.resume();
      this.stats.reject('unauthorized', 'missing or wrong bearer token');
      return send(response, 401, { error: 'Authorization: Bearer <token> required' });
    }
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type)) {
      request.resume();
      this.stats.reject('not_json', `content-type ${type === '' ? 'missing' : 'not JSON'}`);
      return send(response, 415, { error: 'content-type must be application/json' });
    }
    const body = await readBody(request, this.settings.max_body_bytes);
    if (body === undefined) {
      this.stats.reject('too_large', `body over ${this.settings.max_body_bytes} bytes`);
      response.setHeader('connection', 'close');
      return send(response, 413, { error: `body over ${this.settings.max_body_bytes} bytes` });
    }
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch (error) {
      const why = `body is not JSON: ${(error as Error).message}`;
      this.stats.reject('not_json', why);
      return send(response, 400, { error: why });
    }
    const mapped = mapMessage(message, this.settings.mapping);
    if (mapped.error !== undefined) {
      this.stats.reject('not_events', mapped.error);
      return send(response, 400, { error: mapped.error });
    }
    for (const rejection of mapped.rejected) this.stats.reject('bad_event', rejection.error);
    const listed = mapped.rejected.slice(0, MAX_LISTED);
    if (mapped.events.length === 0) {
      return send(response, 400, {
        error: mapped.rejected.length === 0 ? 'no events in the body' : `every event was refused: ${listed[0]!.error}`,
        accepted: 0,
        rejected: listed,
      });
    }
    try {
      await this.deps.sink(mapped.events);
    } catch (error) {
      this.stats.reject('sink_failed', String(error), mapped.events.length);
      this.deps.logger.warn('rtls http input: events not taken, the sender should retry', { error: String(error) });
      return send(response, 503, { error: 'events could not be stored now; send them again' });
    }
    this.stats.accept(mapped.events.length);
    send(response, 200, { accepted: mapped.events.length, rejected: listed, rejectedCount: mapped.rejected.length });
  }
}

function bearerMatches(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * The whole body, or undefined when it passes the limit. Past the limit the rest is drained and
 * dropped rather than the socket destroyed, so the sender still reads the 413.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(`${JSON.stringify(body)}\n`);
}

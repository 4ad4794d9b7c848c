import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AlertEvent } from '../domain/alerts/event.js';
import type { ProbeResult } from '../domain/probe-result.js';
import type { AlertInstanceState } from '../domain/rules/types.js';
import { closeServer, listenOn } from './listen.js';

/** What the read-only API shows; the SQLite store provides it. */
export interface RuntimeReadModel {
  latestProbeResults(): ProbeResult[];
  listAlertStates(): AlertInstanceState[];
  recentAlertEvents(limit: number): AlertEvent[];
}

const MAX_EVENTS = 1_000;

/** An answer from a route beside the API's own (the web console): JSON `body`, or `raw` bytes. */
export type ApiReply =
  | { readonly status: number; readonly body: unknown; readonly headers?: Readonly<Record<string, string>> }
  | {
      readonly status: number;
      readonly raw: string | Buffer;
      readonly contentType?: string;
      readonly headers?: Readonly<Record<string, string>>;
    };

/** More routes on the same listener: answers its paths, undefined for the rest. */
export type ApiRoutes = (url: URL) => ApiReply | undefined;

/** A changing request (POST, DELETE) as the action handlers see it, body read whole. */
export interface ApiRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /** The peer's address, for audit records. */
  readonly remote: string;
}

/** Handlers of changing calls: answers its paths, undefined for the rest (which get 405). */
export type ApiActions = (request: ApiRequest) => Promise<ApiReply | undefined>;

/** Changing calls carry small JSON bodies; anything larger is refused unread. */
const MAX_ACTION_BODY_BYTES = 64 * 1024;

/**
 * Routes that read the request itself (method, headers, body) — the agent's ingest API: a
 * promise of the answer for its paths, undefined for the rest. Asked before the read-only API.
 */
export type RequestRoutes = (request: IncomingMessage, url: URL) => Promise<ApiReply> | undefined;

/**
 * The local runtime's small read-only JSON API:
 * `/api/probes` latest result per probe, `/api/alerts` current alert states, `/api/events` recent
 * events (`?limit=`), `/api/health` scheduler figures.
 */
export class ApiServer {
  private server?: Server;

  constructor(
    private readonly listen: string,
    private readonly readModel: RuntimeReadModel,
    private readonly health: () => unknown,
    private readonly routes: readonly ApiRoutes[] = [],
    private readonly requestRoutes: readonly RequestRoutes[] = [],
    private readonly actions: readonly ApiActions[] = [],
  ) {}

  async start(): Promise<string> {
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const send = (status: number, body: unknown) => {
        response.statusCode = status;
        response.setHeader('content-type', 'application/json; charset=utf-8');
        response.setHeader('cache-control', 'no-store');
        response.end(`${JSON.stringify(body, null, 2)}\n`);
      };
      for (const route of this.requestRoutes) {
        const pending = route(request, url);
        if (pending === undefined) continue;
        pending.then(
          (reply) => {
            for (const [name, value] of Object.entries(reply.headers ?? {})) response.setHeader(name, value);
            if ('raw' in reply) {
              response.statusCode = reply.status;
              response.end(reply.raw);
            } else send(reply.status, reply.body);
          },
          (error: unknown) => send(500, { error: error instanceof Error ? error.message : String(error) }),
        );
        return;
      }
      const reply = (answer: ApiReply) => {
        for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
        if ('raw' in answer) {
          response.statusCode = answer.status;
          if (answer.contentType !== undefined) response.setHeader('content-type', answer.contentType);
          response.end(request.method === 'HEAD' ? undefined : answer.raw);
        } else send(answer.status, answer.body);
      };
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        if (this.actions.length === 0 || request.method !== 'POST') {
          response.setHeader('allow', 'GET, HEAD');
          send(405, { error: 'this API is read-only: use GET' });
          return;
        }
        void this.act(request, url, reply, send);
        return;
      }
      try {
        for (const route of this.routes) {
          const answer = route(url);
          if (answer === undefined) continue;
          reply(answer);
          return;
        }
        switch (url.pathname) {
          case '/':
          case '/api':
            // A person's browser asks for HTML: the web console (when served) is what they want.
            if (url.pathname === '/' && this.routes.length > 0 && /text\/html/.test(request.headers.accept ?? '')) {
              response.statusCode = 303;
              response.setHeader('location', '/console/');
              response.end();
              return;
            }
            send(200, { endpoints: ['/api/probes', '/api/alerts', '/api/events?limit=100', '/api/health'] });
            return;
          case '/api/probes':
            send(200, { probes: this.readModel.latestProbeResults().map(presentProbeResult) });
            return;
          case '/api/alerts':
            send(200, { alerts: this.readModel.listAlertStates().map(presentAlertState) });
            return;
          case '/api/events': {
            const limitText = url.searchParams.get('limit') ?? '100';
            const limit = Number(limitText);
            if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS) {
              send(400, {
                error: `limit: must be an integer from 1 to ${MAX_EVENTS}, got ${JSON.stringify(limitText)}`,
              });
              return;
            }
            send(200, { events: this.readModel.recentAlertEvents(limit) });
            return;
          }
          case '/api/health':
            send(200, this.health());
            return;
          default:
            send(404, { error: `no such endpoint: ${url.pathname}` });
        }
      } catch (error) {
        send(500, { error: error instanceof Error ? error.message : String(error) });
      }
    });
    this.server = server;
    return listenOn(server, this.listen, 'local.api_listen');
  }

  /** A POST: read the body (bounded), then the first action that answers it; 404 when none does. */
  private async act(
    request: IncomingMessage,
    url: URL,
    reply: (answer: ApiReply) => void,
    send: (status: number, body: unknown) => void,
  ): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of request as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_ACTION_BODY_BYTES) {
          send(413, { error: `request body over ${MAX_ACTION_BODY_BYTES} bytes` });
          request.destroy();
          return;
        }
        chunks.push(chunk);
      }
      const apiRequest: ApiRequest = {
        method: request.method ?? 'POST',
        url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remote: request.socket.remoteAddress ?? 'unknown',
      };
      for (const action of this.actions) {
        const answer = await action(apiRequest);
        if (answer !== undefined) return reply(answer);
      }
      send(404, { error: `no such endpoint: POST ${url.pathname}` });
    } catch (error) {
      send(500, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

function presentProbeResult(result: ProbeResult) {
  return { ...result, time: new Date(result.time).toISOString() };
}

function presentAlertState(state: AlertInstanceState) {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    ...state,
    since: iso(state.since),
    firingSince: iso(state.firingSince),
    lastActiveAt: iso(state.lastActiveAt),
    lastNotifiedAt: iso(state.lastNotifiedAt),
    lastEvaluatedAt: iso(state.lastEvaluatedAt),
  };
}

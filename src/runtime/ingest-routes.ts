import type { IncomingMessage } from 'node:http';
import { INGEST_LIMITS } from '../domain/ingest/batch.js';
import type { Logger } from '../domain/ports.js';
import { readEvents } from '../ingest/events.js';
import { authenticate, type IngestAnswer, type IngestService } from '../ingest/ingest-service.js';
import type { AgentTokenLookup, AlertEventFeed } from '../ingest/ports.js';
import type { ApiReply, RequestRoutes } from './api-server.js';

export interface IngestRoutesDeps {
  readonly tokens: AgentTokenLookup;
  readonly service: IngestService;
  /** The log drop the agent reads alert events from; undefined when the config has none. */
  readonly events: AlertEventFeed | undefined;
  readonly logger: Logger;
}

/**
 * A body past this is not read further: the connection is closed after the 413, rather than
 * reading an endless upload to the end.
 */
const DRAIN_LIMIT_BYTES = 4 * INGEST_LIMITS.maxBodyBytes;

/**
 * The ingest API on the local runtime's API listener, answering exactly as the AWS endpoint does:
 * `POST /v1/ingest` (an agent's batch) and `GET /v1/events` (its site's alert events).
 */
export function ingestRoutes(deps: IngestRoutesDeps): RequestRoutes {
  return (request, url) => {
    if (url.pathname === '/v1/ingest') return ingest(request, deps);
    if (url.pathname === '/v1/events') return events(request, url, deps);
    return undefined;
  };
}

async function ingest(request: IncomingMessage, deps: IngestRoutesDeps): Promise<ApiReply> {
  if (request.method !== 'POST') return drained(request, methodNotAllowed('POST'));
  const auth = await authenticate(request.headers.authorization, deps.tokens);
  if (!auth.ok) return drained(request, auth.answer);
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > INGEST_LIMITS.maxBodyBytes) return drained(request, tooLarge());
  const body = await readBody(request, INGEST_LIMITS.maxBodyBytes);
  if (body === undefined) return { ...tooLarge(), headers: { connection: 'close' } };
  return deps.service.ingest(auth.principal, body, request.headers['content-encoding']);
}

async function events(request: IncomingMessage, url: URL, deps: IngestRoutesDeps): Promise<ApiReply> {
  if (request.method !== 'GET') return drained(request, methodNotAllowed('GET'));
  const auth = await authenticate(request.headers.authorization, deps.tokens);
  if (!auth.ok) return auth.answer;
  return readEvents(auth.principal, url.searchParams, deps.events, deps.logger);
}

function methodNotAllowed(allow: string): ApiReply {
  return { status: 405, body: { error: `use ${allow}` }, headers: { allow } };
}

function tooLarge(): IngestAnswer {
  return {
    status: 413,
    body: { error: `body over ${String(INGEST_LIMITS.maxBodyBytes)} bytes: send smaller batches` },
  };
}

/** The body, or undefined once it passes `max` bytes (the rest is then discarded, up to a bound). */
function readBody(request: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) {
        request.destroy();
        resolve(undefined);
      }
    });
    request.on('end', () => resolve(size > max ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * Answers only after the client's body is read (and dropped), so the client gets the answer
 * rather than a reset connection.
 */
async function drained(request: IncomingMessage, answer: ApiReply): Promise<ApiReply> {
  await readBody(request, 0).catch(() => undefined);
  return answer;
}

import { PflowError } from '../domain/errors.js';
import type { Logger } from '../domain/ports.js';
import type { AgentPrincipal, IngestAnswer } from './ingest-service.js';
import type { AlertEventFeed } from './ports.js';

export const EVENTS_DEFAULT_LIMIT = 100;
export const EVENTS_MAX_LIMIT = 1_000;

/**
 * `GET /v1/events?after=<cursor>&limit=<n>`: the token site's alert events after the cursor,
 * oldest first. The agent stores `next` only once it has appended the events to its file, so a
 * crash in between fetches them again and its own dedup (by event id) keeps them once.
 */
export async function readEvents(
  principal: AgentPrincipal,
  query: URLSearchParams,
  feed: AlertEventFeed | undefined,
  logger: Logger,
): Promise<IngestAnswer> {
  if (feed === undefined) {
    return { status: 404, body: { error: 'no log drop: the config has no logdrop channel to read events from' } };
  }
  const limitText = query.get('limit') ?? String(EVENTS_DEFAULT_LIMIT);
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > EVENTS_MAX_LIMIT) {
    return { status: 400, body: { error: `limit: a whole number from 1 to ${String(EVENTS_MAX_LIMIT)}` } };
  }
  const after = query.get('after') ?? '';
  try {
    const page = await feed.read(principal.site, after === '' ? undefined : after, limit);
    return { status: 200, body: { events: page.events, next: page.next } };
  } catch (error) {
    if (error instanceof PflowError && error.reason === 'bad_cursor') {
      return { status: 400, body: { error: `after: ${error.message}` } };
    }
    logger.error('log drop read failed', { site: principal.site, error: (error as Error).message });
    return { status: 503, body: { error: 'log drop unavailable' } };
  }
}

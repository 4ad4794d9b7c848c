import { SilenceRequestError, silenceStatus, type RuntimeSilence } from '../domain/lifecycle/runtime-silence.js';
import type { Clock } from '../domain/ports.js';
import type { SilenceService } from '../services/silences.js';
import type { ApiActions, ApiReply, ApiRequest, ApiRoutes } from './api-server.js';
import { bearerMatches } from './api-token.js';

/**
 * `/api/silences`: GET lists them (`?all=1` with ended ones); POST makes one and
 * `POST /api/silences/<id>/expire` ends one early. Changing calls need the local API token.
 */
export function silenceRoutes(service: SilenceService, clock: Clock): ApiRoutes {
  return (url) => {
    if (url.pathname !== '/api/silences') return undefined;
    const all = url.searchParams.get('all') === '1';
    return { status: 200, body: { silences: service.list(all).map((s) => presentSilence(s, clock.now())) } };
  };
}

export function silenceActions(service: SilenceService, clock: Clock, token: string): ApiActions {
  return async (request) => {
    const expire = /^\/api\/silences\/([^/]+)\/expire$/.exec(request.url.pathname);
    if (request.url.pathname !== '/api/silences' && !expire) return undefined;
    const refused = authorize(request, token);
    if (refused) return refused;
    const body = parseJsonBody(request);
    if ('error' in body) return body.error;
    if (expire) {
      const by = typeof body.value.by === 'string' ? body.value.by.trim() : '';
      if (by === '')
        return { status: 400, body: { error: 'invalid request', problems: ['by: who expires it is required'] } };
      const id = decodeURIComponent(expire[1]!);
      const outcome = service.expire(id, by);
      if (outcome === 'not_found') return { status: 404, body: { error: `no such silence: ${id}` } };
      if (outcome === 'already_ended') return { status: 409, body: { error: `silence ${id} has already ended` } };
      return { status: 200, body: { expired: id } };
    }
    const text = (name: string) => (typeof body.value[name] === 'string' ? (body.value[name] as string) : undefined);
    const matchers = body.value.matchers;
    try {
      const silence = service.add({
        ...(Array.isArray(matchers) && { matchers: matchers.map(String) }),
        ...optional('author', text('author')),
        ...optional('comment', text('comment')),
        ...optional('duration', text('duration')),
        ...optional('until', text('until')),
        ...optional('startsAt', text('starts_at')),
      });
      return { status: 201, body: { silence: presentSilence(silence, clock.now()) } };
    } catch (error) {
      if (error instanceof SilenceRequestError) {
        return { status: 400, body: { error: 'invalid silence', problems: error.problems } };
      }
      throw error;
    }
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** 401 unless the request carries the local API token. */
export function authorize(request: ApiRequest, token: string): ApiReply | undefined {
  const header = request.headers.authorization;
  if (bearerMatches(typeof header === 'string' ? header : undefined, token)) return undefined;
  return {
    status: 401,
    body: { error: 'this call needs the local API token: Authorization: Bearer <token from <data_dir>/api-token>' },
    headers: { 'www-authenticate': 'Bearer' },
  };
}

export function parseJsonBody(request: ApiRequest): { value: Record<string, unknown> } | { error: ApiReply } {
  try {
    const value: unknown = JSON.parse(request.body === '' ? '{}' : request.body);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return { value: value as Record<string, unknown> };
  } catch {
    return { error: { status: 400, body: { error: 'the body must be a JSON object' } } };
  }
}

export function presentSilence(silence: RuntimeSilence, now: number) {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    id: silence.id,
    status: silenceStatus(silence, now),
    matchers: silence.matchers,
    startsAt: iso(silence.startsAt),
    endsAt: iso(silence.endsAt),
    author: silence.author,
    comment: silence.comment,
    createdAt: iso(silence.createdAt),
    ...(silence.expiredAt !== undefined && { expiredAt: iso(silence.expiredAt), expiredBy: silence.expiredBy }),
  };
}

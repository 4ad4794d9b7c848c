import { DateTime } from 'luxon';
import type { OnCallAnswer, OnCallSchedule } from '../domain/lifecycle/oncall.js';
import {
  OverrideRequestError,
  overrideStatus,
  parseTeamTime,
  type RuntimeOverride,
} from '../domain/lifecycle/oncall-override.js';
import type { Clock } from '../domain/ports.js';
import type { OnCallService } from '../services/oncall.js';
import type { ApiReply, ApiRequest } from './api-server.js';
import { parseJsonBody } from './silence-routes.js';

/**
 * The on-call calls of the lifecycle API (the caller is authenticated before this is reached):
 *
 * - `GET /api/oncall/who?team=T[&at=TIME]`: who is on call, overrides included.
 * - `GET /api/oncall/overrides[?team=T][&all=1]`: run-time overrides still covering or to come
 *   (with `all`, ended and removed ones too).
 * - `POST /api/oncall/overrides` `{team, who, from, to, author, reason?}`: makes one (201).
 * - `POST /api/oncall/overrides/<id>/remove` `{team, by}`: ends one now.
 *
 * Times without an offset are local to the team's zone, as on the command line.
 */
export function oncallApi(service: OnCallService, clock: Clock) {
  return async (request: ApiRequest): Promise<ApiReply | undefined> => {
    const path = request.url.pathname;
    const query = request.url.searchParams;
    if (path === '/api/oncall/who' && request.method === 'GET') {
      const team = query.get('team') ?? '';
      if (team === '') return invalid(['team: which team is required']);
      const zone = service.timezoneOf(team);
      let at = clock.now();
      const atText = query.get('at');
      if (zone !== undefined && atText !== null) {
        const parsed = parseTeamTime(atText, zone);
        if (parsed === undefined)
          return invalid([
            `at: not a date-time: ${JSON.stringify(atText)} (e.g. 2026-12-24T20:00 or 2026-12-24T19:00Z)`,
          ]);
        at = parsed;
      }
      const found = await service.who(team, at);
      if (found.outcome === 'unknown_team') return { status: 404, body: { error: found.message } };
      return { status: 200, body: presentWho(found.schedule, at, found.answer) };
    }
    if (path === '/api/oncall/overrides' && request.method === 'GET') {
      const team = query.get('team') ?? undefined;
      if (team !== undefined && service.timezoneOf(team) === undefined)
        return { status: 404, body: { error: service.unknownTeam(team) } };
      const overrides = await service.list(team, query.get('all') === '1');
      return {
        status: 200,
        body: { overrides: overrides.map((o) => presentOverride(o, clock.now(), service.timezoneOf(o.team))) },
      };
    }
    if (path === '/api/oncall/overrides' && request.method === 'POST') {
      const body = parseJsonBody(request);
      if ('error' in body) return body.error;
      const text = (name: string) => (typeof body.value[name] === 'string' ? (body.value[name] as string) : undefined);
      try {
        const override = await service.add(
          Object.fromEntries(
            ['team', 'who', 'from', 'to', 'author', 'reason']
              .map((name) => [name, text(name)] as const)
              .filter(([, value]) => value !== undefined),
          ),
        );
        return {
          status: 201,
          body: { override: presentOverride(override, clock.now(), service.timezoneOf(override.team)) },
        };
      } catch (error) {
        if (error instanceof OverrideRequestError) return invalid(error.problems, 'invalid override');
        throw error;
      }
    }
    const remove = /^\/api\/oncall\/overrides\/([^/]+)\/remove$/.exec(path);
    if (remove && request.method === 'POST') {
      const body = parseJsonBody(request);
      if ('error' in body) return body.error;
      const id = decodeURIComponent(remove[1]!);
      const team = typeof body.value.team === 'string' ? body.value.team : '';
      const by = typeof body.value.by === 'string' ? body.value.by : '';
      try {
        const outcome = await service.remove(team, id, by);
        if (outcome === 'not_found') return { status: 404, body: { error: `no override ${id} for team ${team}` } };
        if (outcome === 'already_ended') return { status: 409, body: { error: `override ${id} has already ended` } };
        return { status: 200, body: { removed: id } };
      } catch (error) {
        if (error instanceof OverrideRequestError) return invalid(error.problems);
        throw error;
      }
    }
    return undefined;
  };
}

function invalid(problems: readonly string[], error = 'invalid request'): ApiReply {
  return { status: 400, body: { error, problems } };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The answer of `who`, the same JSON as `pflow oncall who --json`. */
export function presentWho(schedule: OnCallSchedule, at: number, answer: OnCallAnswer) {
  return {
    team: schedule.team,
    timezone: schedule.timezone,
    at: iso(at),
    member: answer.member,
    since: iso(answer.since),
    until: iso(answer.until),
    override: answer.override,
  };
}

/** An override as the API answers it; `timezone` is the team's, for showing its times as people read them. */
export function presentOverride(override: RuntimeOverride, now: number, timezone = 'UTC') {
  return {
    id: override.id,
    team: override.team,
    timezone,
    status: overrideStatus(override, now),
    member: override.member,
    from: iso(override.startsAt),
    to: iso(override.endsAt),
    author: override.author,
    ...(override.reason !== undefined && { reason: override.reason }),
    createdAt: iso(override.createdAt),
    ...(override.removedAt !== undefined && { removedAt: iso(override.removedAt), removedBy: override.removedBy }),
  };
}

/** A time as people of the team read it: `2026-12-24 18:00 GMT+1`. */
export function localTime(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');
}

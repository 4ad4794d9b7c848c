import { DateTime } from 'luxon';
import { PflowError } from '../errors.js';
import { whoIsOnCall, type OnCallAnswer, type OnCallOverride, type OnCallSchedule } from './oncall.js';

/**
 * A swap or holiday cover made at run time (`pflow oncall override add`, `POST /api/oncall/overrides`)
 * rather than in the config: it says who made it and why, and can be removed early. Removing keeps
 * the record (it ends when removed), so `who --at` a past instant still answers what happened.
 */
export interface RuntimeOverride {
  readonly id: string;
  readonly team: string;
  /** The schedule member who is on call instead of the rotation's. */
  readonly member: string;
  /** Epoch ms, [startsAt, endsAt). */
  readonly startsAt: number;
  readonly endsAt: number;
  readonly author: string;
  readonly reason?: string;
  readonly createdAt: number;
  readonly removedAt?: number;
  readonly removedBy?: string;
}

/**
 * A team's schedule as the lifecycle store keeps it: the config's, copied in ("seeded") when it
 * changed, so the table holds what is in force for tools that read it; answers use the config's.
 */
export interface StoredSchedule {
  readonly schedule: OnCallSchedule;
  readonly seededAt: number;
}

/** Everything the store holds for one team: one read answers `who`. */
export interface TeamOnCall {
  readonly schedule?: StoredSchedule;
  readonly overrides: readonly RuntimeOverride[];
}

type Async<T> = T | Promise<T>;

/**
 * Where on-call schedules (seeded from the config) and run-time overrides live: pflow.db locally
 * (synchronous), the lifecycle table in AWS (a promise).
 */
export interface OnCallStore {
  /** Writes each schedule that differs from the stored one (canonicalSchedule); how many were written. */
  seedSchedules(schedules: readonly OnCallSchedule[], now: number): Async<number>;
  /** The team's stored schedule and every override (removed ones included). */
  teamOnCall(team: string): Async<TeamOnCall>;
  /** Refuses (throws) an id already taken rather than overwrite someone else's override. */
  addOverride(override: RuntimeOverride): Async<void>;
  /** Ends an override now; false when there is none with this id for the team, or it had already ended. */
  removeOverride(team: string, id: string, by: string, now: number): Async<boolean>;
}

/** What a person gives to make an override. Times are local to the team's zone unless they carry an offset. */
export interface OverrideRequest {
  readonly team?: string;
  readonly who?: string;
  readonly from?: string;
  readonly to?: string;
  readonly author?: string;
  readonly reason?: string;
}

export class OverrideRequestError extends PflowError {
  constructor(readonly problems: readonly string[]) {
    super('invalid_override', problems.join('; '));
  }
}

/** The longest run-time override: a long holiday; a permanent change belongs in the config's rotation. */
export const MAX_OVERRIDE_MS = 92 * 86_400_000;
const TEXT_MAX = 500;
/** A date-time local to the team (2026-12-24T18:00) or an instant with an offset (…Z, …+01:00). */
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Reads a time the way `who --at` and the config's overrides do: local to `zone` unless it carries
 * an offset. A local time that does not exist (the hour a spring-forward skips) moves forward by the
 * gap, as luxon resolves it; one that exists twice (fall-back) is the first.
 */
export function parseTeamTime(text: string, zone: string): number | undefined {
  if (!TIME.test(text)) return undefined;
  const parsed = DateTime.fromISO(text, { zone });
  return parsed.isValid ? parsed.toMillis() : undefined;
}

/**
 * Checks an override request against the team's schedule and builds the override, or throws
 * OverrideRequestError naming every bad field: a known team, a member of its rotation (their email
 * and Slack id are what channels reach), valid `from` and `to` with `to` after `from` and after now,
 * at most 92 days, an author; the reason is optional.
 */
export function buildOverride(
  request: OverrideRequest,
  schedules: readonly OnCallSchedule[],
  id: string,
  now: number,
): RuntimeOverride {
  const problems: string[] = [];
  const team = request.team?.trim() ?? '';
  const schedule = schedules.find((candidate) => candidate.team === team);
  if (team === '') problems.push('team: which team is required');
  else if (schedule === undefined)
    problems.push(
      `team: no on-call schedule for ${JSON.stringify(team)} (teams: ${schedules.map((s) => s.team).join(', ') || 'none'})`,
    );
  const who = request.who?.trim() ?? '';
  if (who === '') problems.push('who: the member on call instead is required');
  else if (schedule !== undefined && !schedule.members.some((member) => member.name === who))
    problems.push(
      `who: no member ${JSON.stringify(who)} in ${schedule.team}'s schedule (members: ${schedule.members.map((m) => m.name).join(', ')})`,
    );
  const author = request.author?.trim() ?? '';
  if (author === '') problems.push('author: who makes the override is required');
  else if (author.length > TEXT_MAX) problems.push(`author: at most ${TEXT_MAX} characters`);
  const reason = request.reason?.trim() ?? '';
  if (reason.length > TEXT_MAX) problems.push(`reason: at most ${TEXT_MAX} characters`);

  const zone = schedule?.timezone ?? 'UTC';
  const time = (field: 'from' | 'to', text: string | undefined): number | undefined => {
    if (text === undefined || text.trim() === '') {
      problems.push(
        `${field}: a date-time is required, e.g. 2026-12-24T18:00 (local to the team) or 2026-12-24T17:00Z`,
      );
      return undefined;
    }
    const parsed = parseTeamTime(text.trim(), zone);
    if (parsed === undefined)
      problems.push(
        `${field}: not a date-time: ${JSON.stringify(text)} (e.g. 2026-12-24T18:00, local to the team, or 2026-12-24T17:00Z)`,
      );
    return parsed;
  };
  const startsAt = time('from', request.from);
  const endsAt = time('to', request.to);
  if (startsAt !== undefined && endsAt !== undefined) {
    if (endsAt <= startsAt) problems.push('to: must be after from');
    else if (endsAt <= now) problems.push('to: the end is already past');
    else if (endsAt - startsAt > MAX_OVERRIDE_MS)
      problems.push('to: an override lasts at most 92 days (change the rotation in the config instead)');
  }
  if (problems.length > 0 || startsAt === undefined || endsAt === undefined || schedule === undefined)
    throw new OverrideRequestError(problems);
  return {
    id,
    team: schedule.team,
    member: who,
    startsAt,
    endsAt,
    author,
    ...(reason !== '' && { reason }),
    createdAt: now,
  };
}

/** When the override stops covering: its end, or when it was removed if that came first. */
export function overrideEnd(override: RuntimeOverride): number {
  return override.removedAt === undefined ? override.endsAt : Math.min(override.endsAt, override.removedAt);
}

/** `active` (covering now), `pending` (starts later) or `ended` (ended or removed). */
export function overrideStatus(override: RuntimeOverride, now: number): 'active' | 'pending' | 'ended' {
  const end = overrideEnd(override);
  if (override.startsAt <= now && now < end) return 'active';
  return now < override.startsAt && now < end ? 'pending' : 'ended';
}

/**
 * The schedule to answer from: the config's, with the run-time overrides after the config's own.
 * The config is the source of a schedule (it is deployed with the code that reads it); the store's
 * seeded copy can only be the same or older, so it is never preferred. `whoIsOnCall` lets the
 * latest-listed covering override win, so run-time overrides beat the config's and, among them,
 * the one made last wins: a swap made today replaces last week's plan. A removed override covers
 * only until it was removed.
 */
export function effectiveSchedule(config: OnCallSchedule, stored: TeamOnCall): OnCallSchedule {
  const runtime: OnCallOverride[] = [...stored.overrides]
    .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
    .map((override) => ({ startsAt: override.startsAt, endsAt: overrideEnd(override), member: override.member }))
    .filter((override) => override.startsAt < override.endsAt);
  return { ...config, overrides: [...config.overrides, ...runtime] };
}

/** Who is on call for the team at `at`, with the store's schedule and overrides. */
export function whoIsOnCallWith(config: OnCallSchedule, stored: TeamOnCall, at: number): OnCallAnswer {
  return whoIsOnCall(effectiveSchedule(config, stored), at);
}

/**
 * A schedule as canonical text (keys sorted at every level): what the stores keep, and how a
 * seeder tells that the config's schedule differs from the stored one, so it writes only then.
 */
export function canonicalSchedule(schedule: OnCallSchedule): string {
  return JSON.stringify(sortKeys(schedule));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

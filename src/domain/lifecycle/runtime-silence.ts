import { parseDuration } from '../duration.js';
import { PflowError } from '../errors.js';
import { parseMatcher, type LabelMatcher } from '../labels.js';
import type { Silence } from '../silences.js';

/**
 * A silence made at run time (`pflow silence add`, `POST /api/silences`) rather than in the config:
 * it says who made it and why, and can be expired early. Its matchers are kept as the text the
 * author typed, so a stored silence reads back exactly as it was given.
 */
export interface RuntimeSilence {
  readonly id: string;
  readonly matchers: readonly string[];
  /** Epoch ms. */
  readonly startsAt: number;
  readonly endsAt: number;
  readonly author: string;
  readonly comment: string;
  readonly createdAt: number;
  /** Set when expired early: when and by whom. */
  readonly expiredAt?: number;
  readonly expiredBy?: string;
}

/** What a person gives to make a silence; exactly one of `duration` and `until`. */
export interface SilenceRequest {
  readonly matchers?: readonly string[];
  readonly author?: string;
  readonly comment?: string;
  /** A duration such as `2h`, counted from `startsAt` (default now). */
  readonly duration?: string;
  /** ISO 8601 end. */
  readonly until?: string;
  /** ISO 8601 start; default now. */
  readonly startsAt?: string;
}

export class SilenceRequestError extends PflowError {
  constructor(readonly problems: readonly string[]) {
    super('invalid_silence', problems.join('; '));
  }
}

/** The longest a run-time silence may last: longer ones belong in the config, reviewed. */
export const MAX_SILENCE_MS = 31 * 86_400_000;
const TEXT_MAX = 500;

/**
 * Checks a silence request and builds the silence, or throws SilenceRequestError naming every bad
 * field: at least one matcher, an author and a comment, an end after the start and after now,
 * and at most 31 days long.
 */
export function buildRuntimeSilence(request: SilenceRequest, id: string, now: number): RuntimeSilence {
  const problems: string[] = [];
  const matchers = request.matchers ?? [];
  if (matchers.length === 0) problems.push('matchers: at least one is needed, e.g. probe="pfsw-login"');
  matchers.forEach((text, index) => {
    try {
      parseMatcher(text);
    } catch (error) {
      problems.push(`matchers[${index}]: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const author = request.author?.trim() ?? '';
  const comment = request.comment?.trim() ?? '';
  if (author === '') problems.push('author: who is silencing is required');
  else if (author.length > TEXT_MAX) problems.push(`author: at most ${TEXT_MAX} characters`);
  if (comment === '') problems.push('comment: why is required');
  else if (comment.length > TEXT_MAX) problems.push(`comment: at most ${TEXT_MAX} characters`);

  let startsAt = now;
  if (request.startsAt !== undefined) {
    const parsed = Date.parse(request.startsAt);
    if (Number.isNaN(parsed)) problems.push(`starts_at: not an ISO 8601 time: ${JSON.stringify(request.startsAt)}`);
    else startsAt = parsed;
  }
  let endsAt: number | undefined;
  if ((request.duration === undefined) === (request.until === undefined)) {
    problems.push('duration/until: give exactly one, e.g. duration "2h" or until "2026-12-02T06:00:00Z"');
  } else if (request.duration !== undefined) {
    try {
      const ms = parseDuration(request.duration);
      if (ms <= 0) problems.push('duration: must be more than 0s');
      else endsAt = startsAt + ms;
    } catch (error) {
      problems.push(`duration: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else if (request.until !== undefined) {
    const parsed = Date.parse(request.until);
    if (Number.isNaN(parsed)) problems.push(`until: not an ISO 8601 time: ${JSON.stringify(request.until)}`);
    else endsAt = parsed;
  }
  if (endsAt !== undefined) {
    if (endsAt <= now) problems.push('until: the end is already past');
    else if (endsAt <= startsAt) problems.push('until: must be after starts_at');
    else if (endsAt - startsAt > MAX_SILENCE_MS)
      problems.push('duration: at most 31 days (put longer ones in the config)');
  }
  if (problems.length > 0 || endsAt === undefined) throw new SilenceRequestError(problems);
  return { id, matchers: [...matchers], startsAt, endsAt, author, comment, createdAt: now };
}

/** The silence as the evaluator matches it; an expired one ends when it was expired. */
export function toSilence(silence: RuntimeSilence): Silence {
  const matchers: LabelMatcher[] = silence.matchers.map((text) => parseMatcher(text));
  return {
    id: silence.id,
    matchers,
    startsAt: silence.startsAt,
    endsAt: silence.expiredAt === undefined ? silence.endsAt : Math.min(silence.endsAt, silence.expiredAt),
    comment: `${silence.comment} (${silence.author})`,
  };
}

/** Whether a run-time silence holds notifications at `now` (started, not ended, not expired). */
export function silenceActive(silence: RuntimeSilence, now: number): boolean {
  const ends = silence.expiredAt === undefined ? silence.endsAt : Math.min(silence.endsAt, silence.expiredAt);
  return silence.startsAt <= now && now < ends;
}

/** `active`, `pending` (starts later) or `expired` (ended or expired early). */
export function silenceStatus(silence: RuntimeSilence, now: number): 'active' | 'pending' | 'expired' {
  if (silenceActive(silence, now)) return 'active';
  const ends = silence.expiredAt === undefined ? silence.endsAt : Math.min(silence.endsAt, silence.expiredAt);
  return now < silence.startsAt && now < ends ? 'pending' : 'expired';
}

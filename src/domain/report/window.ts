import { DateTime } from 'luxon';

/**
 * The stretch of time a daily report covers, in the site's time zone: the local day (23, 24 or
 * 25 hours long across a DST change) and the seven local days that end with it.
 */
export interface ReportWindow {
  /** `YYYY-MM-DD`, the local date. */
  readonly day: string;
  readonly timezone: string;
  /** Epoch ms of local midnight that starts the day (inclusive). */
  readonly dayStart: number;
  /** Epoch ms of the next local midnight (exclusive). */
  readonly dayEnd: number;
  /** Local midnight six days before dayStart: the week is the seven local days ending with the day. */
  readonly weekStart: number;
  /** 23, 24 or 25. */
  readonly hours: number;
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export class ReportWindowError extends Error {
  override readonly name = 'ReportWindowError';
}

/** The window of local day `day` (YYYY-MM-DD) in `timezone`; throws naming the bad value. */
export function reportWindow(day: string, timezone: string): ReportWindow {
  if (!DAY_PATTERN.test(day))
    throw new ReportWindowError(`day: must be a date as YYYY-MM-DD, got ${JSON.stringify(day)}`);
  const start = DateTime.fromISO(day, { zone: timezone }).startOf('day');
  if (!start.isValid) {
    throw new ReportWindowError(
      start.invalidReason === 'unsupported zone'
        ? `timezone: ${JSON.stringify(timezone)} is not an IANA time zone`
        : `day: ${JSON.stringify(day)} is not a calendar date`,
    );
  }
  const end = start.plus({ days: 1 });
  const dayStart = start.toMillis();
  const dayEnd = end.toMillis();
  return {
    day,
    timezone,
    dayStart,
    dayEnd,
    weekStart: start.minus({ days: 6 }).toMillis(),
    hours: Math.round((dayEnd - dayStart) / 3_600_000),
  };
}

/** The local date (YYYY-MM-DD) before the one `now` falls on in `timezone`: what a morning report covers. */
export function previousLocalDay(now: number, timezone: string): string {
  return DateTime.fromMillis(now, { zone: timezone }).minus({ days: 1 }).toISODate()!;
}

/** The local date `now` falls on in `timezone`. */
export function localDay(now: number, timezone: string): string {
  return DateTime.fromMillis(now, { zone: timezone }).toISODate()!;
}

/**
 * The next instant after `after` at which the local wall clock in `timezone` reads `at` (HH:mm).
 * On a spring-forward day a time inside the gap (02:30 where 02:00 jumps to 03:00) happens at the
 * first valid instant after it; on a fall-back day a time that happens twice is taken once, the
 * first time — luxon's rules, which is what a person setting an alarm clock expects.
 */
export function nextLocalTime(after: number, timezone: string, at: string): number {
  const [hour, minute] = at.split(':').map(Number) as [number, number];
  let date = DateTime.fromMillis(after, { zone: timezone }).startOf('day');
  for (let i = 0; i < 3; i++) {
    const candidate = date.set({ hour, minute, second: 0, millisecond: 0 }).toMillis();
    if (candidate > after) return candidate;
    date = date.plus({ days: 1 });
  }
  throw new Error(`no ${at} in ${timezone} after ${new Date(after).toISOString()}`);
}

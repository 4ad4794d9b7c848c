import { DateTime } from 'luxon';
import type { Availability, DailyDigest, ReportAlert } from './digest.js';

/** How the renders write figures: the same words in the email, Slack, Teams and the terminal. */

/** Availability cut, never rounded, to two decimals: 99.999 % reads 99.99 %, never a false 100 %. */
export function percent(ratio: number | null): string {
  if (ratio === null) return 'no data';
  if (ratio >= 1) return '100%';
  return `${(Math.floor(ratio * 10_000) / 100).toFixed(2)}%`;
}

export function availabilityText(a: Availability): string {
  if (a.ratio === null) return 'no data';
  return a.failed === 0 ? percent(a.ratio) : `${percent(a.ratio)} (${a.failed} of ${a.results} failed)`;
}

/** `45 s`, `12 min`, `2 h 05 min`, `3 d 4 h`. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${String(min % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** Local wall-clock time `HH:mm` in the site's zone. */
export function localTime(time: string | number, zone: string): string {
  const t = typeof time === 'number' ? time : Date.parse(time);
  return DateTime.fromMillis(t, { zone }).toFormat('HH:mm');
}

/** Local `yyyy-MM-dd HH:mm`. */
export function localDateTime(time: string | number, zone: string): string {
  const t = typeof time === 'number' ? time : Date.parse(time);
  return DateTime.fromMillis(t, { zone }).toFormat('yyyy-LL-dd HH:mm');
}

export function localDate(time: string, zone: string): string {
  return DateTime.fromMillis(Date.parse(time), { zone }).toFormat('yyyy-LL-dd');
}

/** `Sunday 29 March 2026`. */
export function longDay(digest: DailyDigest): string {
  return DateTime.fromISO(digest.day, { zone: digest.site.timezone }).setLocale('en-GB').toFormat('cccc d LLLL yyyy');
}

export function title(digest: DailyDigest): string {
  return `Daily report: ${digest.site.name}, ${longDay(digest)}`;
}

/** "times in Europe/Berlin; this day had 23 hours" — said only when the day is not 24 h long. */
export function zoneNote(digest: DailyDigest): string {
  const hours = digest.window.hours === 24 ? '' : `; this day had ${digest.window.hours} hours (clock change)`;
  return `times in ${digest.site.timezone}${hours}`;
}

/** Start–end local times and the duration of an alert; "still firing" when it had not ended. */
export function alertSpan(alert: ReportAlert, zone: string): string {
  const end = alert.endsAt === null ? 'still firing' : localTime(alert.endsAt, zone);
  return `${localTime(alert.startsAt, zone)}–${end} (${duration(alert.durationMs)}${alert.endsAt === null ? ' so far' : ''})`;
}

export function alertLabels(alert: ReportAlert): string {
  const shown = Object.entries(alert.labels)
    .filter(([name]) => name !== 'site')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`);
  return shown.join(', ');
}

export function ackText(alert: ReportAlert, zone: string): string {
  if (alert.acknowledgedBy === null) return 'not acknowledged';
  return alert.acknowledgedAt === null
    ? alert.acknowledgedBy
    : `${alert.acknowledgedBy} at ${localTime(alert.acknowledgedAt, zone)}`;
}

export function certText(daysLeft: number): string {
  if (daysLeft < 0) return `expired ${-daysLeft} day${daysLeft === -1 ? '' : 's'} ago`;
  return `${daysLeft} day${daysLeft === 1 ? '' : 's'} left`;
}

/** One line for the agents section; "no agents" when none reported during the week. */
export function agentsHeadline(digest: DailyDigest): string {
  const { known, silent } = digest.agents;
  if (known === 0) return 'No agents reported to this site.';
  if (silent.length === 0) return `All ${known} agent${known === 1 ? '' : 's'} reported throughout the day.`;
  return `${silent.length} of ${known} agent${known === 1 ? '' : 's'} went silent.`;
}

/** Hour points with the lowest availability first: the chart's text equivalent. */
export function worstHours(digest: DailyDigest, count: number): string {
  const points = digest.hourly
    .filter((p) => p.availability !== null && p.availability < 1)
    .sort((a, b) => a.availability! - b.availability! || a.t - b.t)
    .slice(0, count);
  if (points.length === 0) return digest.hourly.some((p) => p.availability !== null) ? 'no failed hour' : 'no results';
  return points.map((p) => `${localTime(p.t, digest.site.timezone)} ${percent(p.availability)}`).join(', ');
}

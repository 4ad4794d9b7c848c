import { DateTime } from 'luxon';
import { matchesAll, type LabelMatcher, type Labels } from './labels.js';

/** A one-off silence: notifications for matching alerts are held between two instants. */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly LabelMatcher[];
  /** Epoch ms. */
  readonly startsAt: number;
  readonly endsAt: number;
  readonly comment?: string;
}

/** A weekly recurring slot in a time zone, e.g. Saturdays 22:00 to 02:00 Europe/Amsterdam. */
export interface WeeklySlot {
  /** ISO weekdays, 1 = Monday … 7 = Sunday, on which the slot starts. */
  readonly weekdays: readonly number[];
  /** Minutes after local midnight. */
  readonly startMinute: number;
  /** Length in ms; may cross midnight. */
  readonly durationMs: number;
}

/** A maintenance window: recurring slots and/or fixed ranges, in a time zone, matched by labels. */
export interface MaintenanceWindow {
  readonly id: string;
  readonly matchers: readonly LabelMatcher[];
  readonly timezone: string;
  readonly weekly: readonly WeeklySlot[];
  /** Fixed ranges, epoch ms. */
  readonly ranges: readonly { readonly startsAt: number; readonly endsAt: number }[];
  readonly comment?: string;
}

const DAY_MS = 86_400_000;

/**
 * Whether notifications for an alert with these labels are held at `now`: by a silence whose time
 * range contains now, or a maintenance window (a fixed range, or a weekly slot placed in the
 * window's time zone). Mutes hold notifications only; alert state keeps being evaluated.
 */
export function isMuted(
  labels: Labels,
  now: number,
  silences: readonly Silence[],
  maintenanceWindows: readonly MaintenanceWindow[],
): boolean {
  for (const silence of silences) {
    if (silence.startsAt <= now && now < silence.endsAt && matchesAll(silence.matchers, labels)) return true;
  }
  for (const window of maintenanceWindows) {
    if (maintenanceActive(window, now) && matchesAll(window.matchers, labels)) return true;
  }
  return false;
}

/** Whether a maintenance window is open at `now`, whatever it matches. */
export function maintenanceActive(window: MaintenanceWindow, now: number): boolean {
  for (const range of window.ranges) {
    if (range.startsAt <= now && now < range.endsAt) return true;
  }
  for (const slot of window.weekly) {
    if (weeklySlotActive(slot, window.timezone, now)) return true;
  }
  return false;
}

/**
 * A slot starts at `startMinute` local time on each of its weekdays, in the zone, and lasts
 * `durationMs` of real elapsed time: on a DST night a four-hour slot from 22:00 still lasts four
 * hours and ends at 01:00 or 03:00 local. A start time that does not
 * exist (inside the spring-forward gap) moves forward by the gap, as luxon resolves it. Slots that
 * started on earlier days are checked too, so one crossing midnight still matches after midnight.
 * luxon does the zone arithmetic because Intl alone cannot turn a local time into an instant.
 */
export function weeklySlotActive(slot: WeeklySlot, timezone: string, now: number): boolean {
  const local = DateTime.fromMillis(now, { zone: timezone });
  if (!local.isValid) return false;
  const daysBack = Math.ceil(slot.durationMs / DAY_MS) + 1;
  for (let back = 0; back <= daysBack; back++) {
    const day = local.minus({ days: back });
    if (!slot.weekdays.includes(day.weekday)) continue;
    const start = DateTime.fromObject(
      {
        year: day.year,
        month: day.month,
        day: day.day,
        hour: Math.floor(slot.startMinute / 60),
        minute: slot.startMinute % 60,
      },
      { zone: timezone },
    ).toMillis();
    if (start <= now && now < start + slot.durationMs) return true;
  }
  return false;
}

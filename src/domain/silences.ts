import type { LabelMatcher } from './labels.js';

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

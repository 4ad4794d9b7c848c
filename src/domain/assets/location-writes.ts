import type { AssetSettings, ZoneKind } from './registry.js';
import type { TagState } from './tracker.js';

/**
 * When a tag's stored current location (the DynamoDB item in AWS) must be written again. Most
 * events of a tag say "still here": rewriting the item for each of them is what made the tag
 * location table the costliest line of an assets deployment (one put per tag per agent push). The
 * answers read from the item only need:
 *
 * - the zone and since-when (and the zone before it, for flicker): written on every change;
 * - the floor and a pressed button: written on every change;
 * - the battery: written when it crosses `lowBatteryBelow` or moves to another band of
 *   BATTERY_BAND percent, so the low-battery answer is exact and the charged shown lags by less
 *   than a band;
 * - `lastSeen`: written once it is `lastSeenRefreshMs` newer than the stored one. The stored value
 *   then lags the truth by less than that, so "last seen N s ago" reads at most that much older,
 *   never younger — and the refresh is a quarter of the threshold it is judged against, so a tag
 *   still reporting never looks missing (nor, in an exit zone, gone).
 *
 * Pure: the adapter decides with it, the cost model counts with the same numbers.
 */

/** The longest a stored `lastSeen` may lag its tag's newest event. */
export const LAST_SEEN_REFRESH_MAX_MS = 5 * 60_000;
/** Battery readings within one band of this many percent are one reading to the store. */
export const BATTERY_BAND = 5;

export type WriteSettings = Pick<AssetSettings, 'missingAfterMs' | 'exitGraceMs' | 'lowBatteryBelow'>;

/**
 * How far the stored `lastSeen` may lag for a tag in a zone of `kind`: a quarter of the silence
 * that makes it missing (or, in an exit zone, gone), at most LAST_SEEN_REFRESH_MAX_MS.
 */
export function lastSeenRefreshMs(settings: WriteSettings, kind: ZoneKind | undefined): number {
  const judgedAfter = kind === 'exit' ? settings.exitGraceMs : settings.missingAfterMs;
  return Math.max(1, Math.min(LAST_SEEN_REFRESH_MAX_MS, Math.floor(judgedAfter / 4)));
}

/**
 * Whether `next` (the tracker's state after a batch) must replace `stored` (undefined: no item yet)
 * for the answers to stay right. `zoneKind` is the kind of `next.zone`.
 */
export function needsWrite(
  stored: TagState | undefined,
  next: TagState,
  settings: WriteSettings,
  zoneKind: ZoneKind | undefined,
): boolean {
  if (stored === undefined) return true;
  if (
    next.zone !== stored.zone ||
    next.since !== stored.since ||
    next.previousZone !== stored.previousZone ||
    next.previousSince !== stored.previousSince ||
    next.floor !== stored.floor ||
    next.button !== stored.button ||
    next.buttonAt !== stored.buttonAt
  ) {
    return true;
  }
  if (batteryReading(next.battery, settings) !== batteryReading(stored.battery, settings)) return true;
  return next.lastSeen - stored.lastSeen >= lastSeenRefreshMs(settings, zoneKind);
}

/** What the store needs to know of a battery level: its band, and whether it is low. */
function batteryReading(battery: number | undefined, settings: WriteSettings): string {
  if (battery === undefined) return '';
  return `${Math.floor(battery / BATTERY_BAND)}/${battery < settings.lowBatteryBelow}`;
}

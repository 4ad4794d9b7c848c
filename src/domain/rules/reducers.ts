import type { Threshold } from '../alerts/event.js';
import type { SeriesPoint } from '../records.js';
import type { Reducer } from './types.js';

/**
 * Reduces the points of one series that fall in the window `now - windowMs < t <= now` to one
 * number. Returns `undefined` when there is no data: no point in the window, or fewer than two
 * for `delta` and `rate`. A NaN or infinite result is returned as is; the caller treats it as an
 * evaluation error. Points are expected oldest first, as SeriesWindow promises.
 *
 * - `delta`: last − first, for gauges (no counter-reset handling, as PromQL `delta`).
 * - `rate`: per-second increase between the first and last point, for counters: a drop is read as a
 *   counter reset and the value after it counts as increase (as PromQL `rate`, without its
 *   extrapolation to the window edges).
 */
export function reduceWindow(
  reducer: Reducer,
  points: readonly SeriesPoint[],
  now: number,
  windowMs: number,
): number | undefined {
  const times = new Float64Array(points.length);
  const values = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    times[i] = points[i]!.t;
    values[i] = points[i]!.v;
  }
  return reducePacked(reducer, times, values, 0, points.length, now, windowMs);
}

/**
 * reduceWindow over points packed into parallel arrays (`start` inclusive, `end` exclusive): rule
 * evaluation packs every window once per cycle, because reading ten scattered point objects for
 * each of several hundred thousand rule × series pairs is bound by memory, not arithmetic.
 */
export function reducePacked(
  reducer: Reducer,
  times: Float64Array,
  values: Float64Array,
  start: number,
  end: number,
  now: number,
  windowMs: number,
): number | undefined {
  const from = now - windowMs;
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let first = 0;
  let firstT = 0;
  let last = 0;
  let lastT = 0;
  let increase = 0;
  for (let i = start; i < end; i++) {
    const t = times[i]!;
    if (t <= from || t > now) continue;
    const value = values[i]!;
    if (count === 0) {
      first = value;
      firstT = t;
    } else {
      increase += value >= last ? value - last : value;
    }
    last = value;
    lastT = t;
    count++;
    sum += value;
    // Written out so a NaN sample poisons min/max too instead of being skipped by `<`.
    min = value < min || Number.isNaN(value) ? value : min;
    max = value > max || Number.isNaN(value) ? value : max;
  }
  if (count === 0) return undefined;
  switch (reducer) {
    case 'last':
      return last;
    case 'avg':
      return sum / count;
    case 'min':
      return min;
    case 'max':
      return max;
    case 'sum':
      return sum;
    case 'count':
      return count;
    case 'delta':
      return count < 2 ? undefined : last - first;
    case 'rate':
      return count < 2 ? undefined : increase / ((lastT - firstT) / 1000);
  }
}

/** Whether a reduced value meets the rule's threshold (the alert condition holds). */
export function conditionHolds(threshold: Threshold, value: number): boolean {
  switch (threshold.op) {
    case '>':
      return value > threshold.value;
    case '>=':
      return value >= threshold.value;
    case '<':
      return value < threshold.value;
    case '<=':
      return value <= threshold.value;
    case '==':
      return value === threshold.value;
    case '!=':
      return value !== threshold.value;
    case 'inside_range':
      return value >= threshold.min && value <= threshold.max;
    case 'outside_range':
      return value < threshold.min || value > threshold.max;
  }
}

import type { Threshold } from '../alerts/event.js';
import type { SeriesPoint } from '../records.js';
import type { Reducer } from './types.js';

/**
 * Reduces the points of one series that fall in the window `now - windowMs <= t <= now` (both
 * edges included, as Prometheus 2.x range selectors) to one number. Returns `undefined` when there
 * is no data: no point in the window, or fewer than two for `delta`, `increase` and `rate`. A NaN
 * or infinite result is returned as is; the caller treats it as an evaluation error. Points are
 * expected oldest first, as SeriesWindow promises.
 *
 * `delta`, `increase` and `rate` are PromQL's, with its extrapolation to the window's edges (see
 * extrapolatedRate): a threshold copied from a Prometheus rule means the same here.
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
  for (let i = start; i < end; i++) {
    const t = times[i]!;
    if (t < from || t > now) continue;
    const value = values[i]!;
    if (count === 0) {
      first = value;
      firstT = t;
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
    case 'increase':
    case 'rate': {
      if (count < 2) return undefined;
      const counter = reducer !== 'delta';
      let change = last - first;
      if (counter) {
        // A counter that went down was reset: the value before the reset counts as increase. Added
        // one by one, in Prometheus' order, so that the floating-point sum is the same as its.
        let previous = first;
        for (let i = start; i < end; i++) {
          const t = times[i]!;
          if (t < from || t > now) continue;
          if (values[i]! < previous) change += previous;
          previous = values[i]!;
        }
      }
      const extrapolated = extrapolatedRate(counter, change, first, firstT, lastT, count, from, now);
      return reducer === 'rate' ? extrapolated / (windowMs / 1000) : extrapolated;
    }
  }
}

/**
 * PromQL's extrapolation of a change seen between the first and last sample of a window to the
 * window's edges, as Prometheus 2.42 (the Debian package users compare with) computes it for
 * `delta`, `increase` and `rate`:
 *
 * - the change is stretched to an edge when the first (last) sample lies within 1.1 × the average
 *   sample interval of it, and otherwise by half an average interval only (the series started or
 *   ended inside the window);
 * - a counter is not extrapolated below zero: when it would reach zero after the window's start,
 *   it is stretched back to that zero point only.
 *
 * Times are epoch ms; the arithmetic is in seconds, in Prometheus' order of operations, so results
 * agree to the last bit with the values in its own test data.
 */
function extrapolatedRate(
  counter: boolean,
  change: number,
  first: number,
  firstT: number,
  lastT: number,
  count: number,
  rangeStart: number,
  rangeEnd: number,
): number {
  let durationToStart = (firstT - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageInterval = sampledInterval / (count - 1);
  if (counter && change > 0 && first >= 0) {
    const durationToZero = sampledInterval * (first / change);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageInterval * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : averageInterval / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : averageInterval / 2;
  return change * (extrapolateTo / sampledInterval);
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

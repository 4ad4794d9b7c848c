import { describe, expect, it } from 'vitest';
import type { Threshold } from '../../../src/domain/alerts/event.js';
import type { SeriesPoint } from '../../../src/domain/records.js';
import { conditionHolds, reduceWindow, type Reducer } from '../../../src/domain/rules/index.js';

const NOW = 1_000_000;
const WINDOW = 60_000;
/** Oldest first; the first point sits exactly on the window's start, which is included (as in Prometheus 2.x). */
const POINTS: SeriesPoint[] = [
  { t: NOW - 60_001, v: -50 },
  { t: NOW - 60_000, v: 100 },
  { t: NOW - 50_000, v: 4 },
  { t: NOW - 30_000, v: 10 },
  { t: NOW - 10_000, v: 1 },
  { t: NOW, v: 7 },
  { t: NOW + 1, v: 1000 },
];

describe('reduceWindow', () => {
  it.each<[Reducer, number]>([
    ['last', 7],
    ['avg', (100 + 4 + 10 + 1 + 7) / 5],
    ['min', 1],
    ['max', 100],
    ['sum', 122],
    ['count', 5],
    // The samples span the whole window: nothing to extrapolate.
    ['delta', 7 - 100],
    // 100→4 and 10→1 are counter resets: 7 − 100 + 100 + 10.
    ['increase', 17],
    ['rate', 17 / 60],
  ])('%s over the points with now - window <= t <= now', (reducer, expected) => {
    expect(reduceWindow(reducer, POINTS, NOW, WINDOW)).toBeCloseTo(expected, 10);
  });

  it.each<Reducer>(['last', 'avg', 'min', 'max', 'sum', 'count', 'delta', 'increase', 'rate'])(
    '%s has no data when no point is in the window',
    (reducer) => {
      expect(reduceWindow(reducer, [{ t: NOW - WINDOW - 1, v: 1 }], NOW, WINDOW)).toBeUndefined();
      expect(reduceWindow(reducer, [], NOW, WINDOW)).toBeUndefined();
    },
  );

  it.each<[Reducer, number | undefined]>([
    ['delta', undefined],
    ['increase', undefined],
    ['rate', undefined],
    ['last', 5],
    ['count', 1],
  ])('%s with a single point gives %s', (reducer, expected) => {
    expect(reduceWindow(reducer, [{ t: NOW, v: 5 }], NOW, WINDOW)).toBe(expected);
  });

  it.each<Reducer>(['avg', 'min', 'max', 'sum', 'last'])(
    '%s lets a NaN sample through for the error policy',
    (reducer) => {
      const points = [
        { t: NOW - 1000, v: Number.NaN },
        { t: NOW, v: Number.NaN },
      ];
      expect(reduceWindow(reducer, points, NOW, WINDOW)).toBeNaN();
    },
  );

  it('rate over two points at the same instant is not finite', () => {
    const points = [
      { t: NOW, v: 1 },
      { t: NOW, v: 2 },
    ];
    expect(Number.isFinite(reduceWindow('rate', points, NOW, WINDOW))).toBe(false);
  });
});

describe('conditionHolds', () => {
  const cases: [Threshold, number, boolean][] = [
    [{ op: '>', value: 5 }, 6, true],
    [{ op: '>', value: 5 }, 5, false],
    [{ op: '>=', value: 5 }, 5, true],
    [{ op: '>=', value: 5 }, 4.9, false],
    [{ op: '<', value: 1 }, 0, true],
    [{ op: '<', value: 1 }, 1, false],
    [{ op: '<=', value: 1 }, 1, true],
    [{ op: '<=', value: 1 }, 1.1, false],
    [{ op: '==', value: 0 }, 0, true],
    [{ op: '==', value: 0 }, 1, false],
    [{ op: '!=', value: 200 }, 503, true],
    [{ op: '!=', value: 200 }, 200, false],
    [{ op: 'inside_range', min: 1, max: 3 }, 1, true],
    [{ op: 'inside_range', min: 1, max: 3 }, 3, true],
    [{ op: 'inside_range', min: 1, max: 3 }, 3.5, false],
    [{ op: 'outside_range', min: 1, max: 3 }, 0.5, true],
    [{ op: 'outside_range', min: 1, max: 3 }, 4, true],
    [{ op: 'outside_range', min: 1, max: 3 }, 2, false],
    [{ op: 'outside_range', min: 1, max: 3 }, 3, false],
  ];
  it.each(cases)('%o with %d holds: %s', (threshold, value, expected) => {
    expect(conditionHolds(threshold, value)).toBe(expected);
  });
});

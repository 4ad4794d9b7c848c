import { describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../../../src/domain/records.js';
import { reduceWindow, type Reducer } from '../../../src/domain/rules/index.js';

const S = 1_000;
const M = 60_000;

/** Points at 0, step, 2·step, … as a PromQL test file's `load <step>` lays them out. */
function load(stepMs: number, values: readonly number[]): SeriesPoint[] {
  return values.map((v, i) => ({ t: i * stepMs, v }));
}

/** PromQL test-file series notation `a+bxn`: a, a+b, …, a+n·b (n + 1 values). */
function series(start: number, step: number, times: number): number[] {
  return Array.from({ length: times + 1 }, (_, i) => start + i * step);
}

interface Case {
  readonly name: string;
  readonly reducer: Reducer;
  readonly points: readonly SeriesPoint[];
  /** Evaluation time, ms after the first sample. */
  readonly at: number;
  readonly window: number;
  readonly expected: number;
}

/**
 * Expected values from Prometheus v2.42.0's own test data (promql/testdata/functions.test, the
 * sections for increase(), rate() and delta()), each evaluated `instant at <at>` over `[<window>]`.
 * `offset 5m` is an evaluation 5m earlier.
 */
const PROMQL_2_42: readonly Case[] = [
  {
    name: 'increase(http_requests{path="/foo"}[50m]) at 50m, load 5m 0+10x10',
    reducer: 'increase',
    points: load(5 * M, series(0, 10, 10)),
    at: 50 * M,
    window: 50 * M,
    expected: 100,
  },
  {
    name: 'increase(http_requests{path="/bar"}[50m]) at 50m, load 5m 0+10x5 0+10x5 (a reset)',
    reducer: 'increase',
    points: load(5 * M, [...series(0, 10, 5), ...series(0, 10, 5)]),
    at: 50 * M,
    window: 50 * M,
    expected: 90,
  },
  {
    name: 'increase(http_requests{path="/foo"}[100m]) at 50m',
    reducer: 'increase',
    points: load(5 * M, series(0, 10, 10)),
    at: 50 * M,
    window: 100 * M,
    expected: 100,
  },
  {
    name: 'increase(http_requests{path="/bar"}[100m]) at 50m',
    reducer: 'increase',
    points: load(5 * M, [...series(0, 10, 5), ...series(0, 10, 5)]),
    at: 50 * M,
    window: 100 * M,
    expected: 90,
  },
  {
    name: 'increase(http_requests[30m]) at 30m, load 5m 0 1 2 3 2 3 4 (3 2 is a reset)',
    reducer: 'increase',
    points: load(5 * M, [0, 1, 2, 3, 2, 3, 4]),
    at: 30 * M,
    window: 30 * M,
    expected: 7,
  },
  {
    name: 'rate(testcounter_reset_middle[50m]) at 50m, load 5m 0+10x4 0+10x5',
    reducer: 'rate',
    points: load(5 * M, [...series(0, 10, 4), ...series(0, 10, 5)]),
    at: 50 * M,
    window: 50 * M,
    expected: 0.03,
  },
  {
    name: 'rate(testcounter_reset_end[5m]) at 50m, load 5m 0+10x9 0 10 (reset at the end)',
    reducer: 'rate',
    points: load(5 * M, [...series(0, 10, 9), 0, 10]),
    at: 50 * M,
    window: 5 * M,
    expected: 0,
  },
  {
    name: 'rate(calculate_rate_window[50m]) at 50m, load 5m 0+80x10',
    reducer: 'rate',
    points: load(5 * M, series(0, 80, 10)),
    at: 50 * M,
    window: 50 * M,
    expected: 0.26666666666666666,
  },
  {
    name: 'rate(calculate_rate_offset{x="a"}[10m] offset 5m) at 50m, load 5m 0+10x10',
    reducer: 'rate',
    points: load(5 * M, series(0, 10, 10)),
    at: 45 * M,
    window: 10 * M,
    expected: 0.03333333333333333,
  },
  {
    name: 'rate(calculate_rate_offset{x="b"}[10m] offset 5m) at 50m, load 5m 0+20x10',
    reducer: 'rate',
    points: load(5 * M, series(0, 20, 10)),
    at: 45 * M,
    window: 10 * M,
    expected: 0.06666666666666667,
  },
  ...[0.5, 0.55, 0.6, 0.65, 0.7, 0.6].map((expected, start): Case => ({
    name: `rate(testcounter_zero_cutoff{start="${start}m"}[20m]) at 10m: zero cutoff, load 4m ${start * 60}+240x10`,
    reducer: 'rate',
    points: load(4 * M, series(start * 60, 240, 10)),
    at: 10 * M,
    window: 20 * M,
    expected,
  })),
  ...[0, 1, 2, 3, 4, 5].map((start): Case => ({
    name: `rate(testcounter_zero_cutoff{start="${start}m"}[20m]) at 50m: half-interval cutoff`,
    reducer: 'rate',
    points: load(4 * M, series(start * 60, 240, 10)),
    at: 50 * M,
    window: 20 * M,
    expected: 0.6,
  })),
  {
    name: 'delta(http_requests{path="/foo"}[20m]) at 20m, load 5m 0 50 100 150 200',
    reducer: 'delta',
    points: load(5 * M, [0, 50, 100, 150, 200]),
    at: 20 * M,
    window: 20 * M,
    expected: 200,
  },
  {
    name: 'delta(http_requests{path="/bar"}[20m]) at 20m, load 5m 200 150 100 50 0',
    reducer: 'delta',
    points: load(5 * M, [200, 150, 100, 50, 0]),
    at: 20 * M,
    window: 20 * M,
    expected: -200,
  },
];

describe('delta, increase and rate match PromQL 2.42 on its own test data', () => {
  it.each(PROMQL_2_42.map((one) => [one.name, one] as const))('%s', (_name, one) => {
    const value = reduceWindow(one.reducer, one.points, one.at, one.window);
    // Prometheus' test runner compares with a relative tolerance of 1e-6; these agree far closer.
    expect(value).toBeCloseTo(one.expected, 12);
  });
});

describe('extrapolation on hand-computed windows (now = 60 s, window 60 s unless said)', () => {
  it('delta of a gauge stretches to both edges when the samples come close to them', () => {
    // Samples at 5, 20, 35, 50 s: spread 45 s, average interval 15 s, threshold 16.5 s. 5 s to
    // the start and 10 s to the end are both within it: the change 3 is scaled by 60/45 → 4.
    const points = [5, 20, 35, 50].map((s, i) => ({ t: s * S, v: i }));
    expect(reduceWindow('delta', points, 60 * S, 60 * S)).toBeCloseTo(4, 12);
  });

  it('delta stretches only half an interval toward an edge the series does not reach', () => {
    // Samples at 40, 45, 50, 55 s (values 10 → 40): average 5 s, threshold 5.5 s. The start is
    // 40 s away → + 2.5 s; the end is 5 s away → + 5 s. 30 × (15 + 7.5) / 15 = 45.
    const points = [40, 45, 50, 55].map((s, i) => ({ t: s * S, v: 10 + 10 * i }));
    expect(reduceWindow('delta', points, 60 * S, 60 * S)).toBeCloseTo(45, 12);
  });

  it('a counter is not extrapolated below zero', () => {
    // Two samples at 20 s (10) and 50 s (40): change 30 over 30 s, threshold 33 s. Back to the
    // start would need 20 s, but the counter reaches zero 10 s before its first sample, so the
    // start is stretched by 10 s only; the end by 10 s. increase = 30 × 50/30 = 50; rate = 50/60.
    const points = [
      { t: 20 * S, v: 10 },
      { t: 50 * S, v: 40 },
    ];
    expect(reduceWindow('increase', points, 60 * S, 60 * S)).toBeCloseTo(50, 12);
    expect(reduceWindow('rate', points, 60 * S, 60 * S)).toBeCloseTo(50 / 60, 12);
    // The same samples as a gauge extrapolate fully: 30 × (30 + 20 + 10) / 30 = 60.
    expect(reduceWindow('delta', points, 60 * S, 60 * S)).toBeCloseTo(60, 12);
  });

  it('a counter that starts mid-window from its zero point is not stretched before it', () => {
    // A new series at 360 s: 30, 90, …, 270 every 60 s, window 600 s. Its zero point is 30 s
    // before the first sample: 240 × (240 + 30) / 240 = 270, over 600 s = 0.45/s.
    const points = [360, 420, 480, 540, 600].map((s, i) => ({ t: s * S, v: 30 + 60 * i }));
    expect(reduceWindow('increase', points, 600 * S, 600 * S)).toBeCloseTo(270, 12);
    expect(reduceWindow('rate', points, 600 * S, 600 * S)).toBeCloseTo(0.45, 12);
  });

  it('a counter with a negative first value is stretched like a gauge', () => {
    const points = [
      { t: 20 * S, v: -10 },
      { t: 50 * S, v: 20 },
    ];
    expect(reduceWindow('increase', points, 60 * S, 60 * S)).toBeCloseTo(60, 12);
  });

  it('counter resets count the value before each reset; delta ignores them', () => {
    // 0 s..60 s every 15 s: 5, 8, 2, 6, 1 — resets after 8 and after 6.
    const points = [5, 8, 2, 6, 1].map((v, i) => ({ t: i * 15 * S, v }));
    expect(reduceWindow('increase', points, 60 * S, 60 * S)).toBeCloseTo(1 - 5 + 8 + 6, 12);
    expect(reduceWindow('delta', points, 60 * S, 60 * S)).toBeCloseTo(1 - 5, 12);
  });

  it('needs two samples in the window', () => {
    for (const reducer of ['delta', 'increase', 'rate'] as const) {
      expect(reduceWindow(reducer, [{ t: 30 * S, v: 5 }], 60 * S, 60 * S)).toBeUndefined();
    }
  });
});

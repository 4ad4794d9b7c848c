/**
 * Durations as Prometheus writes them: `500ms`, `30s`, `5m`, `4h`, `1d`, `1w`, `1y`, or combined
 * `1h30m`. The grammar is Prometheus' own (prometheus/common `model.ParseDuration`): units go from
 * largest to smallest, each at most once (`1m1h` and `1h1h` are refused, so `1m1d` can never be
 * misread), a year is 365d, a week 7d, `0` alone needs no unit, and a duration beyond what Go's
 * int64 nanoseconds hold (about 292 years) is out of range.
 */
const UNITS = [
  ['y', 31_536_000_000],
  ['w', 604_800_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;
const UNIT_INDEX = new Map<string, number>(UNITS.map(([unit], index) => [unit, index]));
const UNIT_LIST = UNITS.map(([unit]) => unit).join(', ');

/** (2⁶³ − 1) ns in whole milliseconds: the longest duration Prometheus accepts. */
export const MAX_DURATION_MS = 9_223_372_036_854;
const MAX_NS = (1n << 63n) - 1n;

const PART = /([0-9]+)([^0-9]*)/y;

export class DurationSyntaxError extends Error {
  override readonly name = 'DurationSyntaxError';
}

/** Milliseconds of a Prometheus duration; throws DurationSyntaxError saying what is wrong. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  if (text.length === 0) throw new DurationSyntaxError('empty duration (use e.g. 500ms, 30s, 5m, 4h, 1d)');
  // BigInt: digits may be longer than a double holds exactly, and the bound is exact in Prometheus.
  let totalMs = 0n;
  let lastUnit = -1;
  let consumed = 0;
  while (consumed < text.length) {
    PART.lastIndex = consumed;
    const match = PART.exec(text);
    if (match === null || match[2] === '') {
      throw new DurationSyntaxError(`not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 30s, 5m, 4h, 1d)`);
    }
    const [, digits, unit] = match as unknown as [string, string, string];
    const index = UNIT_INDEX.get(unit);
    if (index === undefined && /^[A-Za-z]+$/.test(unit)) {
      throw new DurationSyntaxError(
        `unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)} (units: ${UNIT_LIST})`,
      );
    }
    if (index === undefined) {
      throw new DurationSyntaxError(`not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 30s, 5m, 4h, 1d)`);
    }
    if (index <= lastUnit) {
      throw new DurationSyntaxError(
        `not a duration: ${JSON.stringify(text)} (units go from largest to smallest, each at most once: y w d h m s ms, e.g. 1h30m)`,
      );
    }
    lastUnit = index;
    totalMs += BigInt(digits) * BigInt(UNITS[index]![1]);
    if (totalMs * 1_000_000n > MAX_NS) {
      throw new DurationSyntaxError(
        `duration ${JSON.stringify(text)} is out of range (Prometheus durations end at ${formatDuration(MAX_DURATION_MS)}, about 292 years)`,
      );
    }
    consumed = PART.lastIndex;
  }
  return Number(totalMs);
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

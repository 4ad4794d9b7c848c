import { fingerprint, matchesOne, matchesValue, type LabelMatcher } from '../labels.js';
import type { SeriesWindow } from '../records.js';
import { reducePacked } from './reducers.js';
import type { Reducer, RuleDefinition } from './types.js';

interface PackedPoints {
  readonly times: Float64Array;
  readonly values: Float64Array;
}

/** A series window, its points packed in the index's arrays, and its label fingerprint. */
export class IndexedSeries {
  private cachedFingerprint: string | undefined;

  constructor(
    readonly window: SeriesWindow,
    /** Position in its measure bucket; indexes the bucket's label columns. */
    readonly slot: number,
    private readonly packed: PackedPoints,
    private readonly start: number,
    private readonly end: number,
  ) {}

  reduce(reducer: Reducer, now: number, windowMs: number): number | undefined {
    return reducePacked(reducer, this.packed.times, this.packed.values, this.start, this.end, now, windowMs);
  }

  get fingerprint(): string {
    // Lazy: a quiet rule (no prior state, condition not met) never needs its series' keys, and
    // fingerprinting 100,000 label sets costs more than evaluating them.
    return (this.cachedFingerprint ??= fingerprint(this.window.labels));
  }
}

const NONE: readonly IndexedSeries[] = [];
const NO_SLOTS: readonly number[] = [];

/**
 * One label of a bucket's series, dictionary-encoded: the distinct values, each series' value id,
 * and the postings list (series having the value). A missing label is the value "", as matchers read it.
 */
class LabelColumn {
  readonly distinct: string[] = [];
  readonly idOf = new Map<string, number>();
  /** Value id → slots of the series with that value, ascending. */
  readonly postings: number[][] = [];
  readonly valueIds: Int32Array;
  /** Matcher key → per-value verdicts, once a matcher has been tested on as many series as there are values. */
  private readonly verdicts = new Map<string, { tested: number; table?: Uint8Array }>();

  constructor(name: string, series: readonly IndexedSeries[]) {
    this.valueIds = new Int32Array(series.length);
    for (const one of series) {
      const value = one.window.labels[name] ?? '';
      let id = this.idOf.get(value);
      if (id === undefined) {
        id = this.distinct.length;
        this.idOf.set(value, id);
        this.distinct.push(value);
        this.postings.push([]);
      }
      this.valueIds[one.slot] = id;
      this.postings[id]!.push(one.slot);
    }
  }

  /**
   * Per-value verdicts of a matcher, if worth having: matching each distinct value once beats
   * matching each candidate when many rules share a matcher (`target=~"https://.*"`) or a label has
   * few values (`site`). Built once the candidates tested would have paid for it, so a matcher
   * used by one rule on a few candidates never tests all 15,000 distinct targets.
   */
  verdictTable(matcher: LabelMatcher, candidates: number): Uint8Array | undefined {
    const key = `${matcher.op}\u0000${matcher.value}`;
    let entry = this.verdicts.get(key);
    if (entry === undefined) this.verdicts.set(key, (entry = { tested: 0 }));
    if (entry.table !== undefined) return entry.table;
    entry.tested += candidates;
    if (entry.tested < this.distinct.length) return undefined;
    const table = new Uint8Array(this.distinct.length);
    for (let id = 0; id < this.distinct.length; id++) {
      table[id] = matchesValue(matcher, this.distinct[id]!) ? 1 : 0;
    }
    return (entry.table = table);
  }
}

/** The series of one (table, measure), with label columns built on first use. */
class MeasureBucket {
  readonly series: IndexedSeries[] = [];
  private readonly columns = new Map<string, LabelColumn>();

  column(name: string): LabelColumn {
    let column = this.columns.get(name);
    if (column === undefined) this.columns.set(name, (column = new LabelColumn(name, this.series)));
    return column;
  }
}

/** A matcher ready to run on candidates: a verdict table lookup, or the matcher itself. */
interface Check {
  readonly matcher: LabelMatcher;
  readonly valueIds?: Int32Array;
  readonly table?: Uint8Array;
}

/**
 * Selects the series each rule covers without testing every rule against every series (10,000 ×
 * 100,000 would be 10⁹ matcher calls): windows are grouped by table and measure, then narrowed by
 * the rule's most selective `=` matcher through a postings list, as a Prometheus TSDB index does.
 * A rule without `=` matchers uses a `=~` matcher's postings when its label has few distinct values,
 * and scans its measure's series otherwise. The remaining matchers are checked on the candidates,
 * through per-value verdict tables where those pay off.
 */
export class SeriesIndex {
  /** table → measure → bucket; two levels so that no key string is built per window. */
  private readonly buckets = new Map<string, Map<string, MeasureBucket>>();

  constructor(windows: readonly SeriesWindow[]) {
    let total = 0;
    for (const window of windows) total += window.points.length;
    // Packed once per cycle: reading ten scattered point objects for each of several hundred
    // thousand rule × series pairs is bound by memory, not arithmetic.
    const packed: PackedPoints = { times: new Float64Array(total), values: new Float64Array(total) };
    let offset = 0;
    for (const window of windows) {
      const start = offset;
      for (const point of window.points) {
        packed.times[offset] = point.t;
        packed.values[offset] = point.v;
        offset++;
      }
      let measures = this.buckets.get(window.table);
      if (measures === undefined) this.buckets.set(window.table, (measures = new Map()));
      let bucket = measures.get(window.measure);
      if (bucket === undefined) measures.set(window.measure, (bucket = new MeasureBucket()));
      bucket.series.push(new IndexedSeries(window, bucket.series.length, packed, start, offset));
    }
  }

  select(rule: Pick<RuleDefinition, 'table' | 'measure' | 'matchers'>): readonly IndexedSeries[] {
    const bucket = this.buckets.get(rule.table)?.get(rule.measure);
    if (bucket === undefined) return NONE;
    const { candidates, used } = narrow(bucket, rule.matchers);
    const count = candidates === 'all' ? bucket.series.length : candidates.length;
    if (count === 0) return NONE;
    const checks: Check[] = [];
    for (const matcher of rule.matchers) {
      if (matcher === used) continue;
      const column = bucket.column(matcher.name);
      const table = column.verdictTable(matcher, count);
      checks.push(table === undefined ? { matcher } : { matcher, valueIds: column.valueIds, table });
    }
    if (checks.length === 0 && candidates === 'all') return bucket.series;
    // Candidates are slots, not series objects: a rejected candidate then costs two typed-array
    // reads instead of a trip to a series object somewhere in the heap.
    const selected: IndexedSeries[] = [];
    for (let i = 0; i < count; i++) {
      const slot = candidates === 'all' ? i : candidates[i]!;
      if (passes(checks, bucket.series, slot)) selected.push(bucket.series[slot]!);
    }
    return selected;
  }
}

function passes(checks: readonly Check[], series: readonly IndexedSeries[], slot: number): boolean {
  for (const check of checks) {
    const ok =
      check.table === undefined
        ? matchesOne(check.matcher, series[slot]!.window.labels)
        : check.table[check.valueIds![slot]!] === 1;
    if (!ok) return false;
  }
  return true;
}

function narrow(
  bucket: MeasureBucket,
  matchers: readonly LabelMatcher[],
): { candidates: readonly number[] | 'all'; used?: LabelMatcher } {
  let best: readonly number[] | undefined;
  let used: LabelMatcher | undefined;
  for (const matcher of matchers) {
    if (matcher.op !== '=') continue;
    const column = bucket.column(matcher.name);
    const id = column.idOf.get(matcher.value);
    const list = id === undefined ? NO_SLOTS : column.postings[id]!;
    if (best === undefined || list.length < best.length) {
      best = list;
      used = matcher;
    }
  }
  if (best !== undefined) return { candidates: best, used };

  // Testing a regex once per distinct value beats once per series when values repeat a lot.
  let fewest: LabelColumn | undefined;
  for (const matcher of matchers) {
    if (matcher.op !== '=~') continue;
    const column = bucket.column(matcher.name);
    if (
      column.distinct.length * 4 <= bucket.series.length &&
      (fewest === undefined || column.distinct.length < fewest.distinct.length)
    ) {
      fewest = column;
      used = matcher;
    }
  }
  if (fewest !== undefined && used !== undefined) {
    const table = fewest.verdictTable(used, Infinity)!;
    const candidates: number[] = [];
    for (let id = 0; id < table.length; id++) {
      if (table[id] === 1) for (const slot of fewest.postings[id]!) candidates.push(slot);
    }
    return { candidates, used };
  }
  return { candidates: 'all' };
}

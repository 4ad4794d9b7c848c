import { fingerprint, matchesOne, type LabelMatcher } from '../labels.js';
import type { SeriesWindow } from '../records.js';
import type { RuleDefinition } from './types.js';

/** A series window plus its label fingerprint, computed at most once per evaluation. */
export class IndexedSeries {
  private cachedFingerprint: string | undefined;

  constructor(readonly window: SeriesWindow) {}

  get fingerprint(): string {
    // Lazy: a quiet rule (no prior state, condition not met) never needs its series' keys, and
    // fingerprinting 100,000 label sets costs more than evaluating them.
    return (this.cachedFingerprint ??= fingerprint(this.window.labels));
  }
}

const NONE: readonly IndexedSeries[] = [];

/** The series of one (table, measure), with postings lists built per label name on first use. */
class MeasureBucket {
  readonly series: IndexedSeries[] = [];
  private readonly postingsByName = new Map<string, Map<string, IndexedSeries[]>>();

  /** label value → series with it; a missing label is indexed as "" since matchers read it so. */
  postings(name: string): Map<string, IndexedSeries[]> {
    let postings = this.postingsByName.get(name);
    if (postings === undefined) {
      postings = new Map();
      for (const series of this.series) {
        const value = series.window.labels[name] ?? '';
        const list = postings.get(value);
        if (list === undefined) postings.set(value, [series]);
        else list.push(series);
      }
      this.postingsByName.set(name, postings);
    }
    return postings;
  }
}

/**
 * Selects the series each rule covers without testing every rule against every series (10,000 ×
 * 100,000 would be 10⁹ matcher calls): windows are grouped by table and measure, then narrowed by
 * the rule's most selective `=` matcher through a postings list, as a Prometheus TSDB index does.
 * A rule without `=` matchers uses a `=~` matcher's postings when its label has few distinct values,
 * and scans its measure's series otherwise. The remaining matchers are checked on the candidates.
 */
export class SeriesIndex {
  private readonly buckets = new Map<string, MeasureBucket>();

  constructor(windows: readonly SeriesWindow[]) {
    for (const window of windows) {
      const key = bucketKey(window.table, window.measure);
      let bucket = this.buckets.get(key);
      if (bucket === undefined) this.buckets.set(key, (bucket = new MeasureBucket()));
      bucket.series.push(new IndexedSeries(window));
    }
  }

  select(rule: Pick<RuleDefinition, 'table' | 'measure' | 'matchers'>): readonly IndexedSeries[] {
    const bucket = this.buckets.get(bucketKey(rule.table, rule.measure));
    if (bucket === undefined) return NONE;
    const { candidates, used } = narrow(bucket, rule.matchers);
    if (candidates.length === 0) return NONE;
    const rest = used === undefined ? rule.matchers : rule.matchers.filter((matcher) => matcher !== used);
    if (rest.length === 0) return candidates;
    const selected: IndexedSeries[] = [];
    for (const series of candidates) {
      if (matchesEvery(rest, series)) selected.push(series);
    }
    return selected;
  }
}

function narrow(
  bucket: MeasureBucket,
  matchers: readonly LabelMatcher[],
): { candidates: readonly IndexedSeries[]; used?: LabelMatcher } {
  let best: readonly IndexedSeries[] | undefined;
  let used: LabelMatcher | undefined;
  for (const matcher of matchers) {
    if (matcher.op !== '=') continue;
    const list = bucket.postings(matcher.name).get(matcher.value) ?? NONE;
    if (best === undefined || list.length < best.length) {
      best = list;
      used = matcher;
    }
  }
  if (best !== undefined) return { candidates: best, used };

  // Testing a regex once per distinct value beats once per series when values repeat a lot.
  let fewest: Map<string, IndexedSeries[]> | undefined;
  for (const matcher of matchers) {
    if (matcher.op !== '=~') continue;
    const postings = bucket.postings(matcher.name);
    if (postings.size * 4 <= bucket.series.length && (fewest === undefined || postings.size < fewest.size)) {
      fewest = postings;
      used = matcher;
    }
  }
  if (fewest !== undefined && used !== undefined) {
    const candidates: IndexedSeries[] = [];
    for (const [value, list] of fewest) {
      if (used.regex!.test(value)) for (const series of list) candidates.push(series);
    }
    return { candidates, used };
  }
  return { candidates: bucket.series };
}

function matchesEvery(matchers: readonly LabelMatcher[], series: IndexedSeries): boolean {
  for (const matcher of matchers) if (!matchesOne(matcher, series.window.labels)) return false;
  return true;
}

function bucketKey(table: string, measure: string): string {
  return `${table}\u0000${measure}`;
}

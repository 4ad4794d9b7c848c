/** Which text format a page is read as; chosen from the response's Content-Type (see content-type.ts). */
export type ExpositionFormat = 'prometheus-text' | 'openmetrics';

/**
 * Metric types of both formats. Prometheus text 0.0.4 knows counter, gauge, histogram, summary and
 * untyped; OpenMetrics 1.0 adds gaugehistogram, stateset and info, and calls untyped `unknown`.
 */
export type MetricType =
  'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'stateset' | 'info' | 'untyped' | 'unknown';

/** A metric family as the page describes it: `# TYPE`, `# HELP` and (OpenMetrics) `# UNIT`. */
export interface MetricFamily {
  /** The family name: `http_requests` for OpenMetrics' `http_requests_total`, `rpc` for `rpc_bucket`. */
  readonly name: string;
  /** `untyped` (Prometheus text) or `unknown` (OpenMetrics) when the page gave no `# TYPE`. */
  readonly type: MetricType;
  readonly help: string | undefined;
  readonly unit: string | undefined;
}

/**
 * One sample of the page as an object: the series name as written (`rpc_bucket`, `up`), its labels as
 * flat `[name, value, …]` pairs in page order (without `__name__`; values unescaped; an empty value
 * kept as written), and the page's own timestamp if it gave one. `ParsedPage.sample(i)` builds it;
 * hot paths read the page's columns instead.
 */
export interface ScrapedSample {
  readonly name: string;
  readonly labels: readonly string[];
  /** NaN and ±Infinity are ordinary values (a histogram's `+Inf` bucket bound, a summary's NaN quantile). */
  readonly value: number;
  /** Epoch ms from the page (OpenMetrics seconds are converted), or undefined: the scraper stamps it. */
  readonly timestamp: number | undefined;
  readonly family: MetricFamily;
  /** 1-based line of the page, for reports such as `pflow agent check`. */
  readonly line: number;
}

/** A problem found on the page, with the 1-based line it is on. */
export interface ExpositionProblem {
  readonly line: number;
  readonly message: string;
}

interface ParseOutcome {
  readonly format: ExpositionFormat;
  /**
   * Things both formats forbid that Prometheus accepts anyway (a duplicate series — the later one is
   * dropped, as Prometheus drops it —, an interleaved family, a second `# TYPE`); they never fail a scrape.
   */
  readonly warnings: readonly ExpositionProblem[];
  /** Warnings beyond the cap (`maxProblems`), counted but not listed. */
  readonly warningsOmitted: number;
}

/**
 * A page that parsed: every sample, in page order, as columns, shaped for an agent that relabels and
 * forwards. Every distinct string is stored once (`symbols`) and the columns refer to it by index:
 * no object and no string is allocated per sample, which is what keeps a 10 MB page cheap for the
 * garbage collector (bench/exposition.ts).
 */
export interface ParsedPage extends ParseOutcome {
  readonly ok: true;
  /** Number of samples. */
  readonly size: number;
  /** Every distinct metric name, label name and label value on the page, once; the columns hold their indexes. */
  readonly symbols: readonly string[];
  /** Sample i's series name (`rpc_bucket`, `up`) is `symbols[nameIds[i]]`. */
  readonly nameIds: Int32Array;
  /**
   * Sample i's labels are the pairs `labelIds[labelStart[i]]` up to `labelIds[labelStart[i + 1]]`
   * (exclusive): `[nameId, valueId, …]` in page order. Ids let a relabeller decide once per distinct
   * value (a regex match, a rename) instead of once per sample.
   */
  readonly labelStart: Int32Array;
  readonly labelIds: Int32Array;
  /** NaN and ±Infinity are ordinary values. */
  readonly values: Float64Array;
  /** Epoch ms the page gave (OpenMetrics seconds converted), NaN where it gave none: the scraper stamps those. */
  readonly timestamps: Float64Array;
  /** 1-based page line of sample i. */
  readonly lines: Int32Array;
  /** Sample i's family is `familyList[familyIds[i]]`. */
  readonly familyIds: Int32Array;
  readonly familyList: readonly MetricFamily[];
  readonly families: ReadonlyMap<string, MetricFamily>;
  /** OpenMetrics exemplars seen; they are checked for syntax and then ignored. */
  readonly exemplarsIgnored: number;
  /** Sample i as one object, for reports and tests. */
  sample(index: number): ScrapedSample;
}

/**
 * A page that did not parse. Like Prometheus, one malformed line fails the whole scrape: no sample of
 * the page is returned. Parsing went on past the first error to list more (up to `maxProblems`).
 */
export interface FailedPage extends ParseOutcome {
  readonly ok: false;
  readonly errors: readonly ExpositionProblem[];
  /** Errors beyond the cap, counted but not listed. */
  readonly errorsOmitted: number;
  /** True when the sample cap stopped the parse (the scraper reports it as Prometheus's sample_limit). */
  readonly sampleLimitExceeded: boolean;
}

export type ParseResult = ParsedPage | FailedPage;

export interface ParseOptions {
  /** The response's Content-Type header; `application/openmetrics-text` means OpenMetrics, anything else Prometheus text. */
  readonly contentType?: string | undefined;
  /** Stop with an error once the page holds more samples than this (default: no cap). */
  readonly maxSamples?: number | undefined;
  /** How many errors and how many warnings are listed (default 20 each); the rest are counted. */
  readonly maxProblems?: number | undefined;
}

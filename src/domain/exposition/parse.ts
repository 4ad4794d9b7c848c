import { formatForContentType } from './content-type.js';
import { parseFloatToken, parseMillisToken, parseSecondsTokenToMillis } from './numbers.js';
import type {
  ExpositionFormat,
  ExpositionProblem,
  MetricFamily,
  MetricType,
  ParseOptions,
  ParsedPage,
  ParseResult,
  ScrapedSample,
} from './types.js';

/*
 * Prometheus text 0.0.4 and OpenMetrics 1.0 text, read in one pass over the page string with
 * charCodeAt/indexOf: no regex, no split into lines, and no substring that does not end up in a
 * sample. Hand-written because the npm parsers are slower than Go's expfmt, refuse or ignore
 * OpenMetrics' `# EOF` and exemplars, and do not report line numbers (bench/exposition.ts compares).
 *
 * What fails the page (Prometheus fails the whole scrape on one bad line, and so does this parser):
 * any syntax error, an unknown `# TYPE`, a histogram bucket without a float `le` (or a quantile that
 * is not a float; OpenMetrics only: a bucket without `le`), a label name twice in one sample, an OpenMetrics page without `# EOF` or with
 * anything after it, and the sample cap. What only warns (Prometheus scrapes these, the specs forbid
 * them): a duplicate series (the later one is dropped, as Prometheus keeps the first), a family whose
 * lines are interleaved with another's, a second or late `# TYPE`/`# HELP`/`# UNIT`, and an
 * OpenMetrics sample name that does not fit its family's type (a counter sample without `_total`),
 * and a Prometheus text histogram bucket without `le`.
 */

const TAB = 9;
const NL = 10;
const CR = 13;
const SP = 32;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;

/** Character classes for ASCII: label names `[a-zA-Z_][a-zA-Z0-9_]*`, metric names add `:`. */
const LABEL_START = 1;
const LABEL_CHAR = 2;
const METRIC_START = 4;
const METRIC_CHAR = 8;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  const digit = c >= 48 && c <= 57;
  const colon = c === 58;
  CLASS[c] =
    (letter ? LABEL_START | METRIC_START : 0) |
    (letter || digit ? LABEL_CHAR | METRIC_CHAR : 0) |
    (colon ? METRIC_START | METRIC_CHAR : 0);
}
function is(c: number, cls: number): boolean {
  return c < 128 && (CLASS[c]! & cls) !== 0;
}

const TEXT_TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const OPENMETRICS_TYPES: ReadonlySet<string> = new Set([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'stateset',
  'info',
  'unknown',
]);

/** Sample-name suffixes each type's family owns ('' is the family name itself). */
const TEXT_SUFFIXES: Readonly<Partial<Record<MetricType, readonly string[]>>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};
const OPENMETRICS_SUFFIXES: Readonly<Partial<Record<MetricType, readonly string[]>>> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['', '_sum', '_count', '_created'],
  info: ['_info'],
};

/** Thrown inside one line and caught by the line loop, which records it with the line number. */
class LineError extends Error {}

interface MutableFamily {
  readonly name: string;
  type: MetricType;
  help: string | undefined;
  unit: string | undefined;
}

/** A family with what the parser tracks about it; samples point at `view`, which is all they expose. */
interface FamilyState {
  readonly view: MutableFamily;
  /** Set by `# TYPE`; an implicit family (first seen in a sample) has none. */
  typed: boolean;
  samples: number;
  firstSampleLine: number;
  /** A histogram's `_bucket` name, computed once, for the `le` check. */
  bucketName: string | undefined;
  interleaveReported: boolean;
  /** Index in the page's family list, once a sample used it. */
  id: number;
}

/**
 * Parses one scraped page. `body` is the response text, or its bytes (decoded as strict UTF-8: Prometheus
 * refuses invalid UTF-8 too). The Content-Type header picks the format.
 */
export function parseExposition(body: string | Uint8Array, options: ParseOptions = {}): ParseResult {
  const format = formatForContentType(options.contentType);
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    try {
      text = strictUtf8.decode(body);
    } catch {
      const line = firstInvalidUtf8Line(body);
      return new Parser('', format, options).fail(line, 'the page is not valid UTF-8');
    }
  }
  return new Parser(text, format, options).run();
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The line of the first byte sequence that is not UTF-8, found only after decoding failed. */
function firstInvalidUtf8Line(bytes: Uint8Array): number {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === NL) {
      try {
        strictUtf8.decode(bytes.subarray(lineStart, i));
      } catch {
        return line;
      }
      line++;
      lineStart = i + 1;
    }
  }
  return line;
}

class Parser {
  private readonly openMetrics: boolean;
  private readonly maxSamples: number;
  private readonly maxProblems: number;
  private readonly errors: ExpositionProblem[] = [];
  private errorsOmitted = 0;
  private readonly warnings: ExpositionProblem[] = [];
  private warningsOmitted = 0;
  private readonly families = new Map<string, FamilyState>();
  private sampleLimitExceeded = false;
  private exemplars = 0;
  private line = 0;
  private eof = false;

  // The page's columns (see ParsedPage), grown by doubling.
  private size = 0;
  private familyIds: Int32Array;
  /** Families in order of first use by a sample; `familyIds` index it. */
  private readonly familyList: MetricFamily[] = [];
  private nameIds: Int32Array;
  private labelStart: Int32Array;
  private labelIds: Int32Array;
  private pairEnd = 0;
  private values: Float64Array;
  private timestamps: Float64Array;
  private lines: Int32Array;
  /** Each sample's series hash, kept so the duplicate table can grow without hashing again. */
  private hashes: Int32Array;
  /** Open-addressing table of sample index + 1 (0: empty) by series hash, to find duplicate series. */
  private seen: Int32Array;

  /** Every distinct name and label value on the page, once; samples refer to them by index. */
  private readonly symbols: string[] = [];
  /** Open-addressing table of symbol id + 1 by the hash of the symbol's text. */
  private symbolTable: Int32Array = new Int32Array(4096);
  private symbolHashes: Int32Array = new Int32Array(4096);
  /** Values with escapes, by unescaped value: they have no text on the page to compare with. */
  private readonly escapedSymbols = new Map<string, number>();

  /** The previous sample's name id and family: consecutive samples nearly always share them. */
  private previousName = '';
  private previousNameId = -1;
  private previousFamily: FamilyState | undefined;
  /** The family the last sample belonged to, to notice interleaving. */
  private currentFamily: FamilyState | undefined;
  /** The previous sample's label names and escape-free values by position, reused when the text matches. */
  private readonly cachedNames: (string | undefined)[] = [];
  private readonly cachedNameIds: number[] = [];
  private readonly cachedValues: (string | undefined)[] = [];
  private readonly cachedValueIds: number[] = [];
  /** Set by labels(): the sum of the label pairs' hashes (order-independent). */
  private labelsHash = 0;

  constructor(
    private readonly s: string,
    private readonly format: ExpositionFormat,
    options: ParseOptions,
  ) {
    this.openMetrics = format === 'openmetrics';
    this.maxSamples = options.maxSamples ?? Infinity;
    this.maxProblems = options.maxProblems ?? 20;
    // Sized for ~64 bytes per line, so a typical page never grows them.
    const capacity = powerOfTwoAbove(s.length >> 6);
    this.nameIds = new Int32Array(capacity);
    this.familyIds = new Int32Array(capacity);
    this.labelStart = new Int32Array(capacity + 1);
    this.labelIds = new Int32Array(capacity * 4);
    this.values = new Float64Array(capacity);
    this.timestamps = new Float64Array(capacity);
    this.lines = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.seen = new Int32Array(capacity * 2);
  }

  run(): ParseResult {
    const s = this.s;
    const length = s.length;
    let at = 0;
    while (at < length) {
      let end = s.indexOf('\n', at);
      if (end === -1) end = length;
      this.line++;
      if (this.eof) {
        this.error('content after "# EOF": an OpenMetrics page ends there');
        break;
      }
      try {
        const c = s.charCodeAt(at);
        if (c === HASH) this.comment(at, end);
        else if (end === at) {
          if (this.openMetrics) throw new LineError('empty line: OpenMetrics allows none');
        } else this.sample(at, end);
      } catch (error) {
        if (!(error instanceof LineError)) throw error;
        this.pairEnd = this.labelStart[this.size]!;
        this.error(error.message);
      }
      if (this.sampleLimitExceeded || this.errorsOmitted > 0) break;
      at = end + 1;
    }
    if (this.openMetrics && !this.eof && !this.sampleLimitExceeded && this.errorsOmitted === 0) {
      this.line++;
      this.error('missing "# EOF": an OpenMetrics page must end with it (was the body cut short?)');
    }
    return this.result();
  }

  fail(line: number, message: string): ParseResult {
    this.line = line;
    this.error(message);
    return this.result();
  }

  private result(): ParseResult {
    const { format, warnings, warningsOmitted } = this;
    if (this.errors.length > 0) {
      return {
        ok: false,
        format,
        errors: this.errors,
        errorsOmitted: this.errorsOmitted,
        sampleLimitExceeded: this.sampleLimitExceeded,
        warnings,
        warningsOmitted,
      };
    }
    const size = this.size;
    const families = new Map<string, MetricFamily>();
    for (const [name, family] of this.families) families.set(name, family.view);
    return new Page(format, warnings, warningsOmitted, {
      size,
      symbols: this.symbols,
      nameIds: this.nameIds.subarray(0, size),
      labelStart: this.labelStart.subarray(0, size + 1),
      labelIds: this.labelIds.subarray(0, this.pairEnd),
      values: this.values.subarray(0, size),
      timestamps: this.timestamps.subarray(0, size),
      lines: this.lines.subarray(0, size),
      familyIds: this.familyIds.subarray(0, size),
      familyList: this.familyList,
      families,
      exemplarsIgnored: this.exemplars,
    });
  }

  private error(message: string): void {
    if (this.errors.length < this.maxProblems) this.errors.push({ line: this.line, message });
    else this.errorsOmitted++;
  }

  private warn(message: string): void {
    if (this.warnings.length < this.maxProblems) this.warnings.push({ line: this.line, message });
    else this.warningsOmitted++;
  }

  // --- samples ------------------------------------------------------------------------------------

  private sample(lineStart: number, end: number): void {
    const s = this.s;
    const om = this.openMetrics;
    let i = lineStart;
    if (!om) {
      i = skipBlanks(s, i, end);
      if (i === end) return; // a blank line
    }
    let name = this.previousName;
    let nameId = this.previousNameId;
    let family = this.previousFamily!;
    if (name.length > 0 && textAt(s, i, name) && !is(s.charCodeAt(i + name.length), METRIC_CHAR)) {
      i += name.length;
    } else {
      const nameStart = i;
      let c = s.charCodeAt(i);
      if (!is(c, METRIC_START)) {
        throw new LineError(
          c === LBRACE
            ? 'no metric name before "{" (quoted UTF-8 metric names belong to newer format versions, which this parser does not read)'
            : `expected a metric name, found ${describe(s, i, end)}`,
        );
      }
      let hash = FNV_OFFSET;
      do {
        hash = Math.imul(hash ^ c, FNV_PRIME);
        c = s.charCodeAt(++i);
      } while (i < end && is(c, METRIC_CHAR));
      nameId = this.symbol(nameStart, i, hash);
      name = this.symbols[nameId]!;
      family = this.familyOf(name);
      this.previousName = name;
      this.previousNameId = nameId;
      this.previousFamily = family;
    }

    const sampleStart = this.pairEnd;
    let c = s.charCodeAt(i);
    if (!om && (c === SP || c === TAB)) {
      // Prometheus text (as expfmt reads it) allows blanks between the name and "{".
      const next = skipBlanks(s, i, end);
      if (s.charCodeAt(next) === LBRACE) {
        i = next;
        c = LBRACE;
      }
    }
    this.labelsHash = 0;
    if (c === LBRACE) i = this.labels(i + 1, end, true);

    i = this.separator(i, end, 'a value');
    let tokenEnd = tokenEndAt(s, i, end);
    const value = parseFloatToken(s, i, tokenEnd);
    if (value === undefined) {
      throw new LineError(`invalid value ${quoteToken(s, i, tokenEnd)} (expected a float, NaN, +Inf or -Inf)`);
    }
    i = tokenEnd;

    let timestamp = NaN;
    if (i < end) {
      i = this.separator(i, end, 'a timestamp');
      if (i < end && !(om && s.charCodeAt(i) === HASH)) {
        tokenEnd = tokenEndAt(s, i, end);
        const ms = om ? parseSecondsTokenToMillis(s, i, tokenEnd) : parseMillisToken(s, i, tokenEnd);
        if (ms === undefined) {
          throw new LineError(
            om
              ? `invalid timestamp ${quoteToken(s, i, tokenEnd)} (OpenMetrics timestamps are seconds, e.g. 1520879607.789)`
              : `invalid timestamp ${quoteToken(s, i, tokenEnd)} (Prometheus text timestamps are integer milliseconds)`,
          );
        }
        timestamp = ms;
        i = tokenEnd;
        if (i < end) i = this.separator(i, end, om ? 'an exemplar' : 'the end of the line');
      }
      if (i < end) {
        if (!om) throw new LineError(`unexpected ${describe(s, i, end)} after the timestamp`);
        this.exemplar(i, end);
      }
    }

    if (name === family.bucketName) this.checkBound(name, 'le', sampleStart, true);
    else if (family.view.type === 'summary' && name === family.view.name) {
      this.checkBound(name, 'quantile', sampleStart, false);
    }
    this.add(
      nameId,
      mix(Math.imul(nameId, GOLDEN) ^ this.labelsHash) & HASH_MASK,
      value,
      timestamp,
      family,
      sampleStart,
    );
  }

  /** Blanks between tokens: one space exactly in OpenMetrics, spaces and tabs in Prometheus text. */
  private separator(i: number, end: number, what: string): number {
    const s = this.s;
    const c = s.charCodeAt(i);
    if (this.openMetrics) {
      if (c !== SP) throw new LineError(this.expected(`a space then ${what}`, i, end));
      if (s.charCodeAt(i + 1) === SP || s.charCodeAt(i + 1) === TAB) {
        throw new LineError('more than one space between tokens (OpenMetrics separates them with exactly one)');
      }
      if (i + 1 === end) throw new LineError(`a space at the end of the line, expected ${what} after it`);
      return i + 1;
    }
    if (c !== SP && c !== TAB) throw new LineError(this.expected(`a space then ${what}`, i, end));
    return skipBlanks(s, i, end);
  }

  private expected(what: string, i: number, end: number): string {
    if (i >= end) return `the line ends where ${what} was expected`;
    return `expected ${what}, found ${describe(this.s, i, end)}`;
  }

  /**
   * The label block after `{`; returns the index after `}`. A sample's pairs go to `labelIds` and
   * their hashes to `labelsHash`; an exemplar's (`sample` false) are only checked.
   */
  private labels(i: number, end: number, sample: boolean): number {
    const s = this.s;
    const om = this.openMetrics;
    const first = this.pairEnd;
    let index = 0;
    let afterComma = false;
    for (;;) {
      if (!om) i = skipBlanks(s, i, end);
      let c = s.charCodeAt(i);
      if (c === RBRACE) {
        if (afterComma && om) throw new LineError('a comma before "}" (OpenMetrics allows no trailing comma)');
        return i + 1;
      }
      if (i >= end) throw new LineError('the line ends inside the label set (no closing "}")');

      // Label name: the previous sample's name at this position when the text matches, else looked up.
      let name = sample ? this.cachedNames[index] : undefined;
      let nameId: number;
      if (name !== undefined && textAt(s, i, name) && !is(s.charCodeAt(i + name.length), LABEL_CHAR)) {
        i += name.length;
        nameId = this.cachedNameIds[index]!;
      } else {
        if (!is(c, LABEL_START)) {
          throw new LineError(
            c === QUOTE
              ? 'quoted label names belong to newer format versions, which this parser does not read'
              : `expected a label name, found ${describe(s, i, end)}`,
          );
        }
        const start = i;
        let hash = FNV_OFFSET;
        do {
          hash = Math.imul(hash ^ c, FNV_PRIME);
          c = s.charCodeAt(++i);
        } while (i < end && is(c, LABEL_CHAR));
        nameId = this.symbol(start, i, hash);
        name = this.symbols[nameId]!;
        if (sample) {
          this.cachedNames[index] = name;
          this.cachedNameIds[index] = nameId;
        }
      }
      if (sample) {
        if (name === '__name__') throw new LineError('label __name__ in a label set (the metric name goes before "{")');
        const ids = this.labelIds;
        for (let k = first; k < this.pairEnd; k += 2) {
          if (ids[k] === nameId) throw new LineError(`label ${name} appears twice in one sample`);
        }
      }

      if (!om) i = skipBlanks(s, i, end);
      if (s.charCodeAt(i) !== EQUALS) throw new LineError(this.expected(`"=" after label ${name}`, i, end));
      i++;
      if (!om) i = skipBlanks(s, i, end);
      if (s.charCodeAt(i) !== QUOTE) throw new LineError(this.expected(`a quoted value for label ${name}`, i, end));
      i++;

      const cached = sample ? this.cachedValues[index] : undefined;
      let valueId: number;
      if (cached !== undefined && textAt(s, i, cached) && s.charCodeAt(i + cached.length) === QUOTE) {
        i += cached.length + 1;
        valueId = this.cachedValueIds[index]!;
      } else {
        const start = i;
        let escaped = false;
        let hash = FNV_OFFSET;
        for (;;) {
          if (i >= end) throw new LineError(`the value of label ${name} has no closing quote`);
          c = s.charCodeAt(i);
          if (c === QUOTE) break;
          hash = Math.imul(hash ^ c, FNV_PRIME);
          if (c === BACKSLASH) {
            escaped = true;
            i += 2;
          } else i++;
        }
        if (sample) {
          valueId = escaped ? this.escapedSymbol(unescapeLabelValue(s, start, i)) : this.symbol(start, i, hash);
          // Only escape-free values are reused by text match: their text and their value are the same.
          this.cachedValues[index] = escaped ? undefined : this.symbols[valueId];
          this.cachedValueIds[index] = valueId;
        } else valueId = -1;
        i++;
      }
      if (sample) {
        let ids = this.labelIds;
        if (this.pairEnd + 2 > ids.length) ids = this.labelIds = grown(ids, new Int32Array(ids.length * 2));
        ids[this.pairEnd++] = nameId;
        ids[this.pairEnd++] = valueId;
        this.labelsHash = (this.labelsHash + mix(Math.imul(nameId, GOLDEN) ^ valueId)) | 0;
      }
      index++;

      if (!om) i = skipBlanks(s, i, end);
      c = s.charCodeAt(i);
      if (c === COMMA) {
        afterComma = true;
        i++;
      } else if (c === RBRACE) {
        return i + 1;
      } else {
        throw new LineError(this.expected(`"," or "}" after the value of label ${name}`, i, end));
      }
    }
  }

  /** The id of `s[start, end)`: found by hash without a substring, or added. */
  private symbol(start: number, end: number, hash: number): number {
    const s = this.s;
    const symbols = this.symbols;
    const table = this.symbolTable;
    const hashes = this.symbolHashes;
    const mask = table.length - 1;
    const length = end - start;
    let slot = hash & mask;
    for (let entry = table[slot]!; entry !== 0; entry = table[slot]!) {
      if (hashes[slot] === hash) {
        const known = symbols[entry - 1]!;
        if (known.length === length && textAt(s, start, known)) return entry - 1;
      }
      slot = (slot + 1) & mask;
    }
    const id = symbols.length;
    symbols.push(s.slice(start, end));
    table[slot] = id + 1;
    hashes[slot] = hash;
    if (symbols.length * 2 > table.length) this.growSymbols();
    return id;
  }

  private escapedSymbol(value: string): number {
    let id = this.escapedSymbols.get(value);
    if (id === undefined) {
      id = this.symbols.length;
      this.symbols.push(value);
      this.escapedSymbols.set(value, id);
    }
    return id;
  }

  private growSymbols(): void {
    const oldTable = this.symbolTable;
    const oldHashes = this.symbolHashes;
    const table = new Int32Array(oldTable.length * 2);
    const hashes = new Int32Array(table.length);
    const mask = table.length - 1;
    for (let k = 0; k < oldTable.length; k++) {
      if (oldTable[k] === 0) continue;
      let slot = oldHashes[k]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = oldTable[k]!;
      hashes[slot] = oldHashes[k]!;
    }
    this.symbolTable = table;
    this.symbolHashes = hashes;
  }

  /** ` # {labels} value [timestamp]` after an OpenMetrics sample: checked, counted, dropped. */
  private exemplar(i: number, end: number): void {
    const s = this.s;
    if (s.charCodeAt(i) !== HASH || s.charCodeAt(i + 1) !== SP || s.charCodeAt(i + 2) !== LBRACE) {
      throw new LineError(this.expected('an exemplar ("# {labels} value") or the end of the line', i, end));
    }
    i = this.labels(i + 3, end, false);
    i = this.separator(i, end, 'the exemplar value');
    let tokenEnd = tokenEndAt(s, i, end);
    if (parseFloatToken(s, i, tokenEnd) === undefined) {
      throw new LineError(`invalid exemplar value ${quoteToken(s, i, tokenEnd)}`);
    }
    i = tokenEnd;
    if (i < end) {
      i = this.separator(i, end, 'the exemplar timestamp');
      tokenEnd = tokenEndAt(s, i, end);
      if (parseSecondsTokenToMillis(s, i, tokenEnd) === undefined) {
        throw new LineError(`invalid exemplar timestamp ${quoteToken(s, i, tokenEnd)}`);
      }
      if (tokenEnd < end) throw new LineError(`unexpected ${describe(s, tokenEnd, end)} after the exemplar`);
    }
    this.exemplars++;
  }

  /** A histogram bucket needs a float `le`; a summary's `quantile`, when given, must be a float. */
  private checkBound(name: string, bound: string, from: number, required: boolean): void {
    const ids = this.labelIds;
    const symbols = this.symbols;
    for (let k = from; k < this.pairEnd; k += 2) {
      if (symbols[ids[k]!] === bound) {
        const text = symbols[ids[k + 1]!]!;
        if (parseFloatToken(text, 0, text.length) === undefined) {
          throw new LineError(`label ${bound}="${text}" of ${name} is not a float`);
        }
        return;
      }
    }
    if (!required) return;
    // OpenMetrics requires le; Prometheus text scrapes (expfmt and Prometheus alike) take such a bucket.
    if (this.openMetrics) throw new LineError(`histogram bucket ${name} has no le label`);
    this.warn(`histogram bucket ${name} has no le label`);
  }

  private add(
    nameId: number,
    hash: number,
    value: number,
    timestamp: number,
    family: FamilyState,
    sampleStart: number,
  ): void {
    const line = this.line;
    const index = this.size;

    // Duplicates: the same name and label set (in any order: Prometheus sorts labels) at the same time.
    let table = this.seen;
    let mask = table.length - 1;
    let slot = hash & mask;
    for (let entry = table[slot]!; entry !== 0; entry = table[slot]!) {
      const other = entry - 1;
      if (this.hashes[other] === hash && this.sameSeries(other, nameId, sampleStart)) {
        const otherTime = this.timestamps[other]!;
        if (otherTime === timestamp || (Number.isNaN(otherTime) && Number.isNaN(timestamp))) {
          this.warn(
            `duplicate series ${this.seriesText(nameId, sampleStart, this.pairEnd)} (first at line ${this.lines[other]}); this sample is dropped`,
          );
          this.pairEnd = sampleStart;
          return;
        }
        break; // the same series at another explicit time: kept, and this slot now points at it
      }
      slot = (slot + 1) & mask;
    }
    if (index >= this.maxSamples) {
      this.sampleLimitExceeded = true;
      throw new LineError(`more than ${this.maxSamples} samples: the sample limit is exceeded, the scrape fails`);
    }

    if (family !== this.currentFamily) {
      if (family.samples > 0 && !family.interleaveReported) {
        family.interleaveReported = true;
        this.warn(
          `samples of ${family.view.name} resume here after other metrics (first at line ${family.firstSampleLine}); each family should be one group`,
        );
      }
      this.currentFamily = family;
    }
    if (family.samples++ === 0) family.firstSampleLine = line;

    if (index + 1 >= this.values.length) {
      this.growColumns();
      table = this.seen;
      mask = table.length - 1;
      slot = hash & mask;
      while (table[slot] !== 0 && !this.sameSeries(table[slot]! - 1, nameId, sampleStart)) slot = (slot + 1) & mask;
    }
    table[slot] = index + 1;
    if (family.id < 0) family.id = this.familyList.push(family.view) - 1;
    this.familyIds[index] = family.id;
    this.nameIds[index] = nameId;
    this.values[index] = value;
    this.timestamps[index] = timestamp;
    this.lines[index] = line;
    this.hashes[index] = hash;
    this.labelStart[index + 1] = this.pairEnd;
    this.size = index + 1;
  }

  private sameSeries(other: number, nameId: number, from: number): boolean {
    if (this.nameIds[other] !== nameId) return false;
    const ids = this.labelIds;
    const to = this.pairEnd;
    const otherFrom = this.labelStart[other]!;
    const otherTo = this.labelStart[other + 1]!;
    if (otherTo - otherFrom !== to - from) return false;
    outer: for (let k = from; k < to; k += 2) {
      for (let j = otherFrom; j < otherTo; j += 2) {
        if (ids[j] === ids[k]) {
          if (ids[j + 1] !== ids[k + 1]) return false;
          continue outer;
        }
      }
      return false;
    }
    return true;
  }

  /** A series as Prometheus text writes it, for messages. */
  private seriesText(nameId: number, from: number, to: number): string {
    const symbols = this.symbols;
    const pairs: string[] = [];
    for (let k = from; k < to; k += 2) {
      pairs.push(`${symbols[this.labelIds[k]!]}=${JSON.stringify(symbols[this.labelIds[k + 1]!])}`);
    }
    return pairs.length === 0 ? symbols[nameId]! : `${symbols[nameId]}{${pairs.join(',')}}`;
  }

  /** Doubles every column and the duplicate table (re-placed from the kept hashes, nothing rehashed). */
  private growColumns(): void {
    const capacity = this.values.length * 2;
    this.nameIds = grown(this.nameIds, new Int32Array(capacity));
    this.familyIds = grown(this.familyIds, new Int32Array(capacity));
    this.labelStart = grown(this.labelStart, new Int32Array(capacity + 1));
    this.values = grown(this.values, new Float64Array(capacity));
    this.timestamps = grown(this.timestamps, new Float64Array(capacity));
    this.lines = grown(this.lines, new Int32Array(capacity));
    this.hashes = grown(this.hashes, new Int32Array(capacity));
    const table = new Int32Array(capacity * 2);
    const mask = table.length - 1;
    for (const entry of this.seen) {
      if (entry === 0) continue;
      let slot = this.hashes[entry - 1]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = entry;
    }
    this.seen = table;
  }

  /**
   * The family a sample name belongs to: a typed family by that name or by the name minus a suffix
   * its type owns (`x_bucket` → histogram `x`), else an implicit untyped (OpenMetrics: unknown) one.
   */
  private familyOf(name: string): FamilyState {
    const families = this.families;
    const suffixes = this.openMetrics ? OPENMETRICS_SUFFIXES : TEXT_SUFFIXES;
    const exact = families.get(name);
    if (exact !== undefined && exact.typed) {
      const owned = suffixes[exact.view.type];
      if (this.openMetrics && owned !== undefined && !owned.includes('')) {
        this.warn(`sample ${name} of ${exact.view.type} ${name} should be named ${name}${owned.join(` or ${name}`)}`);
      }
      return exact;
    }
    const underscore = name.lastIndexOf('_');
    if (underscore > 0) {
      const base = families.get(name.slice(0, underscore));
      if (base !== undefined && base.typed && suffixes[base.view.type]?.includes(name.slice(underscore))) return base;
    }
    if (exact !== undefined) return exact;
    const family = newFamily(name, this.openMetrics ? 'unknown' : 'untyped');
    families.set(name, family);
    return family;
  }

  // --- comments and descriptors --------------------------------------------------------------------

  private comment(lineStart: number, end: number): void {
    if (this.openMetrics) this.openMetricsDescriptor(lineStart, end);
    else this.textComment(lineStart, end);
  }

  /** Prometheus text: `# HELP name text` and `# TYPE name type`; any other `#` line is a comment. */
  private textComment(lineStart: number, end: number): void {
    const s = this.s;
    const i = skipBlanks(s, lineStart + 1, end);
    const keyword = s.startsWith('HELP', i) ? 'HELP' : s.startsWith('TYPE', i) ? 'TYPE' : undefined;
    if (keyword === undefined || i + 4 >= end) return;
    const after = s.charCodeAt(i + 4);
    if (after !== SP && after !== TAB) return;
    const nameStart = skipBlanks(s, i + 4, end);
    const name = this.descriptorName(nameStart, end);
    let rest = skipBlanks(s, nameStart + name.length, end);
    if (keyword === 'HELP') {
      if (rest < end && s.charCodeAt(end - 1) === CR) throw new LineError(CR_MESSAGE);
      this.setHelp(name, unescapeHelp(s, rest, end, false));
      return;
    }
    const typeEnd = tokenEndAt(s, rest, end);
    const type = s.slice(rest, typeEnd);
    if (!TEXT_TYPES.has(type)) throw new LineError(`unknown metric type ${JSON.stringify(type)} in # TYPE ${name}`);
    rest = skipBlanks(s, typeEnd, end);
    if (rest < end) throw new LineError(`unexpected ${describe(s, rest, end)} after # TYPE ${name} ${type}`);
    this.setType(name, type as MetricType);
  }

  /** OpenMetrics: exactly `# HELP name text`, `# TYPE name type`, `# UNIT name unit` or `# EOF`. */
  private openMetricsDescriptor(lineStart: number, end: number): void {
    const s = this.s;
    if (end - lineStart === 5 && s.startsWith('# EOF', lineStart)) {
      this.eof = true;
      return;
    }
    const i = lineStart + 2;
    const keyword = s.charCodeAt(lineStart + 1) !== SP || s.charCodeAt(i + 4) !== SP ? undefined : s.slice(i, i + 4);
    if (keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') {
      if (s.charCodeAt(end - 1) === CR && s.startsWith('# EOF', lineStart)) throw new LineError(CR_MESSAGE);
      throw new LineError('OpenMetrics allows no comments: a "#" line must be # HELP, # TYPE, # UNIT or # EOF');
    }
    const nameStart = i + 5;
    const name = this.descriptorName(nameStart, end);
    const nameEnd = nameStart + name.length;
    if (keyword === 'HELP' && nameEnd === end) {
      this.setHelp(name, '');
      return;
    }
    if (s.charCodeAt(nameEnd) !== SP)
      throw new LineError(this.expected(`a space after # ${keyword} ${name}`, nameEnd, end));
    const rest = nameEnd + 1;
    if (s.charCodeAt(end - 1) === CR) throw new LineError(CR_MESSAGE);
    if (keyword === 'HELP') {
      this.setHelp(name, unescapeHelp(s, rest, end, true));
    } else if (keyword === 'TYPE') {
      const type = s.slice(rest, end);
      if (!OPENMETRICS_TYPES.has(type)) {
        throw new LineError(`unknown metric type ${JSON.stringify(type)} in # TYPE ${name}`);
      }
      this.setType(name, type as MetricType);
    } else {
      const unit = s.slice(rest, end);
      for (let k = 0; k < unit.length; k++) {
        if (!is(unit.charCodeAt(k), METRIC_CHAR))
          throw new LineError(`invalid unit ${JSON.stringify(unit)} in # UNIT ${name}`);
      }
      if (unit !== '' && !name.endsWith(`_${unit}`)) {
        throw new LineError(
          `unit ${unit} is not a suffix of the metric name ${name} (OpenMetrics requires ${name} to end in _${unit})`,
        );
      }
      this.setUnit(name, unit);
    }
  }

  private descriptorName(start: number, end: number): string {
    const s = this.s;
    if (!is(s.charCodeAt(start), METRIC_START)) throw new LineError(this.expected('a metric name', start, end));
    let i = start + 1;
    while (i < end && is(s.charCodeAt(i), METRIC_CHAR)) i++;
    return s.slice(start, i);
  }

  /** The family a descriptor names, created typed-less if new; a descriptor breaks the sample-name cache. */
  private describedFamily(name: string, what: string): FamilyState {
    this.previousName = '';
    let family = this.families.get(name);
    if (family === undefined) {
      family = newFamily(name, this.openMetrics ? 'unknown' : 'untyped');
      this.families.set(name, family);
    } else if (family.samples > 0) {
      this.warn(
        `${what} for ${name} comes after its samples (first at line ${family.firstSampleLine}); it belongs before them`,
      );
    }
    return family;
  }

  private setType(name: string, type: MetricType): void {
    const family = this.describedFamily(name, '# TYPE');
    if (family.typed) {
      this.warn(`second # TYPE for ${name}; the first (${family.view.type}) is kept`);
      return;
    }
    if (family.samples > 0) return;
    family.typed = true;
    family.view.type = type;
    if (type === 'histogram' || type === 'gaugehistogram') family.bucketName = `${name}_bucket`;
  }

  private setHelp(name: string, help: string): void {
    const family = this.describedFamily(name, '# HELP');
    if (family.view.help !== undefined) this.warn(`second # HELP for ${name}; the first is kept`);
    else family.view.help = help;
  }

  private setUnit(name: string, unit: string): void {
    const family = this.describedFamily(name, '# UNIT');
    if (family.view.unit !== undefined) this.warn(`second # UNIT for ${name}; the first is kept`);
    else family.view.unit = unit;
  }
}

const CR_MESSAGE = 'carriage return at the end of the line: the format requires \\n line endings, not \\r\\n';

function newFamily(name: string, type: MetricType): FamilyState {
  return {
    view: { name, type, help: undefined, unit: undefined },
    typed: false,
    samples: 0,
    firstSampleLine: 0,
    bucketName: undefined,
    interleaveReported: false,
    id: -1,
  };
}

function skipBlanks(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== SP && c !== TAB) break;
    i++;
  }
  return i;
}

function tokenEndAt(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === SP || c === TAB) break;
    i++;
  }
  return i;
}

/** A token for an error message: JSON-quoted (so a \r shows), cut at 40 characters. */
function quoteToken(s: string, start: number, end: number): string {
  if (s.charCodeAt(end - 1) === CR)
    return `${JSON.stringify(s.slice(start, Math.min(end, start + 40)))} (${CR_MESSAGE})`;
  return JSON.stringify(s.slice(start, Math.min(end, start + 40)));
}

function describe(s: string, i: number, end: number): string {
  if (i >= end) return 'the end of the line';
  if (s.charCodeAt(i) === CR && i === end - 1) return `a carriage return (${CR_MESSAGE})`;
  return JSON.stringify(s.slice(i, Math.min(end, i + 20)));
}

/**
 * `\\`, `\"` and `\n` as both specs define them. Any other backslash pair is kept as written, as
 * Prometheus keeps it (expfmt would refuse it, but it is Prometheus's behaviour a scrape must match).
 */
function unescapeLabelValue(s: string, start: number, end: number): string {
  let out = '';
  let run = start;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) !== BACKSLASH) continue;
    const next = s.charCodeAt(i + 1);
    const replacement = next === BACKSLASH ? '\\' : next === QUOTE ? '"' : next === 110 ? '\n' : undefined;
    if (replacement !== undefined) {
      out += s.slice(run, i) + replacement;
      run = i + 2;
    }
    i++;
  }
  return out + s.slice(run, end);
}

/** HELP text: `\\` and `\n` (Prometheus text), plus `\"` in OpenMetrics, where HELP is an escaped string. */
function unescapeHelp(s: string, start: number, end: number, openMetrics: boolean): string {
  const raw = s.slice(start, end);
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    const next = raw.charCodeAt(i + 1);
    if (c === BACKSLASH && (next === BACKSLASH || next === 110 || (openMetrics && next === QUOTE))) {
      out += next === 110 ? '\n' : raw[i + 1];
      i++;
    } else out += raw[i];
  }
  return out;
}

/** Hashes stay within V8's small-integer range so table slots and keys never allocate. */
const HASH_MASK = 0x3fffffff;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const GOLDEN = 0x9e3779b1 | 0;

/** Murmur3's finaliser: spreads FNV's weak low bits before pair hashes are summed (an order-free combination). */
function mix(hash: number): number {
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/** Whether `s` holds `text` at `at`: a plain loop, which the JIT inlines, where startsWith is a builtin call. */
function textAt(s: string, at: number, text: string): boolean {
  for (let k = 0; k < text.length; k++) if (s.charCodeAt(at + k) !== text.charCodeAt(k)) return false;
  return true;
}

function powerOfTwoAbove(n: number): number {
  let size = 1024;
  while (size < n) size *= 2;
  return size;
}

function grown<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

interface Columns {
  readonly size: number;
  readonly symbols: readonly string[];
  readonly nameIds: Int32Array;
  readonly labelStart: Int32Array;
  readonly labelIds: Int32Array;
  readonly values: Float64Array;
  readonly timestamps: Float64Array;
  readonly lines: Int32Array;
  readonly familyIds: Int32Array;
  readonly familyList: readonly MetricFamily[];
  readonly families: ReadonlyMap<string, MetricFamily>;
  readonly exemplarsIgnored: number;
}

/** The parsed page: its columns, and one sample as an object on request. */
class Page implements ParsedPage {
  readonly ok = true;
  readonly size: number;
  readonly symbols: readonly string[];
  readonly nameIds: Int32Array;
  readonly labelStart: Int32Array;
  readonly labelIds: Int32Array;
  readonly values: Float64Array;
  readonly timestamps: Float64Array;
  readonly lines: Int32Array;
  readonly familyIds: Int32Array;
  readonly familyList: readonly MetricFamily[];
  readonly families: ReadonlyMap<string, MetricFamily>;
  readonly exemplarsIgnored: number;

  constructor(
    readonly format: ExpositionFormat,
    readonly warnings: readonly ExpositionProblem[],
    readonly warningsOmitted: number,
    columns: Columns,
  ) {
    this.size = columns.size;
    this.symbols = columns.symbols;
    this.nameIds = columns.nameIds;
    this.labelStart = columns.labelStart;
    this.labelIds = columns.labelIds;
    this.values = columns.values;
    this.timestamps = columns.timestamps;
    this.lines = columns.lines;
    this.familyIds = columns.familyIds;
    this.familyList = columns.familyList;
    this.families = columns.families;
    this.exemplarsIgnored = columns.exemplarsIgnored;
  }

  sample(index: number): ScrapedSample {
    if (!(index >= 0 && index < this.size)) throw new RangeError(`no sample ${index} (the page has ${this.size})`);
    const labels: string[] = [];
    for (let k = this.labelStart[index]!; k < this.labelStart[index + 1]!; k++) {
      labels.push(this.symbols[this.labelIds[k]!]!);
    }
    const time = this.timestamps[index]!;
    return {
      name: this.symbols[this.nameIds[index]!]!,
      labels,
      value: this.values[index]!,
      timestamp: Number.isNaN(time) ? undefined : time,
      family: this.familyList[this.familyIds[index]!]!,
      line: this.lines[index]!,
    };
  }
}

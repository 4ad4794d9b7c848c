/** A set of label names to values: series dimensions, rule labels, event labels. */
export type Labels = Readonly<Record<string, string>>;

export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One Prometheus-style label matcher, e.g. `severity="critical"` or `target=~"https://.*"`. */
export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
  /** Compiled, anchored as Prometheus anchors it, for `=~` and `!~`. */
  readonly regex?: RegExp;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;

export class MatcherSyntaxError extends Error {
  override readonly name = 'MatcherSyntaxError';
}

/**
 * Parses `name="value"`, `name!="value"`, `name=~"re"`, `name!~"re"`; throws MatcherSyntaxError.
 * The quoted value is read as PromQL and Alertmanager read it, by Go's string-literal rules; a
 * regex is anchored at both ends, as Prometheus anchors it, and may start with Go's inline flags.
 */
export function parseMatcher(text: string): LabelMatcher {
  const match = MATCHER.exec(text);
  if (!match) {
    throw new MatcherSyntaxError(
      `not a label matcher: ${JSON.stringify(text)} (expected name="value", name!="value", name=~"regex" or name!~"regex")`,
    );
  }
  const [, name, op, raw] = match as unknown as [string, string, MatchOp, string];
  const isRegex = op === '=~' || op === '!~';
  const value = unquoteGoString(raw, isRegex);
  if (isRegex) return { name, op, value, regex: compileAnchored(value, text) };
  return { name, op, value };
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
  '"': 0x22,
  // Go accepts \' only between single quotes; it can mean nothing but a quote, so it is read here too.
  "'": 0x27,
};
const HEX_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body of a double-quoted Go string literal, decoded as Go's strconv.Unquote does: the
 * escapes \a \b \f \n \r \t \v \\ \" (and \'), octal \NNN and hex \xHH bytes, \uHHHH and
 * \UHHHHHHHH code points; the resulting bytes must be valid UTF-8. Hand-written because no library
 * reads Go literals, and JSON's rules differ (no \x, \a, \v, octal or \U; \/ allowed). Any other
 * escape is refused: keeping only the character after the backslash would quietly turn the regex
 * `pacs-\d+` into `pacs-d+`.
 */
function unquoteGoString(raw: string, isRegex: boolean): string {
  if (!raw.includes('\\')) return raw;
  const bytes: number[] = [];
  // The escape is named as written; the whole matcher is not repeated, because its JSON-quoted form
  // doubles every backslash and would make `\\d` and `\d` impossible to tell apart.
  const fail = (detail: string): never => {
    throw new MatcherSyntaxError(detail);
  };
  for (let i = 0; i < raw.length;) {
    const char = raw[i]!;
    if (char !== '\\') {
      const codePoint = raw.codePointAt(i)!;
      const piece = String.fromCodePoint(codePoint);
      for (const byte of utf8.encode(piece)) bytes.push(byte);
      i += piece.length;
      continue;
    }
    const kind = raw[i + 1]!;
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) {
      bytes.push(simple);
      i += 2;
    } else if (kind in HEX_DIGITS) {
      const length = HEX_DIGITS[kind]!;
      const digits = raw.slice(i + 2, i + 2 + length);
      if (!new RegExp(`^[0-9A-Fa-f]{${length}}$`).test(digits)) {
        fail(`escape \\${kind} needs exactly ${length} hex digits`);
      }
      const number = Number.parseInt(digits, 16);
      if (kind === 'x') bytes.push(number);
      else if (number > 0x10ffff || (number >= 0xd800 && number <= 0xdfff)) {
        fail(
          `escape \\${kind}${digits} is not a Unicode code point (surrogate halves and values above 10FFFF are not)`,
        );
      } else for (const byte of utf8.encode(String.fromCodePoint(number))) bytes.push(byte);
      i += 2 + length;
    } else if (kind >= '0' && kind <= '7') {
      const digits = raw.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits)) fail(`octal escape \\${digits} needs exactly 3 octal digits`);
      const number = Number.parseInt(digits, 8);
      if (number > 0xff) fail(`octal escape \\${digits} is above \\377`);
      bytes.push(number);
      i += 4;
    } else {
      const shown = String.fromCodePoint(raw.codePointAt(i + 1)!);
      const fix = isRegex
        ? `to pass \\${shown} to the regex, write \\\\${shown}`
        : `for a backslash followed by ${shown}, write \\\\${shown}`;
      fail(
        `unknown escape \\${shown} (quoted values follow Go string rules: \\n \\t \\\\ \\" \\xHH \\uHHHH …); ${fix}`,
      );
    }
  }
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    return fail('the escapes do not form valid UTF-8 (\\xc3\\xa9 is é; \\xc3 alone is nothing)');
  }
}

/** Go's inline flags that JS RegExp honours as flags of the whole expression. */
const JS_FLAGS = new Set(['i', 'm', 's']);
const LEADING_FLAGS = /^\(\?([A-Za-z]*)(?:-([A-Za-z]*))?\)/;
const INLINE_FLAGS = /\(\?[-A-Za-z]+[:)]/;

/**
 * Compiles a regex fully anchored, as Prometheus and Alertmanager anchor theirs. Go's leading
 * inline flags (`(?i)`, `(?s)`, `(?m)`, `(?is)`, `(?i)(?s)`) become JS flags; Node 20's RegExp has
 * no inline flags, so flags anywhere else, and Go's `U` (ungreedy), are refused with the fix.
 */
export function compileAnchored(source: string, matcher: string): RegExp {
  let body = source;
  const flags = new Set<string>();
  for (let lead = LEADING_FLAGS.exec(body); lead !== null; lead = LEADING_FLAGS.exec(body)) {
    const [group, set = '', clear = ''] = lead;
    if (set === '' && clear === '') break;
    for (const flag of set + clear) {
      if (flag === 'U') {
        throw new MatcherSyntaxError(
          'the ungreedy flag (?U) has no JS RegExp equivalent: write lazy quantifiers (*?, +?) instead',
        );
      }
      if (!JS_FLAGS.has(flag)) {
        throw new MatcherSyntaxError(`unknown regex flag ${flag} in ${group} (flags: i, m, s)`);
      }
    }
    for (const flag of set) flags.add(flag);
    for (const flag of clear) flags.delete(flag);
    body = body.slice(group.length);
  }
  // Go scopes flags set inside the anchoring group to it, so with (?m) the anchors must still mean
  // start and end of the whole value: lookarounds for "no character before/after" do, whatever m says.
  const anchored = flags.has('m') ? `(?<![\\s\\S])(?:${body})(?![\\s\\S])` : `^(?:${body})$`;
  try {
    return new RegExp(anchored, [...flags].sort().join(''));
  } catch (error) {
    if (INLINE_FLAGS.test(body)) {
      throw new MatcherSyntaxError(
        'inline regex flags work only at the start of the regex, e.g. (?i)pacs-.* (JS RegExp cannot switch flags part-way)',
      );
    }
    throw new MatcherSyntaxError(`invalid regex in ${JSON.stringify(matcher)}: ${(error as Error).message}`);
  }
}

/** A missing label matches as the empty string, as in Prometheus. */
export function matchesOne(matcher: LabelMatcher, labels: Labels): boolean {
  return matchesValue(matcher, labels[matcher.name] ?? '');
}

/** The matcher applied to one label value, for callers that hold values rather than label sets. */
export function matchesValue(matcher: LabelMatcher, value: string): boolean {
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return matcher.regex!.test(value);
    case '!~':
      return !matcher.regex!.test(value);
  }
}

export function matchesAll(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  for (const matcher of matchers) if (!matchesOne(matcher, labels)) return false;
  return true;
}

/** Stable identity of a label set: sorted `name=value` pairs joined by unit separators. */
export function labelsKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}\u001f${labels[name]}`)
    .join('\u001e');
}

/**
 * A short stable fingerprint of a label set (FNV-1a 64-bit over `labelsKey`, hex), for alert
 * instance ids. Hand-written because it must be synchronous and dependency-free in the pure domain;
 * the 64-bit product is kept in four 16-bit words because BigInt arithmetic was ~4× slower, and
 * rule evaluation fingerprints up to 100,000 series per cycle.
 */
export function fingerprint(labels: Labels): string {
  const key = labelsKey(labels);
  // Offset basis 0xcbf29ce484222325, least significant word first.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = 0; i < key.length; i++) {
    h0 ^= key.charCodeAt(i);
    // × prime 0x100000001b3 = 2^40 + 0x1b3, modulo 2^64.
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return (h3 * 0x10000 + h2).toString(16).padStart(8, '0') + (h1 * 0x10000 + h0).toString(16).padStart(8, '0');
}

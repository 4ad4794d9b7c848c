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

/** Parses `name="value"`, `name!="value"`, `name=~"re"`, `name!~"re"`; throws MatcherSyntaxError. */
export function parseMatcher(text: string): LabelMatcher {
  const match = MATCHER.exec(text);
  if (!match) {
    throw new MatcherSyntaxError(
      `not a label matcher: ${JSON.stringify(text)} (expected name="value", name!="value", name=~"regex" or name!~"regex")`,
    );
  }
  const [, name, op, raw] = match as unknown as [string, string, MatchOp, string];
  const value = raw.replace(/\\(.)/g, '$1');
  if (op === '=~' || op === '!~') {
    try {
      return { name, op, value, regex: new RegExp(`^(?:${value})$`) };
    } catch (error) {
      throw new MatcherSyntaxError(`invalid regex in ${JSON.stringify(text)}: ${(error as Error).message}`);
    }
  }
  return { name, op, value };
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

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
  const actual = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return matcher.regex!.test(actual);
    case '!~':
      return !matcher.regex!.test(actual);
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
 * A short stable fingerprint of a label set (FNV-1a 64-bit, hex), for alert instance ids.
 * Hand-written because it must be synchronous and dependency-free in the pure domain.
 */
export function fingerprint(labels: Labels): string {
  let hash = 0xcbf29ce484222325n;
  const key = labelsKey(labels);
  for (let i = 0; i < key.length; i++) {
    hash ^= BigInt(key.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

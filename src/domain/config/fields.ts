import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { parseMatcher } from '../labels.js';

/**
 * Field schemas the site config is built from. Each one checks its own value and turns it into
 * the normalised form (durations → ms, matchers → compiled), so error paths stay precise.
 * Messages never echo a value that could be a secret: only durations, matchers, ids and zones.
 */

export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const LABEL_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DURATION_PATTERN = '^(0|([0-9]+(ms|s|m|h|d|w))+)$';
const HH_MM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
export const MAX_SENSIBLE_MS = 24 * 3_600_000;

/** Type errors name what was expected and what type was found, never the value itself. */
function expected(what: string) {
  // A schema's `error` also words its checks' issues (too small, …); leave those to the shared wording.
  return (issue: { code?: string; input?: unknown }) => {
    if (issue.code !== 'invalid_type') return undefined;
    return issue.input === undefined ? 'required' : `expected ${what}, got ${describeType(issue.input)}`;
  };
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'object':
      return 'a mapping';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return typeof value;
  }
}

export const id = z
  .string({ error: expected('an id') })
  .regex(ID_PATTERN, 'must be 1–63 lower-case letters, digits or hyphens, starting with a letter or digit');

export const labels = z
  .record(
    z
      .string()
      .regex(LABEL_NAME_PATTERN, 'is not a valid label name (letters, digits and _, not starting with a digit)'),
    z.string({ error: expected('a string (quote numbers and booleans)') }),
  )
  .default({});

interface DurationOptions {
  /** Zero is refused (intervals, timeouts). */
  readonly positive?: boolean;
  /** Upper bound, for `for` and `keep_firing_for`. */
  readonly atMostMs?: number;
}

/** A Prometheus-style duration string (`30s`, `5m`, `1h30m`) parsed to milliseconds. */
export function duration(options: DurationOptions = {}) {
  return z
    .string({ error: expected('a duration such as 30s, 5m or 4h') })
    .meta({ pattern: DURATION_PATTERN, examples: ['30s', '5m', '4h'] })
    .transform((text, ctx) => {
      let ms: number;
      try {
        ms = parseDuration(text);
      } catch (error) {
        ctx.issues.push({ code: 'custom', message: (error as Error).message, input: text });
        return z.NEVER;
      }
      if (options.positive && ms === 0) {
        ctx.issues.push({ code: 'custom', message: 'must be longer than 0', input: text });
      } else if (options.atMostMs !== undefined && ms > options.atMostMs) {
        ctx.issues.push({ code: 'custom', message: 'longer than anything sensible: at most 24h', input: text });
      }
      return ms;
    });
}

/** A Prometheus label matcher string, compiled (invalid regexes are reported here). */
export const matcher = z
  .string({ error: expected('a label matcher such as severity="critical"') })
  .meta({ examples: ['severity="critical"', 'probe=~"pfsw-.*"'] })
  .transform((text, ctx) => {
    try {
      return parseMatcher(text);
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: (error as Error).message, input: text });
      return z.NEVER;
    }
  });

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const timezone = z
  .string({ error: expected('an IANA time zone such as Europe/Amsterdam') })
  .superRefine((name, ctx) => {
    if (!isTimeZone(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown time zone ${JSON.stringify(name)} (use an IANA name such as Europe/Amsterdam, or UTC)`,
      });
    }
  });

/** An ISO 8601 instant with an explicit offset (`Z` or `+01:00`), as epoch ms. */
export const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with an offset, e.g. 2026-11-24T22:00:00+01:00' })
  .transform((text) => Date.parse(text));

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });

/**
 * A whole number. Not `z.int()`: its failure aborts the whole parse, which would hide the
 * cross-field errors that one run is meant to list alongside it.
 */
export function wholeNumber(minimum: number) {
  return z
    .number({ error: expected('a whole number') })
    .min(minimum)
    .refine(Number.isInteger, 'must be a whole number')
    .meta({ type: 'integer' });
}

/** `HH:MM` on a 24-hour clock, as minutes after midnight. */
export const clockTime = z
  .string({ error: expected('a time of day such as 03:00') })
  .regex(HH_MM, 'must be a time of day as HH:MM (00:00 to 23:59)')
  .transform((text) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5)));

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]/]+):([0-9]{1,5})$/;

/** `host:port` to listen on; port 0 picks a free one. */
export const listenAddress = z.string({ error: expected('host:port') }).refine((text) => {
  const match = HOST_PORT.exec(text);
  return match !== null && Number(match[2]) <= 65_535;
}, 'must be host:port, e.g. 127.0.0.1:8080 (port 0 picks a free one)');

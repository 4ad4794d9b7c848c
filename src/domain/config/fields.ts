import * as z from 'zod';
import { parseDuration } from '../duration.js';
import { parseMatcher } from '../labels.js';

/**
 * Field schemas the site config is built from. Each one checks its own value and turns it into
 * the normalised form (durations → ms, matchers → compiled), so error paths stay precise.
 * Messages never echo a value that could be a secret: only durations, matchers, ids and zones.
 */

export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const LABEL_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Prometheus' grammar: units from largest to smallest, each at most once; the lookahead refuses "".
const DURATION_PATTERN = '^(0|(?=[0-9])([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$';
const HH_MM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
/**
 * Upper bounds of durations, chosen so that a typo (`30d` for `30s`) is refused rather than run:
 * each is well beyond what the setting is for. They also keep every timer far below Node's
 * 2³¹−1 ms limit, although the timers chain longer waits anyway (src/domain/long-timeout.ts).
 */
export const BOUNDS = {
  /** Probe and rule-group intervals, `for`, `keep_firing_for`, queued retries, demo target phases. */
  day: '24h',
  /** Probe timeouts: a check that needs longer is not a health check. */
  timeout: '5m',
  /** Route group_wait and delivery backoffs: a notification held longer is late. */
  hour: '1h',
  /** Reminders: one less often than monthly reminds nobody. */
  repeat: '30d',
} as const;
export const MAX_SENSIBLE_MS = parseDuration(BOUNDS.day);

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
  /** Upper bound, one of BOUNDS. */
  readonly atMost?: string;
}

/** A Prometheus-style duration string (`30s`, `5m`, `1h30m`) parsed to milliseconds. */
export function duration(options: DurationOptions = {}) {
  const atMostMs = options.atMost === undefined ? undefined : parseDuration(options.atMost);
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
      } else if (atMostMs !== undefined && ms > atMostMs) {
        ctx.issues.push({
          code: 'custom',
          message: `longer than anything sensible: at most ${options.atMost}`,
          input: text,
        });
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

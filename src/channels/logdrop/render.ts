import type { AlertEvent } from '../../domain/alerts/event.js';

/**
 * The log drop's payload: the exact alert event JSON (docs/contracts.md, "Alert event v1"), one per line.
 * JSON.stringify never emits a raw newline, but it leaves U+2028/U+2029 as they are, and some
 * line readers (Python's splitlines, old JavaScript) break lines there: escape them too, which
 * is still the same JSON value.
 */
export function renderJsonLines(events: readonly AlertEvent[]): string {
  return events.map((event) => `${JSON.stringify(event).replace(/[\u2028\u2029]/g, escapeSeparator)}\n`).join('');
}

function escapeSeparator(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16)}`;
}

/** A site id as a single, safe path segment (site ids are slugs already; this guards the filesystem). */
export function siteSegment(site: string): string {
  const safe = site.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' || /^\.+$/.test(safe) ? `_${safe}` : safe;
}

/** `20261124T103100Z`: ISO 8601 basic format, sorts as time does. */
export function compactUtc(epochMs: number, withMillis = false): string {
  const iso = new Date(epochMs).toISOString(); // 2026-11-24T10:31:00.123Z
  const basic = iso.replace(/[-:]/g, '');
  return withMillis ? basic : basic.replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A directory log drop file name: `<site>-<UTC time opened>.jsonl`, and `_001`, `_002`… for
 * files opened within the same second. `.` sorts before `_`, so names sort in opening order.
 */
export function logDropFileName(site: string, openedAtMs: number, sequence = 0): string {
  const seq = sequence === 0 ? '' : `_${String(sequence).padStart(3, '0')}`;
  return `${siteSegment(site)}-${compactUtc(openedAtMs)}${seq}.jsonl`;
}

/** Matches the names logDropFileName produces for one site, so a restart resumes the newest file. */
export function logDropFilePattern(site: string): RegExp {
  const escaped = siteSegment(site).replace(/[.]/g, '\\.');
  return new RegExp(`^${escaped}-\\d{8}T\\d{6}Z(_\\d{3,})?\\.jsonl$`);
}

/**
 * An S3 log drop object key: `PREFIX/site=SITE/YYYY/MM/DD/HH/<UTC time with ms>-<suffix>.jsonl`.
 * Hive-style `site=` lets Athena or Glue partition on it; the hour folders keep listings short.
 */
export function logDropObjectKey(prefix: string, site: string, atMs: number, uniqueSuffix: string): string {
  const iso = new Date(atMs).toISOString();
  const [yyyy, mm, dd, hh] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13)];
  const trimmedPrefix = prefix.replace(/^\/+|\/+$/g, '');
  const head = trimmedPrefix === '' ? '' : `${trimmedPrefix}/`;
  return `${head}site=${siteSegment(site)}/${yyyy}/${mm}/${dd}/${hh}/${compactUtc(atMs, true)}-${uniqueSuffix}.jsonl`;
}

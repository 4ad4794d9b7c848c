/**
 * One location or status report of an RF-ID tag, as the RTLS system gave it and the agent forwards
 * it: the element of an ingest batch's `tagEvents` (wire format v1). The site is not part of it:
 * it comes from the agent's token, like a sample's `site` label.
 *
 * No patient data: a tag is an anonymous id. Which asset (or patient stage) it belongs to is the
 * asset registry's business, not the event's.
 */
export interface TagEvent {
  /** The tag id, 1-128 chars `[A-Za-z0-9._:-]`. */
  readonly tag: string;
  /** When the RTLS computed the position, epoch ms. */
  readonly t: number;
  /** The zone id the RTLS placed the tag in; absent for a status-only report or an x/y one. */
  readonly zone?: string;
  /** Position in the floor's plan, in the RTLS's own units (zones with an `area` map it to a zone). */
  readonly x?: number;
  readonly y?: number;
  readonly floor?: string;
  /** Battery charge, percent 0-100. */
  readonly battery?: number;
  /** Whether the tag's motion sensor saw movement. */
  readonly motion?: boolean;
  /** A button pressed on the tag (`attention`, `tamper`, `call` …). */
  readonly button?: string;
}

export const TAG_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const ZONE_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const SHORT_TEXT = /^[\x20-\x7e]{1,64}$/;
/** 2001-09-09 to 2286: anything outside is a unit mistake (seconds, microseconds), not a time. */
const MIN_EPOCH_MS = 1_000_000_000_000;
const MAX_EPOCH_MS = 9_999_999_999_999;

const FIELDS = new Set(['tag', 't', 'zone', 'x', 'y', 'floor', 'battery', 'motion', 'button']);

export type TagEventCheck =
  { readonly ok: true; readonly event: TagEvent } | { readonly ok: false; readonly error: string };

/**
 * Checks one element of `tagEvents` (or one event an input mapped) and says exactly what is wrong,
 * prefixed with its path (`tagEvents[3].t: …`). Values are never echoed: a payload is not trusted
 * to be free of something sensitive, and the type or rule broken is what a sender needs.
 */
export function checkTagEvent(value: unknown, path: string): TagEventCheck {
  const fail = (field: string, message: string): TagEventCheck => ({
    ok: false,
    error: `${path}${field === '' ? '' : `.${field}`}: ${message}`,
  });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('', `expected an object, got ${typeName(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.has(key)) return fail(key, `unknown field (fields: ${[...FIELDS].join(', ')})`);
  }
  const { tag, t, zone, x, y, floor, battery, motion, button } = record;
  if (typeof tag !== 'string')
    return fail('tag', tag === undefined ? 'required' : `expected a string, got ${typeName(tag)}`);
  if (!TAG_ID_PATTERN.test(tag)) return fail('tag', 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');
  if (typeof t !== 'number') return fail('t', t === undefined ? 'required' : `expected epoch ms, got ${typeName(t)}`);
  if (!Number.isInteger(t)) return fail('t', 'must be a whole number of epoch milliseconds');
  if (t < MIN_EPOCH_MS || t > MAX_EPOCH_MS) {
    return fail('t', 'not an epoch time in milliseconds (seconds or microseconds sent?)');
  }
  if (zone !== undefined && (typeof zone !== 'string' || !ZONE_PATTERN.test(zone))) {
    return fail('zone', 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');
  }
  for (const [field, coordinate] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (coordinate !== undefined && (typeof coordinate !== 'number' || !Number.isFinite(coordinate))) {
      return fail(field, `expected a finite number, got ${typeName(coordinate)}`);
    }
  }
  if ((x === undefined) !== (y === undefined)) return fail(x === undefined ? 'x' : 'y', 'x and y come together');
  if (floor !== undefined && (typeof floor !== 'string' || !SHORT_TEXT.test(floor))) {
    return fail('floor', 'must be 1-64 printable characters');
  }
  if (battery !== undefined) {
    if (typeof battery !== 'number' || !Number.isFinite(battery)) {
      return fail('battery', `expected a percentage, got ${typeName(battery)}`);
    }
    if (battery < 0 || battery > 100) return fail('battery', 'must be a percentage from 0 to 100');
  }
  if (motion !== undefined && typeof motion !== 'boolean') {
    return fail('motion', `expected a boolean, got ${typeName(motion)}`);
  }
  if (button !== undefined && (typeof button !== 'string' || !SHORT_TEXT.test(button))) {
    return fail('button', 'must be 1-64 printable characters');
  }
  return {
    ok: true,
    event: {
      tag,
      t,
      ...(zone !== undefined && { zone: zone as string }),
      ...(x !== undefined && { x: x as number, y: y as number }),
      ...(floor !== undefined && { floor: floor as string }),
      ...(battery !== undefined && { battery }),
      ...(motion !== undefined && { motion }),
      ...(button !== undefined && { button: button as string }),
    },
  };
}

/**
 * Checks a batch's whole `tagEvents` list. The ingest refuses a batch whole, so the first problem
 * is enough to name; `checked` holds the events when there is none.
 */
export function checkTagEvents(
  value: unknown,
  path = 'tagEvents',
): { readonly ok: true; readonly events: TagEvent[] } | { readonly ok: false; readonly error: string } {
  if (value === undefined) return { ok: true, events: [] };
  if (!Array.isArray(value)) return { ok: false, error: `${path}: expected a list, got ${typeName(value)}` };
  const events: TagEvent[] = [];
  for (const [index, item] of value.entries()) {
    const checked = checkTagEvent(item, `${path}[${index}]`);
    if (!checked.ok) return checked;
    events.push(checked.event);
  }
  return { ok: true, events };
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

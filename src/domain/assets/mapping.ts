import * as z from 'zod';
import { checkTagEvent, typeName, type TagEvent } from './tag-event.js';

/**
 * How a vendor's JSON payload becomes TagEvents, so a new RTLS needs a config block, not code.
 * Each field names a dotted path into one event object (`displayCoordinates.x`); `events` names
 * where the list of events sits in a message when it is wrapped (`data.tags`).
 *
 * The default mapping reads the product's own wire format (`tag`, `t`, `zone`, …).
 */
const path = z
  .string()
  .regex(/^[A-Za-z0-9_$@-]+(\.[A-Za-z0-9_$@-]+)*$/, 'must be a dotted path of field names, e.g. position.zone');

export const tagMappingSchema = z
  .strictObject({
    events: path.optional().describe('Where the events sit in a message; absent: the message is one event or a list'),
    tag: path.default('tag'),
    time: path.default('t'),
    time_unit: z
      .enum(['ms', 's', 'iso8601'])
      .default('ms')
      .describe('ms or s since the epoch (numbers), or ISO 8601 text with an offset'),
    zone: path.optional().default('zone'),
    x: path.optional().default('x'),
    y: path.optional().default('y'),
    floor: path.optional().default('floor'),
    battery: path.optional().default('battery'),
    battery_levels: z
      .record(z.string(), z.number().min(0).max(100))
      .optional()
      .describe('For tags that report a level name: its percentage, e.g. {LOW: 15, GOOD: 80}'),
    motion: path.optional().default('motion'),
    button: path.optional().default('button').describe('A field holding the button name as text'),
    buttons: z
      .record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/), path)
      .optional()
      .describe('Button name -> a boolean field that is true while pressed, e.g. {attention: buttonStatus.attention}'),
  })
  .describe("How a vendor's JSON event maps to a tag event");

export type TagMappingInput = z.input<typeof tagMappingSchema>;
export type TagMapping = z.output<typeof tagMappingSchema>;

export const DEFAULT_TAG_MAPPING: TagMapping = tagMappingSchema.parse({});

export interface MappedMessage {
  readonly events: TagEvent[];
  /** Each event that could not be read, with where and why; the others are kept. */
  readonly rejected: { readonly index: number; readonly error: string }[];
  /** Set when the message as a whole could not be read (no event in it was taken). */
  readonly error?: string;
}

/**
 * Reads one decoded message (an HTTP body or an MQTT payload, already JSON-parsed). Every event
 * stands alone: a bad one is rejected with its reason and the good ones beside it are kept, so a
 * vendor's single malformed tag does not hold up the wing's other tags, and nothing is half-applied.
 */
export function mapMessage(message: unknown, mapping: TagMapping = DEFAULT_TAG_MAPPING): MappedMessage {
  let list: unknown = message;
  if (mapping.events !== undefined) {
    list = read(message, mapping.events);
    if (!Array.isArray(list)) {
      return { events: [], rejected: [], error: `${mapping.events}: expected a list of events, got ${typeName(list)}` };
    }
  }
  const items = Array.isArray(list) ? list : [list];
  const events: TagEvent[] = [];
  const rejected: { index: number; error: string }[] = [];
  for (const [index, item] of items.entries()) {
    const where = Array.isArray(list) ? `events[${index}]` : 'event';
    const mapped = mapEvent(item, mapping, where);
    if ('error' in mapped) {
      rejected.push({ index, error: mapped.error });
      continue;
    }
    const checked = checkTagEvent(mapped.event, where);
    if (checked.ok) events.push(checked.event);
    else rejected.push({ index, error: checked.error });
  }
  return { events, rejected };
}

function mapEvent(
  item: unknown,
  mapping: TagMapping,
  where: string,
): { readonly event: Record<string, unknown> } | { readonly error: string } {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { error: `${where}: expected an object, got ${typeName(item)}` };
  }
  const field = (name: string, from: string | undefined) => (from === undefined ? undefined : read(item, from));
  const event: Record<string, unknown> = {};
  const tag = field('tag', mapping.tag);
  // A tag id the vendor sends as a number is still an id.
  event.tag = typeof tag === 'number' && Number.isSafeInteger(tag) ? String(tag) : tag;
  if (event.tag === undefined) return { error: `${where}.${mapping.tag}: required (the tag id)` };
  const time = field('time', mapping.time);
  if (time === undefined) return { error: `${where}.${mapping.time}: required (the event time)` };
  const t = toEpochMs(time, mapping.time_unit);
  if (typeof t === 'string') return { error: `${where}.${mapping.time}: ${t}` };
  event.t = t;
  const zone = field('zone', mapping.zone);
  if (zone !== undefined && zone !== null) event.zone = typeof zone === 'number' ? String(zone) : zone;
  const x = field('x', mapping.x);
  const y = field('y', mapping.y);
  if (x !== undefined && x !== null) event.x = x;
  if (y !== undefined && y !== null) event.y = y;
  const floor = field('floor', mapping.floor);
  if (floor !== undefined && floor !== null) event.floor = typeof floor === 'number' ? String(floor) : floor;
  const battery = field('battery', mapping.battery);
  if (battery !== undefined && battery !== null) {
    if (typeof battery === 'string' && mapping.battery_levels !== undefined) {
      const level = mapping.battery_levels[battery];
      if (level === undefined) {
        return {
          error: `${where}.${mapping.battery}: battery level is none of ${Object.keys(mapping.battery_levels).join(', ')}`,
        };
      }
      event.battery = level;
    } else {
      event.battery = battery;
    }
  }
  const motion = field('motion', mapping.motion);
  if (motion !== undefined && motion !== null) event.motion = motion;
  const button = field('button', mapping.button);
  if (button !== undefined && button !== null && button !== '') event.button = button;
  for (const [name, from] of Object.entries(mapping.buttons ?? {})) {
    if (read(item, from) === true) {
      event.button = name;
      break;
    }
  }
  return { event };
}

function toEpochMs(value: unknown, unit: TagMapping['time_unit']): number | string {
  if (unit === 'iso8601') {
    // An offset is required: a local time without one would be placed in whatever zone the agent runs in.
    if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value)) {
      return 'expected ISO 8601 text with an offset, e.g. 2026-12-01T10:00:00Z';
    }
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? 'not a valid date' : ms;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return `expected a number of ${unit === 's' ? 'seconds' : 'milliseconds'} since the epoch, got ${typeName(value)}`;
  }
  return Math.round(unit === 's' ? value * 1000 : value);
}

function read(value: unknown, dotted: string): unknown {
  let current = value;
  for (const key of dotted.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    // Own properties only: a path such as `__proto__.x` must not reach the prototype.
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

import { describe, expect, it } from 'vitest';
import { mapMessage, tagMappingSchema } from '../../../src/domain/assets/mapping.js';

const T = Date.UTC(2026, 11, 1, 10, 0, 0);

// A payload shaped like a vendor's streaming API (nested position, level names, button flags).
const vendorMapping = tagMappingSchema.parse({
  events: 'data.tags',
  tag: 'tagId',
  time: 'computationTimestamp',
  time_unit: 'iso8601',
  zone: 'location.zone',
  x: 'displayCoordinates.x',
  y: 'displayCoordinates.y',
  floor: 'location.floor',
  battery: 'batteryLevel',
  battery_levels: { CRITICAL: 5, LOW: 15, MEDIUM: 50, GOOD: 80, FULL: 100 },
  motion: 'motion',
  buttons: { attention: 'buttonStatus.attention', tamper: 'buttonStatus.tamper' },
});

describe('mapMessage', () => {
  it('reads the product wire format with the default mapping, one event or a list', () => {
    expect(mapMessage({ tag: 'T-1', t: T, zone: 'a' })).toEqual({
      events: [{ tag: 'T-1', t: T, zone: 'a' }],
      rejected: [],
    });
    expect(
      mapMessage([
        { tag: 'T-1', t: T },
        { tag: 'T-2', t: T + 1 },
      ]).events,
    ).toHaveLength(2);
  });

  it("maps a vendor's nested payload without code", () => {
    const message = {
      data: {
        tags: [
          {
            tagId: 'a1b2',
            computationTimestamp: '2026-12-01T10:00:00.250Z',
            location: { zone: 'icu-3', floor: 3 },
            displayCoordinates: { x: 12.5, y: 4 },
            batteryLevel: 'LOW',
            motion: false,
            buttonStatus: { tamper: false, attention: true },
          },
        ],
      },
    };
    expect(mapMessage(message, vendorMapping)).toEqual({
      events: [
        {
          tag: 'a1b2',
          t: T + 250,
          zone: 'icu-3',
          x: 12.5,
          y: 4,
          floor: '3',
          battery: 15,
          motion: false,
          button: 'attention',
        },
      ],
      rejected: [],
    });
  });

  it('keeps the good events beside a bad one and says why the bad one was refused', () => {
    const mapped = mapMessage(
      {
        data: {
          tags: [
            { tagId: 'ok-1', computationTimestamp: '2026-12-01T10:00:00Z' },
            { tagId: 'bad-1', computationTimestamp: '2026-12-01 10:00' },
            { computationTimestamp: '2026-12-01T10:00:00Z' },
            { tagId: 'bad-3', computationTimestamp: '2026-12-01T10:00:00Z', batteryLevel: 'EMPTY' },
            'nonsense',
          ],
        },
      },
      vendorMapping,
    );
    expect(mapped.events).toEqual([{ tag: 'ok-1', t: T }]);
    expect(mapped.rejected).toEqual([
      {
        index: 1,
        error: 'events[1].computationTimestamp: expected ISO 8601 text with an offset, e.g. 2026-12-01T10:00:00Z',
      },
      { index: 2, error: 'events[2].tagId: required (the tag id)' },
      { index: 3, error: 'events[3].batteryLevel: battery level is none of CRITICAL, LOW, MEDIUM, GOOD, FULL' },
      { index: 4, error: 'events[4]: expected an object, got a string' },
    ]);
  });

  it('refuses a message whose event list is not where the mapping says', () => {
    expect(mapMessage({ data: {} }, vendorMapping)).toEqual({
      events: [],
      rejected: [],
      error: 'data.tags: expected a list of events, got nothing',
    });
  });

  it('converts seconds, and numeric tag ids, and never walks into the prototype', () => {
    const mapping = tagMappingSchema.parse({ time_unit: 's', tag: 'id', zone: '__proto__.polluted' });
    expect(mapMessage({ id: 42, t: T / 1000 }, mapping).events).toEqual([{ tag: '42', t: T }]);
    expect(mapMessage({ id: 'x', t: 'soon' }, mapping).rejected[0]!.error).toBe(
      'event.t: expected a number of seconds since the epoch, got a string',
    );
  });

  it('validates the mapped event like an ingest element', () => {
    expect(mapMessage({ tag: 'T-1', t: T, battery: 130 }).rejected).toEqual([
      { index: 0, error: 'event.battery: must be a percentage from 0 to 100' },
    ]);
  });
});

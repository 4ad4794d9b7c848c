import { describe, expect, it } from 'vitest';
import { checkTagEvent, checkTagEvents } from '../../../src/domain/assets/tag-event.js';

const T = Date.UTC(2026, 11, 1, 10, 0, 0);

describe('checkTagEvent', () => {
  it('takes a full event and keeps only the fields given', () => {
    const checked = checkTagEvent(
      { tag: 'T-1', t: T, zone: 'w3-store', x: 1.5, y: 2, floor: '3', battery: 80, motion: true, button: 'attention' },
      'tagEvents[0]',
    );
    expect(checked).toEqual({
      ok: true,
      event: {
        tag: 'T-1',
        t: T,
        zone: 'w3-store',
        x: 1.5,
        y: 2,
        floor: '3',
        battery: 80,
        motion: true,
        button: 'attention',
      },
    });
    expect(checkTagEvent({ tag: 'T-1', t: T }, 'e')).toEqual({ ok: true, event: { tag: 'T-1', t: T } });
  });

  it.each([
    [[1], 'tagEvents[0]: expected an object, got a list'],
    [{ t: T }, 'tagEvents[0].tag: required'],
    [{ tag: 7, t: T }, 'tagEvents[0].tag: expected a string, got a number'],
    [{ tag: 'a b', t: T }, 'tagEvents[0].tag: must be 1-128 characters of A-Z a-z 0-9 . _ : -'],
    [{ tag: 'T-1' }, 'tagEvents[0].t: required'],
    [{ tag: 'T-1', t: '2026' }, 'tagEvents[0].t: expected epoch ms, got a string'],
    [{ tag: 'T-1', t: T + 0.5 }, 'tagEvents[0].t: must be a whole number of epoch milliseconds'],
    [{ tag: 'T-1', t: T / 1000 }, 'tagEvents[0].t: not an epoch time in milliseconds (seconds or microseconds sent?)'],
    [{ tag: 'T-1', t: T, zone: '' }, 'tagEvents[0].zone: must be 1-128 characters of A-Z a-z 0-9 . _ : -'],
    [{ tag: 'T-1', t: T, x: 1 }, 'tagEvents[0].y: x and y come together'],
    [{ tag: 'T-1', t: T, x: 'a', y: 1 }, 'tagEvents[0].x: expected a finite number, got a string'],
    [{ tag: 'T-1', t: T, battery: 101 }, 'tagEvents[0].battery: must be a percentage from 0 to 100'],
    [{ tag: 'T-1', t: T, battery: 'LOW' }, 'tagEvents[0].battery: expected a percentage, got a string'],
    [{ tag: 'T-1', t: T, motion: 'yes' }, 'tagEvents[0].motion: expected a boolean, got a string'],
    [
      { tag: 'T-1', t: T, patient: 'Jane' },
      'tagEvents[0].patient: unknown field (fields: tag, t, zone, x, y, floor, battery, motion, button)',
    ],
  ])('refuses %j: %s', (value, error) => {
    expect(checkTagEvent(value, 'tagEvents[0]')).toEqual({ ok: false, error });
  });

  it('never echoes the value it refuses', () => {
    const checked = checkTagEvent({ tag: 'secret value!', t: T }, 'e');
    expect(checked.ok).toBe(false);
    expect(JSON.stringify(checked)).not.toContain('secret');
  });
});

describe('checkTagEvents', () => {
  it('names the first bad element of a batch by index', () => {
    expect(checkTagEvents([{ tag: 'a', t: T }, { tag: 'b' }])).toEqual({
      ok: false,
      error: 'tagEvents[1].t: required',
    });
    expect(checkTagEvents({})).toEqual({ ok: false, error: 'tagEvents: expected a list, got an object' });
    expect(checkTagEvents(undefined)).toEqual({ ok: true, events: [] });
    expect(checkTagEvents([{ tag: 'a', t: T }])).toEqual({ ok: true, events: [{ tag: 'a', t: T }] });
  });
});

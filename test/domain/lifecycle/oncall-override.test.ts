import { describe, expect, it } from 'vitest';
import type { OnCallSchedule } from '../../../src/domain/lifecycle/oncall.js';
import {
  buildOverride,
  canonicalSchedule,
  OverrideRequestError,
  overrideStatus,
  parseTeamTime,
  whoIsOnCallWith,
  type RuntimeOverride,
} from '../../../src/domain/lifecycle/oncall-override.js';

const HOUR = 3_600_000;
const ams: OnCallSchedule = {
  team: 'ward-it',
  timezone: 'Europe/Amsterdam',
  every: 'daily',
  handoverMinute: 9 * 60,
  start: '2026-03-26',
  members: [{ name: 'Ana', email: 'ana@hospital.example' }, { name: 'Bo' }, { name: 'Cas', slack: 'U034CASCAS' }],
  overrides: [],
};
const NOW = Date.parse('2026-03-27T12:00:00Z');

function problemsOf(request: Parameters<typeof buildOverride>[0], now = NOW): readonly string[] {
  try {
    buildOverride(request, [ams], 'ovr-1', now);
  } catch (error) {
    if (error instanceof OverrideRequestError) return error.problems;
    throw error;
  }
  return [];
}

function override(fields: Partial<RuntimeOverride>): RuntimeOverride {
  return {
    id: 'ovr-1',
    team: 'ward-it',
    member: 'Bo',
    startsAt: Date.parse('2026-03-27T08:00:00Z'),
    endsAt: Date.parse('2026-03-28T08:00:00Z'),
    author: 'lead',
    createdAt: NOW,
    ...fields,
  };
}

describe('buildOverride', () => {
  it('reads from/to local to the team, or with an offset, and keeps who made it and why', () => {
    expect(
      buildOverride(
        {
          team: 'ward-it',
          who: 'Cas',
          from: '2026-03-28T09:00',
          to: '2026-03-30T07:00Z',
          author: ' lead ',
          reason: ' swap ',
        },
        [ams],
        'ovr-1',
        NOW,
      ),
    ).toEqual({
      id: 'ovr-1',
      team: 'ward-it',
      member: 'Cas',
      startsAt: Date.parse('2026-03-28T08:00:00Z'), // 09:00 CET
      endsAt: Date.parse('2026-03-30T07:00:00Z'),
      author: 'lead',
      reason: 'swap',
      createdAt: NOW,
    });
  });

  it.each([
    [
      {},
      [
        'team: which team is required',
        'who: the member on call instead is required',
        'author: who makes the override is required',
        'from: a date-time is required, e.g. 2026-12-24T18:00 (local to the team) or 2026-12-24T17:00Z',
        'to: a date-time is required, e.g. 2026-12-24T18:00 (local to the team) or 2026-12-24T17:00Z',
      ],
    ],
    [{ team: 'nurses' }, ['team: no on-call schedule for "nurses" (teams: ward-it)']],
    [{ who: 'Dee' }, ['who: no member "Dee" in ward-it\'s schedule (members: Ana, Bo, Cas)']],
    [
      { from: 'tomorrow' },
      ['from: not a date-time: "tomorrow" (e.g. 2026-12-24T18:00, local to the team, or 2026-12-24T17:00Z)'],
    ],
    [
      { to: '2026-03-31' },
      ['to: not a date-time: "2026-03-31" (e.g. 2026-12-24T18:00, local to the team, or 2026-12-24T17:00Z)'],
    ],
    [{ to: '2026-03-28T09:00' }, ['to: must be after from']],
    [{ from: '2026-03-20T09:00', to: '2026-03-21T09:00' }, ['to: the end is already past']],
    [{ to: '2026-07-01T09:00' }, ['to: an override lasts at most 92 days (change the rotation in the config instead)']],
    [{ reason: 'x'.repeat(501) }, ['reason: at most 500 characters']],
  ])('names the bad field: %j', (change, problems) => {
    const base = { team: 'ward-it', who: 'Bo', from: '2026-03-28T09:00', to: '2026-03-29T09:00', author: 'lead' };
    const request = Object.keys(change).length === 0 ? {} : { ...base, ...change };
    expect(problemsOf(request)).toEqual(problems);
  });

  it('a local time inside the spring-forward gap moves forward by the gap', () => {
    expect(parseTeamTime('2026-03-29T02:30', ams.timezone)).toBe(Date.parse('2026-03-29T01:30:00Z')); // 03:30 CEST
    expect(parseTeamTime('2026-03-29T02:30+01:00', ams.timezone)).toBe(Date.parse('2026-03-29T01:30:00Z'));
    expect(parseTeamTime('2026-02-30T09:00', ams.timezone)).toBeUndefined();
  });
});

describe('whoIsOnCallWith (schedule + run-time overrides)', () => {
  const at = (iso: string, overrides: RuntimeOverride[], schedule = ams) =>
    whoIsOnCallWith(schedule, { overrides }, Date.parse(iso));

  it('an override beats the rotation; the last one made beats earlier ones and the config’s', () => {
    // The rotation has Bo on 27 March (09:00 CET → 09:00 CET).
    expect(at('2026-03-27T12:00:00Z', []).member.name).toBe('Bo');
    const config = {
      ...ams,
      overrides: [
        { startsAt: Date.parse('2026-03-27T08:00:00Z'), endsAt: Date.parse('2026-03-28T08:00:00Z'), member: 'Ana' },
      ],
    };
    expect(at('2026-03-27T12:00:00Z', [], config)).toMatchObject({ member: { name: 'Ana' }, override: true });
    const earlier = override({ id: 'ovr-a', member: 'Cas', createdAt: NOW - HOUR });
    const later = override({
      id: 'ovr-b',
      member: 'Bo',
      createdAt: NOW,
      startsAt: Date.parse('2026-03-27T11:00:00Z'),
      endsAt: Date.parse('2026-03-27T13:00:00Z'),
    });
    // Listed in any order: the one made last wins while it covers, the earlier one around it.
    expect(at('2026-03-27T12:00:00Z', [later, earlier], config).member.name).toBe('Bo');
    expect(at('2026-03-27T12:00:00Z', [later, earlier], config)).toMatchObject({
      since: Date.parse('2026-03-27T11:00:00Z'),
      until: Date.parse('2026-03-27T13:00:00Z'),
    });
    expect(at('2026-03-27T13:00:00Z', [later, earlier], config).member).toEqual({ name: 'Cas', slack: 'U034CASCAS' });
    expect(at('2026-03-28T08:00:00Z', [later, earlier], config)).toMatchObject({
      member: { name: 'Cas' },
      override: false,
    });
  });

  it('a removed override covers only until it was removed', () => {
    const removed = override({ member: 'Cas', removedAt: Date.parse('2026-03-27T10:00:00Z'), removedBy: 'lead' });
    expect(at('2026-03-27T09:59:59Z', [removed]).member.name).toBe('Cas');
    expect(at('2026-03-27T10:00:00Z', [removed])).toMatchObject({ member: { name: 'Bo' }, override: false });
    expect(overrideStatus(removed, Date.parse('2026-03-27T10:00:00Z'))).toBe('ended');
    expect(overrideStatus(removed, Date.parse('2026-03-27T07:00:00Z'))).toBe('pending');
    expect(overrideStatus(removed, Date.parse('2026-03-27T09:00:00Z'))).toBe('active');
  });

  it('an override across the DST hand-over: given in local time, it is 23 hours and hands back at 09:00 CEST', () => {
    // Bo covers Cas's Saturday shift, 28 March 09:00 CET → Sunday 29 March 09:00 CEST, when Ana's begins.
    const swap = buildOverride(
      { team: 'ward-it', who: 'Bo', from: '2026-03-28T09:00', to: '2026-03-29T09:00', author: 'lead' },
      [ams],
      'ovr-dst',
      NOW,
    );
    expect(swap.endsAt - swap.startsAt).toBe(23 * HOUR);
    const cover = at('2026-03-29T06:59:59Z', [swap]); // 08:59 CEST
    expect(cover).toMatchObject({ member: { name: 'Bo' }, override: true });
    expect(new Date(cover.until).toISOString()).toBe('2026-03-29T07:00:00.000Z');
    // At 09:00 CEST the rotation takes over again, with the shift it would have had anyway.
    expect(at('2026-03-29T07:00:00Z', [swap])).toMatchObject({ member: { name: 'Ana' }, override: false });
    expect(at('2026-03-29T07:00:00Z', [swap]).since).toBe(Date.parse('2026-03-29T07:00:00Z'));
  });

  it('answers from the config’s schedule, not an older seeded copy', () => {
    const stale = { ...ams, members: [{ name: 'Dee' }] };
    expect(whoIsOnCallWith(ams, { schedule: { schedule: stale, seededAt: NOW }, overrides: [] }, NOW).member.name).toBe(
      'Bo',
    );
  });
});

describe('canonicalSchedule', () => {
  it('is the same text whatever the key order, and differs when the content does', () => {
    const reordered = Object.fromEntries(Object.entries(ams).reverse()) as unknown as OnCallSchedule;
    expect(canonicalSchedule(reordered)).toBe(canonicalSchedule(ams));
    expect(canonicalSchedule({ ...ams, handoverMinute: 8 * 60 })).not.toBe(canonicalSchedule(ams));
  });
});

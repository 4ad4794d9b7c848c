import { describe, expect, it } from 'vitest';
import { whoIsOnCall, type OnCallSchedule } from '../../../src/domain/lifecycle/oncall.js';

const HOUR = 3_600_000;
const ams: OnCallSchedule = {
  team: 'ward-it',
  timezone: 'Europe/Amsterdam',
  every: 'daily',
  handoverMinute: 9 * 60,
  start: '2026-03-26',
  members: [{ name: 'Ana', email: 'ana@hospital.example' }, { name: 'Bo' }, { name: 'Cas' }],
  overrides: [],
};
const who = (schedule: OnCallSchedule, iso: string) => whoIsOnCall(schedule, Date.parse(iso));

describe('whoIsOnCall', () => {
  it('hands over daily at 09:00 local, in turn', () => {
    expect(who(ams, '2026-03-26T07:59:59Z').member.name).toBe('Cas'); // 08:59 CET, before the first shift
    expect(who(ams, '2026-03-26T08:00:00Z').member.name).toBe('Ana'); // 09:00 CET
    expect(who(ams, '2026-03-27T08:00:00Z').member.name).toBe('Bo');
    expect(who(ams, '2026-03-28T08:00:00Z').member.name).toBe('Cas');
  });

  it('keeps the hand-over at 09:00 local across the spring-forward night: that shift lasts 23 hours', () => {
    // Europe/Amsterdam goes from CET (UTC+1) to CEST (UTC+2) on 2026-03-29 at 02:00.
    const saturday = who(ams, '2026-03-28T12:00:00Z');
    expect(saturday.member.name).toBe('Cas');
    expect(new Date(saturday.since).toISOString()).toBe('2026-03-28T08:00:00.000Z'); // 09:00 CET
    expect(new Date(saturday.until).toISOString()).toBe('2026-03-29T07:00:00.000Z'); // 09:00 CEST
    expect(saturday.until - saturday.since).toBe(23 * HOUR);
    expect(who(ams, '2026-03-29T06:59:59Z').member.name).toBe('Cas'); // 08:59 CEST
    expect(who(ams, '2026-03-29T07:00:00Z').member.name).toBe('Ana'); // 09:00 CEST
  });

  it('and across the fall-back night: that shift lasts 25 hours', () => {
    // CEST → CET on 2026-10-25 at 03:00.
    const shift = who(ams, '2026-10-24T12:00:00Z');
    expect(new Date(shift.since).toISOString()).toBe('2026-10-24T07:00:00.000Z');
    expect(new Date(shift.until).toISOString()).toBe('2026-10-25T08:00:00.000Z');
    expect(shift.until - shift.since).toBe(25 * HOUR);
  });

  it('a hand-over inside the spring-forward gap (02:30) moves forward by the gap', () => {
    const night = { ...ams, handoverMinute: 2 * 60 + 30 };
    const shift = who(night, '2026-03-28T12:00:00Z');
    expect(new Date(shift.until).toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    expect(who(night, '2026-03-29T01:29:59Z').member).toEqual(shift.member);
    expect(who(night, '2026-03-29T01:30:00Z').member).not.toEqual(shift.member);
  });

  it('hands over weekly on the weekday of start', () => {
    const weekly: OnCallSchedule = { ...ams, every: 'weekly', start: '2026-03-23' }; // a Monday
    expect(who(weekly, '2026-03-23T08:00:00Z').member.name).toBe('Ana');
    expect(who(weekly, '2026-03-29T20:00:00Z').member.name).toBe('Ana'); // Sunday, after DST
    const handover = who(weekly, '2026-03-30T07:00:00Z'); // Monday 09:00 CEST
    expect(handover.member.name).toBe('Bo');
    expect(handover.until - handover.since).toBe(7 * 24 * HOUR);
    expect(who(weekly, '2026-03-30T06:59:59Z').member.name).toBe('Ana');
  });

  it('an override wins while it lasts, the latest listed first', () => {
    const schedule: OnCallSchedule = {
      ...ams,
      overrides: [
        { startsAt: Date.parse('2026-03-27T17:00:00Z'), endsAt: Date.parse('2026-03-30T07:00:00Z'), member: 'Cas' },
        { startsAt: Date.parse('2026-03-28T20:00:00Z'), endsAt: Date.parse('2026-03-28T22:00:00Z'), member: 'Ana' },
      ],
    };
    expect(who(schedule, '2026-03-27T16:59:59Z').member.name).toBe('Bo');
    expect(who(schedule, '2026-03-27T17:00:00Z')).toMatchObject({ member: { name: 'Cas' }, override: true });
    expect(who(schedule, '2026-03-28T21:00:00Z').member).toEqual({ name: 'Ana', email: 'ana@hospital.example' });
    expect(who(schedule, '2026-03-30T07:00:00Z')).toMatchObject({ override: false });
  });
});

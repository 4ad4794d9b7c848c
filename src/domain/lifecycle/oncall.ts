import { DateTime } from 'luxon';

/** One person of a rotation: how channels reach them. */
export interface OnCallMember {
  readonly name: string;
  readonly email?: string;
  /** Slack member id, e.g. U012ABCDEF. */
  readonly slack?: string;
}

/** A swap or holiday cover: `member` is on call in [startsAt, endsAt), whatever the rotation says. */
export interface OnCallOverride {
  readonly startsAt: number;
  readonly endsAt: number;
  readonly member: string;
}

/**
 * A team's schedule: members take turns in order, handing over daily or weekly at a local time in
 * the team's zone; `start` is the local date of the first member's first shift.
 */
export interface OnCallSchedule {
  readonly team: string;
  readonly timezone: string;
  readonly every: 'daily' | 'weekly';
  /** Minutes after local midnight of the hand-over, e.g. 9 * 60 for 09:00. */
  readonly handoverMinute: number;
  /** Local date `YYYY-MM-DD` of the first shift (for weekly, also the hand-over weekday). */
  readonly start: string;
  readonly members: readonly OnCallMember[];
  readonly overrides: readonly OnCallOverride[];
}

export interface OnCallAnswer {
  readonly member: OnCallMember;
  /** Epoch ms the current shift (or override) began and ends. */
  readonly since: number;
  readonly until: number;
  readonly override: boolean;
}

/**
 * Who is on call at `at`. Shifts are counted in local calendar days, not in 24-hour blocks, so a
 * hand-over at 09:00 stays at 09:00 local across a DST change (that shift is 23 or 25 hours). A
 * hand-over time that does not exist on a spring-forward day moves forward by the gap, as luxon
 * resolves it. The latest-listed override that covers `at` wins. Before `start`, the rotation is
 * extended backwards (the member before the first), so every instant has an answer.
 */
export function whoIsOnCall(schedule: OnCallSchedule, at: number): OnCallAnswer {
  for (let index = schedule.overrides.length - 1; index >= 0; index--) {
    const override = schedule.overrides[index]!;
    if (override.startsAt <= at && at < override.endsAt) {
      const member = schedule.members.find((m) => m.name === override.member) ?? { name: override.member };
      return { member, since: override.startsAt, until: override.endsAt, override: true };
    }
  }
  const zone = schedule.timezone;
  const startDay = DateTime.fromISO(schedule.start, { zone }).startOf('day');
  const local = DateTime.fromMillis(at, { zone });
  // The local date whose hand-over began the shift that holds `at`.
  let shiftDay = local.startOf('day');
  if (at < handoverOn(shiftDay, schedule.handoverMinute)) shiftDay = shiftDay.minus({ days: 1 });
  const days = Math.round(shiftDay.diff(startDay, 'days').days);
  const length = schedule.every === 'daily' ? 1 : 7;
  const shift = Math.floor(days / length);
  const firstDay = startDay.plus({ days: shift * length });
  const n = schedule.members.length;
  const member = schedule.members[((shift % n) + n) % n]!;
  return {
    member,
    since: handoverOn(firstDay, schedule.handoverMinute),
    until: handoverOn(firstDay.plus({ days: length }), schedule.handoverMinute),
    override: false,
  };
}

function handoverOn(day: DateTime, minute: number): number {
  return DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(minute / 60), minute: minute % 60 },
    { zone: day.zone },
  ).toMillis();
}

/** `oncall:<team>`: a recipient resolved to whoever is on call for the team when the message is sent. */
export const ONCALL_RECIPIENT = /^oncall:([A-Za-z0-9][A-Za-z0-9_.-]*)$/;

/** The teams a channel's settings name as `oncall:<team>` (email to/cc, Slack mention, …). */
export function oncallTeamsOf(settings: unknown): string[] {
  const teams = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      const team = ONCALL_RECIPIENT.exec(value)?.[1];
      if (team !== undefined) teams.add(team);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(settings);
  return [...teams].sort();
}

import { describe, expect, it } from 'vitest';
import type { OnCallSchedule } from '../../src/domain/lifecycle/oncall.js';
import type { OnCallStore, RuntimeOverride } from '../../src/domain/lifecycle/oncall-override.js';

/**
 * What every on-call store does, pflow.db's or the lifecycle table's: seed schedules only when
 * they changed, keep overrides per team, refuse a clashing id, remove once. The SQLite store
 * answers synchronously; the contract awaits every answer, so one suite runs against both.
 */
const T0 = Date.parse('2026-12-02T08:00:00Z');
const HOUR = 3_600_000;

export const schedule: OnCallSchedule = {
  team: 'ward-it',
  timezone: 'Europe/Amsterdam',
  every: 'weekly',
  handoverMinute: 9 * 60,
  start: '2026-11-30',
  members: [
    { name: 'Ana', email: 'ana@hospital.example' },
    { name: 'Bo', slack: 'U034BOBOBO' },
  ],
  overrides: [{ startsAt: T0, endsAt: T0 + HOUR, member: 'Bo' }],
};

export function override(fields: Partial<RuntimeOverride> = {}): RuntimeOverride {
  return {
    id: 'ovr-1',
    team: 'ward-it',
    member: 'Bo',
    startsAt: T0,
    endsAt: T0 + 24 * HOUR,
    author: 'lead',
    reason: 'Ana on leave',
    createdAt: T0,
    ...fields,
  };
}

export function describeOnCallStoreContract(name: string, fresh: () => Promise<OnCallStore>): void {
  describe(`on-call store contract: ${name}`, () => {
    it('seeds a schedule once, and again only when it changed', async () => {
      const store = await fresh();
      expect(await store.teamOnCall('ward-it')).toEqual({ overrides: [] });
      expect(await store.seedSchedules([schedule], T0)).toBe(1);
      expect(await store.seedSchedules([schedule], T0 + 1)).toBe(0);
      expect(await store.teamOnCall('ward-it')).toEqual({ schedule: { schedule, seededAt: T0 }, overrides: [] });
      const changed = { ...schedule, handoverMinute: 8 * 60 };
      expect(await store.seedSchedules([changed, { ...schedule, team: 'lab-it' }], T0 + 2)).toBe(2);
      expect((await store.teamOnCall('ward-it')).schedule).toEqual({ schedule: changed, seededAt: T0 + 2 });
      expect((await store.teamOnCall('lab-it')).schedule?.schedule.team).toBe('lab-it');
    });

    it('keeps overrides per team, oldest made first, and refuses a clashing id', async () => {
      const store = await fresh();
      const second = override({ id: 'ovr-2', member: 'Ana', createdAt: T0 + 5, reason: undefined });
      const { reason: _none, ...withoutReason } = second;
      await store.addOverride(withoutReason);
      await store.addOverride(override());
      await store.addOverride(override({ id: 'ovr-3', team: 'lab-it' }));
      expect((await store.teamOnCall('ward-it')).overrides).toEqual([override(), withoutReason]);
      await expect(Promise.resolve().then(() => store.addOverride(override({ member: 'Ana' })))).rejects.toThrow();
      expect((await store.teamOnCall('ward-it')).overrides[0]?.member).toBe('Bo');
    });

    it('removes an override once, keeping it with who and when; not another team’s, not an ended one', async () => {
      const store = await fresh();
      await store.addOverride(override());
      await store.addOverride(override({ id: 'ovr-old', endsAt: T0 + HOUR }));
      expect(await store.removeOverride('lab-it', 'ovr-1', 'lead', T0 + HOUR)).toBe(false);
      expect(await store.removeOverride('ward-it', 'ovr-none', 'lead', T0 + HOUR)).toBe(false);
      expect(await store.removeOverride('ward-it', 'ovr-old', 'lead', T0 + HOUR)).toBe(false);
      expect(await store.removeOverride('ward-it', 'ovr-1', 'lead', T0 + HOUR)).toBe(true);
      expect(await store.removeOverride('ward-it', 'ovr-1', 'other', T0 + 2 * HOUR)).toBe(false);
      expect((await store.teamOnCall('ward-it')).overrides.find((o) => o.id === 'ovr-1')).toEqual(
        override({ removedAt: T0 + HOUR, removedBy: 'lead' }),
      );
    });
  });
}

import type { OnCallAnswer, OnCallSchedule } from '../domain/lifecycle/oncall.js';
import {
  buildOverride,
  OverrideRequestError,
  overrideEnd,
  whoIsOnCallWith,
  type OnCallStore,
  type OverrideRequest,
  type RuntimeOverride,
} from '../domain/lifecycle/oncall-override.js';
import type { Clock } from '../domain/ports.js';

export type OnCallWho =
  | { readonly outcome: 'answer'; readonly schedule: OnCallSchedule; readonly answer: OnCallAnswer }
  | { readonly outcome: 'unknown_team'; readonly message: string };

/**
 * On-call at run time, the same for the CLI on pflow.db, the local runtime and the lifecycle API
 * over DynamoDB: schedules come from the config (and are seeded into the store), overrides from the store.
 * A team must be in the config: a team the config dropped is not answered from a stale copy.
 */
export class OnCallService {
  constructor(
    private readonly store: OnCallStore,
    private readonly schedules: readonly OnCallSchedule[],
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  /** Copies the config's schedules into the store where they changed; how many were written. */
  async seed(): Promise<number> {
    return this.store.seedSchedules(this.schedules, this.clock.now());
  }

  /** The zone the team's times are read in; undefined for a team not in the config. */
  timezoneOf(team: string): string | undefined {
    return this.schedules.find((schedule) => schedule.team === team)?.timezone;
  }

  /** Says that a team has no schedule, and which teams do. */
  unknownTeam(team: string): string {
    return unknownTeam(team, this.schedules);
  }

  async who(team: string, at = this.clock.now()): Promise<OnCallWho> {
    const config = this.schedules.find((schedule) => schedule.team === team);
    if (config === undefined) return { outcome: 'unknown_team', message: unknownTeam(team, this.schedules) };
    const stored = await this.store.teamOnCall(team);
    return { outcome: 'answer', schedule: config, answer: whoIsOnCallWith(config, stored, at) };
  }

  /** Throws OverrideRequestError naming each bad field; nothing is stored then. */
  async add(request: OverrideRequest): Promise<RuntimeOverride> {
    const override = buildOverride(request, this.schedules, this.newId(), this.clock.now());
    await this.store.addOverride(override);
    return override;
  }

  /**
   * Overrides of one team (every team when absent), oldest made first; without `all`, only the
   * ones still covering or to come.
   */
  async list(team?: string, all = false): Promise<RuntimeOverride[]> {
    if (team !== undefined && !this.schedules.some((schedule) => schedule.team === team))
      throw new OverrideRequestError([`team: ${unknownTeam(team, this.schedules)}`]);
    const teams = team === undefined ? this.schedules.map((schedule) => schedule.team) : [team];
    const now = this.clock.now();
    const overrides: RuntimeOverride[] = [];
    for (const name of teams) overrides.push(...(await this.store.teamOnCall(name)).overrides);
    return overrides.filter((override) => all || overrideEnd(override) > now);
  }

  async remove(team: string, id: string, by: string): Promise<'removed' | 'not_found' | 'already_ended'> {
    const problems: string[] = [];
    if (!this.schedules.some((schedule) => schedule.team === team))
      problems.push(`team: ${unknownTeam(team, this.schedules)}`);
    if (id.trim() === '') problems.push('id: which override is required (see override list)');
    if (by.trim() === '') problems.push('by: who removes it is required');
    if (problems.length > 0) throw new OverrideRequestError(problems);
    if (await this.store.removeOverride(team, id, by.trim(), this.clock.now())) return 'removed';
    const exists = (await this.store.teamOnCall(team)).overrides.some((override) => override.id === id);
    return exists ? 'already_ended' : 'not_found';
  }
}

function unknownTeam(team: string, schedules: readonly OnCallSchedule[]): string {
  return `no on-call schedule for team ${JSON.stringify(team)} (teams: ${schedules.map((s) => s.team).join(', ') || 'none'})`;
}

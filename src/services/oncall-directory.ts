import type { OnCallMember, OnCallSchedule } from '../domain/lifecycle/oncall.js';
import { whoIsOnCallWith, type OnCallStore, type TeamOnCall } from '../domain/lifecycle/oncall-override.js';
import type { Clock, Logger } from '../domain/ports.js';

/**
 * Whoever is on call, for a channel's `oncall:<team>` recipients, where the store answers with a
 * promise (the lifecycle table) but the channels ask synchronously while they render. `refresh()`
 * reads the teams' overrides just before a message is sent; `member()` then answers at the
 * instant it is asked, with the config's schedule and those overrides.
 *
 * When a read fails, the team is answered from its last good read, else from the config alone (the
 * rotation and the config's overrides), and a warning is logged: paging the rotation's member
 * beats not paging at all.
 */
export class OnCallDirectory {
  private readonly read = new Map<string, TeamOnCall>();

  constructor(
    private readonly store: OnCallStore | undefined,
    private readonly schedules: readonly OnCallSchedule[],
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Reads the teams' overrides now (one read per team). */
  async refresh(teams: readonly string[]): Promise<void> {
    if (this.store === undefined) return;
    await Promise.all(
      teams.map(async (team) => {
        try {
          this.read.set(team, await this.store!.teamOnCall(team));
        } catch (error) {
          this.logger.warn('on-call overrides unreadable: answering from the last read or the config', {
            team,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }),
    );
  }

  /** The member on call for the team now; undefined for a team without a schedule. */
  member(team: string): OnCallMember | undefined {
    const schedule = this.schedules.find((candidate) => candidate.team === team);
    if (schedule === undefined) return undefined;
    return whoIsOnCallWith(schedule, this.read.get(team) ?? { overrides: [] }, this.clock.now()).member;
  }
}

import { DynamoOnCallStore } from '../../src/adapters/aws/dynamodb-oncall.js';
import { oncallTeamsOf } from '../../src/domain/lifecycle/oncall.js';
import { OnCallDirectory } from '../../src/services/oncall-directory.js';
import type { OnCallLookup } from './deliver.js';

/**
 * `oncall:<team>` recipients for the deliver bundles whose messages page someone (email, Slack, and
 * lambdas/deliver.ts for the tests). In a module of its own so the other kinds' bundles leave out the
 * rotation and luxon, which it brings: the log drop's JSON lines need neither (about 70 KB).
 *
 * The overrides are read from the lifecycle table, which the stack gives only to channels that name
 * a team; without it the config's rotation and overrides answer alone.
 */
export const channelOnCall: OnCallLookup = ({ settings, schedules, table, client, clock, logger }) => {
  const directory = new OnCallDirectory(
    table === undefined || table === '' ? undefined : new DynamoOnCallStore({ client, table }),
    schedules,
    clock,
    logger,
  );
  const teams = oncallTeamsOf(settings);
  return {
    refresh: async () => {
      if (teams.length > 0) await directory.refresh(teams);
    },
    member: (team) => directory.member(team),
  };
};

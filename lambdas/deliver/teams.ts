import { createTeamsSender } from '../../src/channels/teams/teams.js';
import { deliverHandler } from '../shared/deliver.js';

/** The deliver function of `teams` channels (DELIVER_ENTRIES): only this kind's sender is bundled. */
export const handler = deliverHandler({ teams: createTeamsSender });

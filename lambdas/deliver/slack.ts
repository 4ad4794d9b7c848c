import { createSlackSender } from '../../src/channels/slack/slack.js';
import { deliverHandler } from '../shared/deliver.js';

/** The deliver function of `slack` channels (DELIVER_ENTRIES): only this kind's sender is bundled. */
export const handler = deliverHandler({ slack: createSlackSender });

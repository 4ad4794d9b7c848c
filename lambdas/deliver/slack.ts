import { createSlackSender } from '../../src/channels/slack/slack.js';
import { deliverHandler } from '../shared/deliver.js';
import { channelOnCall } from '../shared/deliver-oncall.js';

/**
 * The deliver function of `slack` channels (DELIVER_ENTRIES): only this kind's sender is bundled,
 * with the on-call lookup for its `oncall:<team>` recipients.
 */
export const handler = deliverHandler({ slack: createSlackSender }, { onCall: channelOnCall });

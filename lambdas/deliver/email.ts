import { createEmailSender } from '../../src/channels/email/email.js';
import { deliverHandler } from '../shared/deliver.js';
import { channelOnCall } from '../shared/deliver-oncall.js';

/**
 * The deliver function of `email` channels (DELIVER_ENTRIES): only this kind's sender is bundled,
 * with the on-call lookup for its `oncall:<team>` recipients.
 */
export const handler = deliverHandler({ email: createEmailSender }, { onCall: channelOnCall });

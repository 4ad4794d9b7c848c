import { createEmailSender } from '../../src/channels/email/email.js';
import { deliverHandler } from '../shared/deliver.js';

/** The deliver function of `email` channels (DELIVER_ENTRIES): only this kind's sender is bundled. */
export const handler = deliverHandler({ email: createEmailSender });

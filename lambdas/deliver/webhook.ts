import { createWebhookSender } from '../../src/channels/webhook/webhook.js';
import { deliverHandler } from '../shared/deliver.js';

/** The deliver function of `webhook` channels (DELIVER_ENTRIES): only this kind's sender is bundled. */
export const handler = deliverHandler({ webhook: createWebhookSender });

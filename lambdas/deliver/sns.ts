import { createSnsSender } from '../../src/channels/sns/sns.js';
import { deliverHandler } from '../shared/deliver.js';

/** The deliver function of `sns` channels (DELIVER_ENTRIES): only this kind's sender is bundled. */
export const handler = deliverHandler({ sns: createSnsSender });

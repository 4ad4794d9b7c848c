import { createLogDropSender } from '../../src/channels/logdrop/logdrop.js';
import { deliverHandler } from '../shared/deliver.js';

/** The deliver function of `logdrop` channels (DELIVER_ENTRIES): only this kind's sender is bundled. */
export const handler = deliverHandler({ logdrop: createLogDropSender });

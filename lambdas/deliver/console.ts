import { createConsoleSender } from '../../src/channels/console/console.js';
import { deliverHandler } from '../shared/deliver.js';

/** The deliver function of `console` channels (DELIVER_ENTRIES): only this kind's sender is bundled. */
export const handler = deliverHandler({ console: createConsoleSender });

import type { ChannelKindName } from './settings.js';
import type { ChannelFactory } from './types.js';

// Placeholder until the senders land; `satisfies` keeps it in step with settings.ts.
export const channelFactories = {
  console: () => {
    throw new Error('not implemented');
  },
} satisfies Record<ChannelKindName, ChannelFactory<never>>;

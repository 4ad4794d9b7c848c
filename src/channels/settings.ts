import { consoleSettings } from './console/settings.js';
import { emailSettings } from './email/settings.js';
import { logDropSettings } from './logdrop/settings.js';
import { slackSettings } from './slack/settings.js';
import { snsSettings } from './sns/settings.js';
import { teamsSettings } from './teams/settings.js';
import { webhookSettings } from './webhook/settings.js';

/**
 * The channel kinds: the single source of truth for their names. Pure (schemas only), so the
 * domain's config schema derives its allowed kinds from it; `registry.ts` pairs each with its factory.
 */
export const channelKindSettings = {
  console: consoleSettings,
  email: emailSettings,
  logdrop: logDropSettings,
  slack: slackSettings,
  sns: snsSettings,
  teams: teamsSettings,
  webhook: webhookSettings,
} as const;

export type ChannelKindName = keyof typeof channelKindSettings;
export const CHANNEL_KINDS = Object.keys(channelKindSettings) as ChannelKindName[];

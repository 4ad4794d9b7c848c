import * as z from 'zod';
import { durationSetting, httpUrlSetting } from '../common/settings.js';
import type { ChannelKindSettings } from '../types.js';

export const slackSettingsSchema = z.strictObject({
  /** The incoming-webhook URL; its path is the token, so the whole URL is a secret. */
  url: httpUrlSetting,
  timeout: durationSetting('10s'),
});
export type SlackSettings = z.infer<typeof slackSettingsSchema>;

export const slackSettings: ChannelKindSettings<SlackSettings> = {
  schema: slackSettingsSchema,
  secretFields: ['url'],
  // Slack: "no more than one message per second" per webhook, short bursts allowed.
  defaultRateLimitPerSecond: 1,
};

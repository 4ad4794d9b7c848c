import * as z from 'zod';
import { durationSetting, httpUrlSetting } from '../common/settings.js';
import type { ChannelKindSettings } from '../types.js';
import { CHANNEL_SECRET_FIELDS } from '../secret-fields.js';

export const slackSettingsSchema = z.strictObject({
  /** The incoming-webhook URL; its path is the token, so the whole URL is a secret. */
  url: httpUrlSetting,
  timeout: durationSetting('10s'),
  /**
   * Who to @-mention in messages that need someone: Slack member ids, or `oncall:<team>` for
   * whoever is on call for the team when the message is sent.
   */
  mention: z
    .array(
      z
        .string()
        .regex(
          /^(?:[UW][A-Z0-9]{2,}|oncall:[A-Za-z0-9][A-Za-z0-9_.-]*)$/,
          'must be a Slack member id such as U012ABCDEF, or oncall:<team>',
        ),
    )
    .optional()
    .describe('Slack member ids or oncall:<team>, mentioned in firing, no-data, error and escalation messages'),
});
export type SlackSettings = z.infer<typeof slackSettingsSchema>;

export const slackSettings: ChannelKindSettings<SlackSettings> = {
  schema: slackSettingsSchema,
  secretFields: CHANNEL_SECRET_FIELDS.slack,
  // Slack: "no more than one message per second" per webhook, short bursts allowed.
  defaultRateLimitPerSecond: 1,
};

import * as z from 'zod';
import { durationSetting, httpUrlSetting } from '../common/settings.js';
import type { ChannelKindSettings } from '../types.js';
import { CHANNEL_SECRET_FIELDS } from '../secret-fields.js';

/** Office 365 connector hosts: retired by Microsoft, so a URL on them can never work again. */
const LEGACY_CONNECTOR = /(^|\.)webhook\.office\.com$|^outlook\.office(365)?\.com$/i;

export const teamsSettingsSchema = z.strictObject({
  /** The Workflows "When a Teams webhook request is received" URL; its `sig=` makes it a secret. */
  // zod runs the refinement even when the URL check failed (an unset `${NAME}` is ''): parse safely.
  url: httpUrlSetting.refine((text) => !URL.canParse(text) || !LEGACY_CONNECTOR.test(new URL(text).hostname), {
    message:
      'is an Office 365 connector URL, which Microsoft retired; create a Workflows flow "When a Teams webhook request is received" and use its URL',
  }),
  timeout: durationSetting('10s'),
});
export type TeamsSettings = z.infer<typeof teamsSettingsSchema>;

export const teamsSettings: ChannelKindSettings<TeamsSettings> = {
  schema: teamsSettingsSchema,
  secretFields: CHANNEL_SECRET_FIELDS.teams,
  // Teams throttles webhooks above about 4 requests per second.
  defaultRateLimitPerSecond: 4,
};

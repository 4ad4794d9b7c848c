import * as z from 'zod';
import { durationSetting, httpUrlSetting } from '../common/settings.js';
import type { ChannelKindSettings } from '../types.js';
import { CHANNEL_SECRET_FIELDS } from '../secret-fields.js';

/** Headers the channel sets itself; letting config override them would break signing or framing. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'x-performanceflow-signature',
  'x-performanceflow-timestamp',
  'x-performanceflow-delivery',
]);

export const webhookSettingsSchema = z.strictObject({
  url: httpUrlSetting,
  /** Shared secret for the HMAC-SHA256 signature header; no signature when absent. */
  secret: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Extra request headers, e.g. an API key; their values are treated as secrets. */
  headers: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a valid HTTP header name')
        .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), { message: 'is set by the channel itself' }),
      z.string(),
    )
    .default({}),
  timeout: durationSetting('10s'),
});
export type WebhookSettings = z.infer<typeof webhookSettingsSchema>;

export const webhookSettings: ChannelKindSettings<WebhookSettings> = {
  schema: webhookSettingsSchema,
  secretFields: CHANNEL_SECRET_FIELDS.webhook,
};

import * as z from 'zod';
import type { ChannelKindSettings } from '../types.js';

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

export const snsSettingsSchema = z.strictObject({
  /** A standard topic whose subscriptions (email, SMS, another account's queue) get the text. */
  topic_arn: z.string().regex(TOPIC_ARN, 'must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)'),
});
export type SnsSettings = z.infer<typeof snsSettingsSchema>;

export const snsSettings: ChannelKindSettings<SnsSettings> = {
  schema: snsSettingsSchema,
  secretFields: [],
};

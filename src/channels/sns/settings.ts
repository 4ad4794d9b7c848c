import * as z from 'zod';
import type { ChannelKindSettings } from '../types.js';
import { CHANNEL_SECRET_FIELDS } from '../secret-fields.js';

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

export const snsSettingsSchema = z.strictObject({
  /**
   * A standard topic whose subscriptions (email, SMS, another account's queue) get the text.
   * Optional in an AWS deployment: without it the stack creates a KMS-encrypted topic for the
   * channel and hands its ARN to the deliver function (`PFLOW_CHANNEL_TOPIC_ARN`).
   */
  topic_arn: z
    .string()
    .regex(TOPIC_ARN, 'must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)')
    .optional()
    .describe(
      'An existing SNS topic; leave out in an AWS deployment to have the stack create one for this channel (stack output ChannelTopic<id>)',
    ),
});
export type SnsSettings = z.infer<typeof snsSettingsSchema>;

export const snsSettings: ChannelKindSettings<SnsSettings> = {
  schema: snsSettingsSchema,
  secretFields: CHANNEL_SECRET_FIELDS.sns,
};

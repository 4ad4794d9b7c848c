import * as z from 'zod';
import type { ChannelKindSettings } from '../types.js';
import { CHANNEL_SECRET_FIELDS } from '../secret-fields.js';

export const consoleSettingsSchema = z.strictObject({
  format: z.enum(['text', 'json']).default('text'),
});
export type ConsoleSettings = z.infer<typeof consoleSettingsSchema>;

export const consoleSettings: ChannelKindSettings<ConsoleSettings> = {
  schema: consoleSettingsSchema,
  secretFields: CHANNEL_SECRET_FIELDS.console,
};

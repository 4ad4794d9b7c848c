import type { ChannelKindName } from './settings.js';

/**
 * The settings fields of each channel kind that hold secrets (redacted from every message). One
 * table that both the kinds' settings (zod schemas, for config validation) and their senders read:
 * a sender that imported its settings module for these would bring zod into the deliver Lambda.
 */
export const CHANNEL_SECRET_FIELDS = {
  console: [],
  email: ['password'],
  logdrop: [],
  slack: ['url'],
  sns: [],
  teams: ['url'],
  webhook: ['url', 'secret', 'headers'],
} as const satisfies Record<ChannelKindName, readonly string[]>;

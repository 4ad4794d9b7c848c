import { createConsoleSender } from './console/console.js';
import { createEmailSender } from './email/email.js';
import { createLogDropSender } from './logdrop/logdrop.js';
import type { ChannelKindName } from './settings.js';
import { createSlackSender } from './slack/slack.js';
import { createTeamsSender } from './teams/teams.js';
import { createWebhookSender } from './webhook/webhook.js';
import type { ChannelFactory } from './types.js';

// Placeholder until the senders land; `satisfies` keeps it in step with settings.ts.
export const channelFactories = {
  console: createConsoleSender,
  email: createEmailSender,
  logdrop: createLogDropSender,
  slack: createSlackSender,
  teams: createTeamsSender,
  webhook: createWebhookSender,
} satisfies Record<ChannelKindName, ChannelFactory<never>>;

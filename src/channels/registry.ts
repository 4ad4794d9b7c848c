import { createConsoleSender } from './console/console.js';
import { createEmailSender } from './email/email.js';
import { createLogDropSender } from './logdrop/logdrop.js';
import type { ChannelKindName } from './settings.js';
import { createSlackSender } from './slack/slack.js';
import { createSnsSender } from './sns/sns.js';
import { createTeamsSender } from './teams/teams.js';
import { createWebhookSender } from './webhook/webhook.js';
import type { ChannelDefinition } from '../domain/config/model.js';
import type { ChannelSender } from '../domain/ports.js';
import type { ChannelDeps, ChannelFactory } from './types.js';

/** Each channel kind's sender factory; `satisfies` keeps it in step with settings.ts. */
export const channelFactories = {
  console: createConsoleSender,
  email: createEmailSender,
  logdrop: createLogDropSender,
  slack: createSlackSender,
  sns: createSnsSender,
  teams: createTeamsSender,
  webhook: createWebhookSender,
} satisfies Record<ChannelKindName, ChannelFactory<never>>;

/** Builds the sender of a configured channel, whose settings its kind's schema already validated. */
export function createChannelSender(channel: ChannelDefinition, deps: ChannelDeps): ChannelSender {
  const factory = channelFactories[channel.kind as ChannelKindName] as ChannelFactory<unknown> | undefined;
  if (!factory) throw new Error(`channel "${channel.id}" has kind "${channel.kind}", which this build does not know`);
  return factory(channel.id, channel.settings, deps);
}

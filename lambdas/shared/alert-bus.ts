import type { SNSClient } from '@aws-sdk/client-sns';
import { SnsEventBus, type SnsEventBusOptions } from '../../src/adapters/aws/sns-event-bus.js';
import type { DeploymentConfig } from '../../src/domain/config/model.js';
import type { Logger } from '../../src/domain/ports.js';
import { requireEnv } from './config.js';
import { ENV } from './environment.js';

/** The alert topic as an event bus, routed by the config (the rule, escalate, meta-alarm and lifecycle API functions). */
export function alertBusFromEnv(
  env: NodeJS.ProcessEnv,
  client: Pick<SNSClient, 'send'>,
  config: DeploymentConfig,
  logger: Logger,
  channelsFor?: SnsEventBusOptions['channelsFor'],
): SnsEventBus {
  return new SnsEventBus({
    client,
    topicArn: requireEnv(env, ENV.alertTopicArn),
    routes: config.routes,
    channels: config.channels,
    logger,
    ...(channelsFor !== undefined && { channelsFor }),
  });
}

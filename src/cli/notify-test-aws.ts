import { readFileSync } from 'node:fs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { messageFor } from '../adapters/aws/sns-event-bus.js';
import { parseConfigForDeployment } from '../domain/config/deploy.js';
import { ConfigError } from '../domain/errors.js';
import { testNotificationEvent } from './notify.js';
import type { CliOutput } from './validate.js';

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}$/;

export interface AwsNotifyTestOptions {
  /** The deployment config the stack was deployed from (to check the channel id). */
  readonly configPath: string;
  readonly channelId: string;
  /** The stack's AlertTopicArn output. */
  readonly topicArn: string | undefined;
  readonly out: CliOutput;
  readonly now?: () => number;
  readonly client?: Pick<SNSClient, 'send'>;
}

/**
 * `pflow notify test --aws --topic-arn ARN --channel ID`: checks a deployed channel end to end. It
 * publishes one clearly marked test event on the stack's alert topic, routed to that channel
 * alone, exactly as the rule function would, so it travels the channel's real path: subscription
 * filter, queue, deliver function, receiver. The CLI cannot see the delivery; it says where to look.
 * Exit 0 published, 1 SNS refused it, 2 bad arguments.
 */
export async function runAwsNotifyTest(options: AwsNotifyTestOptions): Promise<number> {
  const { out, channelId } = options;
  const region = TOPIC_ARN.exec(options.topicArn ?? '')?.[1];
  if (options.topicArn === undefined || region === undefined) {
    out.stderr(
      `--aws needs --topic-arn <the stack's AlertTopicArn output, arn:aws:sns:<region>:<account>:<name>>${options.topicArn === undefined ? '' : `; got ${JSON.stringify(options.topicArn)}`}\n`,
    );
    return 2;
  }
  let site: string;
  try {
    const { config } = parseConfigForDeployment(readFileSync(options.configPath, 'utf8'), options.configPath);
    if (!config.channels.some((channel) => channel.id === channelId)) {
      out.stderr(
        `no channel "${channelId}" in ${options.configPath}; configured: ${config.channels.map((channel) => channel.id).join(', ')}\n`,
      );
      return 2;
    }
    site = config.sites[0]?.id ?? 'pflow';
  } catch (error) {
    if (error instanceof ConfigError) {
      out.stderr(`${error.message}\n`);
      return 2;
    }
    out.stderr(`cannot read ${options.configPath}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }

  const event = testNotificationEvent(channelId, site, (options.now ?? Date.now)());
  const { Message, MessageAttributes } = messageFor(event, [channelId], 'test');
  const client = options.client ?? new SNSClient({ region });
  try {
    const result = await client.send(new PublishCommand({ TopicArn: options.topicArn, Message, MessageAttributes }));
    out.stdout(
      `published test event ${event.id} for channel "${channelId}" (SNS message ${result.MessageId ?? '(no id)'})\n` +
        `  it should arrive within a minute; if not, see the channel's dead-letter queue (stack output DeadLetters${channelId.replace(/[^A-Za-z0-9]/g, '')}):\n` +
        `  pflow notify dead-letters --aws --queue-url <that URL>\n`,
    );
    return 0;
  } catch (error) {
    // The SDK's message names the action and resource, never a secret: this command sends none.
    const name = error instanceof Error ? error.name : 'Error';
    out.stderr(`SNS refused the test event: ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

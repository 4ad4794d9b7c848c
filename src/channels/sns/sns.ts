import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { DeliveryOutcome, Notification } from '../../domain/notification/outcome.js';
import type { ChannelSender } from '../../domain/ports.js';
import { classifyAwsError } from '../common/aws-errors.js';
import type { ChannelFactory } from '../types.js';
import { renderSnsMessage } from './render.js';
import type { SnsSettings } from './settings.js';

type SnsPublisher = Pick<SNSClient, 'send'>;

function isSnsPublisher(value: unknown): value is SnsPublisher {
  return typeof (value as SnsPublisher | undefined)?.send === 'function';
}

/**
 * "SNS alerts": a route reaches plain SNS subscriptions (email, SMS, another account's queue) with
 * a human-readable text. One Publish per notification; the pipeline owns retries (maxAttempts 1).
 */
export const createSnsSender: ChannelFactory<SnsSettings> = (id, settings, deps) => {
  const topicArn = settings.topic_arn;
  // Validation requires it outside AWS; in AWS the deliver function fills in the stack's topic.
  if (topicArn === undefined) throw new Error(`channel "${id}": sns.topic_arn is not set`);
  const region = topicArn.split(':')[3];
  const injected = deps.aws?.sns;
  const client = isSnsPublisher(injected) ? injected : new SNSClient({ region, maxAttempts: 1 });
  return {
    id,
    kind: 'sns',
    async send(notification: Notification): Promise<DeliveryOutcome> {
      const { subject, message } = renderSnsMessage(notification, { timezoneFor: deps.timezoneFor });
      try {
        const result = await client.send(
          new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }),
        );
        return { status: 'delivered', detail: `SNS message ${result.MessageId ?? '(no id)'}` };
      } catch (error) {
        return classifyAwsError(error, 'SNS');
      }
    },
  } satisfies ChannelSender;
};

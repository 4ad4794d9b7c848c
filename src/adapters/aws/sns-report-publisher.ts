import { PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import { PflowError } from '../../domain/errors.js';
import type { ReportMessage } from '../../domain/report/message.js';
import { MAX_MESSAGE_BYTES, entrySize } from './sns-event-bus.js';

/**
 * Daily reports onto the alert topic, beside the alert events: one message per site and day, the
 * report's channel ids in the `channels` String.Array attribute, so each channel queue's existing
 * filter policy picks it up and no queue or subscription is added for reports.
 */
export class SnsReportPublisher {
  constructor(private readonly options: { readonly client: Pick<SNSClient, 'send'>; readonly topicArn: string }) {}

  async publish(message: ReportMessage, channels: readonly string[]): Promise<{ readonly messageId?: string }> {
    const attributes: Record<string, MessageAttributeValue> = {
      site: { DataType: 'String', StringValue: message.digest.site.id },
      report: { DataType: 'String', StringValue: message.report },
      channels: { DataType: 'String.Array', StringValue: JSON.stringify(channels) },
    };
    const body = JSON.stringify(message);
    const size = entrySize({ Id: 'r', Message: body, MessageAttributes: attributes });
    if (size > MAX_MESSAGE_BYTES) {
      throw new PflowError(
        'sns_message_too_large',
        `report ${message.report} for site ${message.digest.site.id} on ${message.digest.day} is ${size} bytes as an SNS message; the topic accepts ${MAX_MESSAGE_BYTES} (lower slowest or cert_within_days)`,
      );
    }
    const result = await this.options.client.send(
      new PublishCommand({ TopicArn: this.options.topicArn, Message: body, MessageAttributes: attributes }),
    );
    return result.MessageId === undefined ? {} : { messageId: result.MessageId };
  }
}

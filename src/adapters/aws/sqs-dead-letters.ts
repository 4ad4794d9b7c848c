import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** The attributes a consumer adds when it dead-letters a message itself (SQS allows 10 per message). */
export const DEAD_LETTER_ATTRIBUTES = {
  reason: 'pflow_reason',
  channel: 'pflow_channel',
  attempts: 'pflow_attempts',
  failedAt: 'pflow_failed_at',
} as const;

export interface SqsDeadLetter {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** Why it is here: the consumer's reason, or `retries exhausted` for one SQS moved after maxReceiveCount. */
  readonly reason: string;
  readonly channel?: string;
  /** Receives before it arrived here (the consumer's count, else SQS's ApproximateReceiveCount). */
  readonly attempts?: number;
  /** Epoch ms it was sent to this queue. */
  readonly sentAt?: number;
}

/** Receives per listing call; SQS hands out at most 10 per ReceiveMessage. */
const RECEIVE_BATCH = 10;
/** How long a listed message stays hidden before it is handed back (listing must not eat the queue). */
const LIST_VISIBILITY_SECONDS = 30;

/**
 * A channel's dead-letter queue. Consumers put permanent failures and malformed messages here at
 * once (SQS's redrive policy puts the ones that kept failing); `pflow notify dead-letters --aws`
 * lists them and moves them back.
 */
export class SqsDeadLetterQueue {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    readonly queueUrl: string,
  ) {}

  async add(
    body: string,
    failure: { reason: string; channel: string; attempts: number; failedAt: number },
  ): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body === '' ? '(empty message)' : body,
        MessageAttributes: {
          [DEAD_LETTER_ATTRIBUTES.reason]: {
            DataType: 'String',
            StringValue: failure.reason.slice(0, 1000) || 'unknown',
          },
          [DEAD_LETTER_ATTRIBUTES.channel]: { DataType: 'String', StringValue: failure.channel },
          [DEAD_LETTER_ATTRIBUTES.attempts]: { DataType: 'Number', StringValue: String(failure.attempts) },
          [DEAD_LETTER_ATTRIBUTES.failedAt]: { DataType: 'Number', StringValue: String(failure.failedAt) },
        },
      }),
    );
  }

  /**
   * Up to `max` messages, without consuming them: each receive hides them for a moment, and they are
   * made visible again before this returns.
   */
  async list(max = 100): Promise<SqsDeadLetter[]> {
    const seen = new Map<string, Message>();
    while (seen.size < max) {
      const page = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(RECEIVE_BATCH, max - seen.size),
          VisibilityTimeout: LIST_VISIBILITY_SECONDS,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
      );
      const messages = page.Messages ?? [];
      const fresh = messages.filter((message) => message.MessageId && !seen.has(message.MessageId));
      for (const message of fresh) seen.set(message.MessageId!, message);
      if (fresh.length === 0) break;
    }
    const all = [...seen.values()];
    for (let i = 0; i < all.length; i += RECEIVE_BATCH) {
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: all.slice(i, i + RECEIVE_BATCH).map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
    return all.map(deadLetterOf);
  }

  /**
   * Moves every message back for another try. With `toQueueUrl`, each listed message is re-sent
   * there and deleted here (works for messages consumers dead-lettered themselves); without it,
   * SQS's own redrive moves them to the queues they came from and returns its task handle.
   */
  async redrive(toQueueUrl?: string): Promise<{ moved?: number; taskHandle?: string }> {
    if (toQueueUrl === undefined) {
      const result = await this.client.send(new StartMessageMoveTaskCommand({ SourceArn: queueArn(this.queueUrl) }));
      return { ...(result.TaskHandle ? { taskHandle: result.TaskHandle } : {}) };
    }
    let moved = 0;
    for (const letter of await this.list(1000)) {
      await this.client.send(new SendMessageCommand({ QueueUrl: toQueueUrl, MessageBody: letter.body }));
      await this.client.send(
        new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: letter.receiptHandle }),
      );
      moved++;
    }
    return { moved };
  }
}

function deadLetterOf(message: Message): SqsDeadLetter {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const attempts = attribute(DEAD_LETTER_ATTRIBUTES.attempts) ?? message.Attributes?.ApproximateReceiveCount;
  const sentAt = message.Attributes?.SentTimestamp;
  const channel = attribute(DEAD_LETTER_ATTRIBUTES.channel);
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    reason: attribute(DEAD_LETTER_ATTRIBUTES.reason) ?? 'retries exhausted (moved by the queue’s redrive policy)',
    ...(channel !== undefined ? { channel } : {}),
    ...(attempts !== undefined ? { attempts: Number(attempts) } : {}),
    ...(sentAt !== undefined ? { sentAt: Number(sentAt) } : {}),
  };
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` → `arn:aws:sqs:<region>:<account>:<name>`. */
export function queueArn(queueUrl: string): string {
  const url = new URL(queueUrl);
  const [, account, name] = url.pathname.split('/');
  const region = /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(url.hostname)?.[1];
  if (!account || !name || !region) throw new Error(`not an SQS queue URL: ${queueUrl}`);
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deliverEntryFor, ENV, EVENT_ATTRIBUTES } from '../lambdas/shared/environment.js';
import type { ChannelDefinition, DeploymentConfig } from '../src/domain/config/model.js';
import type { FunctionDefaults } from './function-defaults.js';
import { QUEUE_DATA_KEY_REUSE } from './deployment-key.js';
import type { Storage } from './storage.js';

/** The deliver function's timeout; a queue's visibility timeout is 6× it (the Lambda guidance for SQS sources). */
export const DELIVER_TIMEOUT = Duration.seconds(30);
/** Concurrent deliveries per channel; Slack's webhook takes about one message a second, so it gets SQS's floor. */
export const CHANNEL_MAX_CONCURRENCY: Readonly<Record<string, number>> = { slack: 2 };
export const DEFAULT_CHANNEL_MAX_CONCURRENCY = 5;
/** SQS's largest batch for a standard queue consumer that we use; smaller for a paced channel (see channelBatchSize). */
export const CHANNEL_BATCH_SIZE = 10;

/**
 * A rate-limited channel's batch: each invocation sends at `rate ÷ maxConcurrency`, and a batch's
 * records queue for their slots, so at most as many records as fit in half the function's timeout
 * (the other half is for the sends themselves). Slack (1/s, concurrency 2, 30 s): 7 records.
 */
export function channelBatchSize(rateLimitPerSecond: number | undefined, maxConcurrency: number): number {
  if (rateLimitPerSecond === undefined) return CHANNEL_BATCH_SIZE;
  const fits = Math.floor((DELIVER_TIMEOUT.toSeconds() / 2) * (rateLimitPerSecond / maxConcurrency));
  return Math.max(1, Math.min(CHANNEL_BATCH_SIZE, fits));
}

export interface NotificationsProps {
  readonly config: DeploymentConfig;
  readonly functions: FunctionDefaults;
  readonly storage: Storage;
  /** The deployment key (DeploymentKey): topics and queues are encrypted with it. */
  readonly key: IKey;
}

/** One configured channel's delivery path in AWS. */
export interface ChannelPipeline {
  readonly channel: ChannelDefinition;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deliver: LambdaFunction;
  /** An `sns` channel without `topic_arn`: the topic the stack made for its subscribers. */
  readonly topic?: Topic;
}

/**
 * Alert events in AWS: one KMS-encrypted SNS topic the rule and meta-alarm functions publish on.
 * Routing stays the domain's — the publisher puts the chosen channel ids in the `channels`
 * String.Array attribute — so each channel's subscription filter is just its own id. Per channel:
 * an encrypted, TLS-only queue with raw delivery and a dead-letter queue after
 * `delivery.max_attempts` receives, consumed by that channel's deliver function with partial batch
 * responses and a maximum concurrency.
 */
export class Notifications extends Construct {
  readonly alertTopic: Topic;
  readonly channels: readonly ChannelPipeline[];

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const { config, functions, storage, key } = props;
    this.alertTopic = new Topic(this, 'AlertEvents', {
      displayName: 'PerformanceFlow alert events',
      masterKey: key,
      enforceSSL: true,
    });

    this.channels = config.channels.map((channel) => {
      const deadLetterQueue = new Queue(this, `${channel.id}-DeadLetters`, {
        encryption: QueueEncryption.KMS,
        encryptionMasterKey: key,
        dataKeyReuse: QUEUE_DATA_KEY_REUSE,
        enforceSSL: true,
        // The longest SQS keeps a message: dead letters wait for a person (`pflow notify dead-letters --aws`).
        retentionPeriod: Duration.days(14),
      });
      const queue = new Queue(this, `${channel.id}-Queue`, {
        encryption: QueueEncryption.KMS,
        encryptionMasterKey: key,
        dataKeyReuse: QUEUE_DATA_KEY_REUSE,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(DELIVER_TIMEOUT.toSeconds() * 6),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: config.delivery.maxAttempts },
      });
      this.alertTopic.addSubscription(
        new SqsSubscription(queue, {
          rawMessageDelivery: true,
          filterPolicy: { [EVENT_ATTRIBUTES.channels]: SubscriptionFilter.stringFilter({ allowlist: [channel.id] }) },
        }),
      );

      // An sns channel without its own topic gets one here; people subscribe to it (stack output).
      const topic =
        channel.kind === 'sns' && settingsOf(channel).topic_arn === undefined
          ? new Topic(this, `${channel.id}-Topic`, {
              displayName: `PerformanceFlow alerts (${channel.id})`,
              masterKey: key,
              enforceSSL: true,
            })
          : undefined;
      const maxConcurrency = CHANNEL_MAX_CONCURRENCY[channel.kind] ?? DEFAULT_CHANNEL_MAX_CONCURRENCY;
      const deliver = functions.create(this, `${channel.id}-Deliver`, 'deliver', {
        description: `Delivers alert events to channel ${channel.id} (${channel.kind})`,
        // This bundle carries that kind's sender alone (and for email, the channel's one transport).
        entry: deliverEntryFor(channel),
        timeout: DELIVER_TIMEOUT,
        memorySize: 256,
        environment: {
          [ENV.channelId]: channel.id,
          [ENV.channelMaxConcurrency]: String(maxConcurrency),
          [ENV.notificationLogTable]: storage.notificationLogTable.tableName,
          [ENV.deadLetterQueueUrl]: deadLetterQueue.queueUrl,
          ...(isLogDrop(channel) ? { [ENV.logDropBucket]: storage.logDropBucket.bucketName } : {}),
          ...(topic ? { [ENV.channelTopicArn]: topic.topicArn } : {}),
        },
      });
      deliver.addEventSource(
        new SqsEventSource(queue, {
          batchSize: channelBatchSize(channel.rateLimitPerSecond, maxConcurrency),
          reportBatchItemFailures: true,
          // With the handler's limiter at rate ÷ maxConcurrency, all invocations together keep the channel's rate.
          maxConcurrency,
        }),
      );
      storage.notificationLogTable.grant(deliver, 'dynamodb:GetItem', 'dynamodb:PutItem');
      storage.tableKey.grantEncryptDecrypt(deliver);
      deadLetterQueue.grantSendMessages(deliver);
      grantChannelKind(this, channel, deliver, storage);
      topic?.grantPublish(deliver);
      return { channel, queue, deadLetterQueue, deliver, ...(topic ? { topic } : {}) };
    });
  }

  /** A publisher of alert events (the rule and meta-alarm functions). */
  grantPublish(fn: LambdaFunction): void {
    this.alertTopic.grantPublish(fn);
  }
}

function isLogDrop(channel: ChannelDefinition): boolean {
  return channel.kind === 'logdrop' && settingsOf(channel).target === 's3';
}

function settingsOf(channel: ChannelDefinition): Readonly<Record<string, unknown>> {
  return typeof channel.settings === 'object' && channel.settings !== null
    ? (channel.settings as Record<string, unknown>)
    : {};
}

/** What a channel kind reaches besides the queue: SES, the log-drop bucket, another SNS topic. */
function grantChannelKind(scope: Construct, channel: ChannelDefinition, fn: LambdaFunction, storage: Storage): void {
  const settings = settingsOf(channel);
  const { region, account, partition } = Stack.of(scope);
  if (channel.kind === 'email' && settings.transport === 'ses' && typeof settings.from === 'string') {
    const address = /<([^>]+)>/.exec(settings.from)?.[1] ?? settings.from;
    const domain = address.slice(address.lastIndexOf('@') + 1);
    const ses = (resource: string) => `arn:${partition}:ses:${region}:${account}:${resource}`;
    // A send that names a configuration set is authorised on that set too, not only on the identity.
    const configurationSet =
      typeof settings.configuration_set === 'string' ? [ses(`configuration-set/${settings.configuration_set}`)] : [];
    fn.addToRolePolicy(
      new PolicyStatement({
        // SES v2 SendEmail with simple content (src/channels/email/ses.ts) is authorised as
        // ses:SendEmail; nothing here sends raw MIME, so no ses:SendRawEmail.
        actions: ['ses:SendEmail'],
        resources: [ses(`identity/${address}`), ses(`identity/${domain}`), ...configurationSet],
      }),
    );
  }
  if (isLogDrop(channel)) {
    storage.logDropBucket.grantPut(fn);
  }
  if (channel.kind === 'sns' && typeof settings.topic_arn === 'string') {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [settings.topic_arn] }));
  }
}

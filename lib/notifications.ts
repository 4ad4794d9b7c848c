import { Duration } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface NotificationsProps {
  /** Receives for a notification before it moves to the dead-letter queue (DeliverySettings.maxAttempts). */
  readonly maxReceiveCount?: number;
}

/**
 * The event bus and the delivery pipeline's durable parts in AWS: the SNS topic alert events are
 * published on (routed by message attributes site/severity/state/rule), and the retry queue with its
 * dead-letter queue that sit behind the DeliveryQueue and DeadLetterStore ports.
 */
export class Notifications extends Construct {
  readonly alertTopic: Topic;
  readonly deliveryQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    this.key = new Key(this, 'Key', { enableKeyRotation: true, description: 'PerformanceFlow alert events at rest' });

    this.alertTopic = new Topic(this, 'AlertEvents', {
      displayName: 'PerformanceFlow alert events',
      masterKey: this.key,
      enforceSSL: true,
    });

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      // The longest SQS keeps a message: dead letters wait for a person (`pflow notify dead-letters`).
      retentionPeriod: Duration.days(14),
    });

    this.deliveryQueue = new Queue(this, 'DeliveryRetries', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      visibilityTimeout: Duration.minutes(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 10 },
    });
  }
}

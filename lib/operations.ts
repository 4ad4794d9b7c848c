import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The deployment's own operational plumbing: the key its logs and operational queues are encrypted
 * with, and the two queues where work nobody could do ends up — schedule deliveries EventBridge
 * Scheduler gave up on, and asynchronous invocations that failed every attempt. Both are alarmed
 * on (MetaMonitoring), so a lost cycle is heard about, not silently dropped.
 */
export class Operations extends Construct {
  readonly key: Key;
  readonly failedSchedules: Queue;
  readonly failedInvocations: Queue;
  /** The probe and rule schedules, in one group so their delivery metrics are alarmed on together. */
  readonly scheduleGroup: ScheduleGroup;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { region, account, partition } = Stack.of(this);
    this.key = new Key(this, 'Key', {
      enableKeyRotation: true,
      description: 'PerformanceFlow logs and operational queues',
    });
    // CloudWatch Logs encrypts a log group with a customer managed key only if the key policy lets it.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` },
        },
      }),
    );

    const deadLetterDefaults = {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      // The longest SQS keeps a message: these wait for a person to look.
      retentionPeriod: Duration.days(14),
    };
    this.failedSchedules = new Queue(this, 'FailedSchedules', deadLetterDefaults);
    this.failedInvocations = new Queue(this, 'FailedInvocations', deadLetterDefaults);
    this.scheduleGroup = new ScheduleGroup(this, 'Schedules', { removalPolicy: RemovalPolicy.DESTROY });
  }
}

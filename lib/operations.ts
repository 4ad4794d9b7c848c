import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUE_DATA_KEY_REUSE } from './deployment-key.js';

export interface OperationsProps {
  /** The deployment key (DeploymentKey): the two queues are encrypted with it. */
  readonly key: IKey;
}

/**
 * The deployment's own operational plumbing: the two queues where work nobody could do ends up —
 * schedule deliveries EventBridge Scheduler gave up on, and asynchronous invocations that failed
 * every attempt. Both are alarmed on (MetaMonitoring), so a lost cycle is heard about, not
 * silently dropped.
 */
export class Operations extends Construct {
  readonly failedSchedules: Queue;
  readonly failedInvocations: Queue;
  /** The probe and rule schedules, in one group so their delivery metrics are alarmed on together. */
  readonly scheduleGroup: ScheduleGroup;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const deadLetterDefaults = {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      dataKeyReuse: QUEUE_DATA_KEY_REUSE,
      enforceSSL: true,
      // The longest SQS keeps a message: these wait for a person to look.
      retentionPeriod: Duration.days(14),
    };
    this.failedSchedules = new Queue(this, 'FailedSchedules', deadLetterDefaults);
    this.failedInvocations = new Queue(this, 'FailedInvocations', deadLetterDefaults);
    this.scheduleGroup = new ScheduleGroup(this, 'Schedules', { removalPolicy: RemovalPolicy.DESTROY });
  }
}

import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISchedule, ScheduleTargetConfig } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/**
 * Lets `grantee` put a dead letter into `queue`, which is encrypted with a customer managed key.
 * Lambda (a failed asynchronous invocation) and EventBridge Scheduler (a delivery it gave up on)
 * send it as the function's or the schedule's role, and SQS encrypts it as that sender, which
 * takes the key's GenerateDataKey and Decrypt. CDK's `deadLetterQueue` options grant
 * `sqs:SendMessage` only (aws/aws-cdk#33153 for Lambda; the Scheduler target the same), so without
 * this the send is refused, the dead letter is lost and the queue's depth alarm never sees it.
 * Only through SQS (`kms:ViaService`): the deployment key encrypts secrets and tables too.
 */
export function grantDeadLetterKey(grantee: IGrantable, queue: IQueue): void {
  const key = queue.encryptionMasterKey;
  if (key === undefined) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(queue).region}.amazonaws.com` } },
    }),
  );
}

/** A schedule's Lambda target whose role may also use its dead-letter queue's key (grantDeadLetterKey). */
export class DeadLetteringLambdaInvoke extends LambdaInvoke {
  private readonly deadLetterQueue: IQueue | undefined;

  constructor(fn: IFunction, props: ScheduleTargetBaseProps) {
    super(fn, props);
    this.deadLetterQueue = props.deadLetterQueue;
  }

  override bind(schedule: ISchedule): ScheduleTargetConfig {
    const config = super.bind(schedule);
    if (this.deadLetterQueue !== undefined) grantDeadLetterKey(config.role, this.deadLetterQueue);
    return config;
  }
}

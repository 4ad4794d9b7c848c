import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, type CfnKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The logical id the metric store's key had when each store made its own (path
 * `Storage/Metrics/Key`). The deployment key keeps it, so upgrading a stack reuses that key in
 * place: an AMP workspace's `KmsKeyArn` can only be set at creation, and a new key there would
 * replace the workspace and start its metric history empty. The other stores switch keys in place.
 */
export const DEPLOYMENT_KEY_LOGICAL_ID = 'StorageMetricsKey4DCD291B';

/**
 * How long SQS reuses a data key before asking KMS again, on every queue of the stack (the
 * channel queues and all dead-letter queues). SQS allows 1 minute to 24 hours (default 5
 * minutes); the HIPAA and AWS Solutions checks set no bound. An hour cuts the queues' KMS requests
 * twelvefold. It is also how long SQS may go on with a data key it already holds after the key is
 * disabled or a grant revoked, so not the full day, which would save only cents more.
 */
export const QUEUE_DATA_KEY_REUSE = Duration.hours(1);

/**
 * The deployment's one customer managed KMS key, rotated yearly by KMS. Everything the stack
 * encrypts uses it: log groups, queues, topics, DynamoDB tables, secrets and the metric store. One
 * key instead of one per concern saves $1 a month per key; who may use it is still decided per
 * function by its role's grants, and per AWS service by the statements below and those the other
 * constructs add (CloudWatch alarms for the alarm topic, SNS for the channel queues, Secrets
 * Manager for the secrets), each limited to what that service does with it.
 *
 * It is always retained: created secrets are retained on delete, and so must be the key they can
 * only be read with.
 */
export class DeploymentKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { region, account, partition } = Stack.of(this);
    this.key = new Key(this, 'Key', {
      enableKeyRotation: true,
      description: 'PerformanceFlow: logs, queues, topics, tables, secrets and the metric store',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.key.node.defaultChild as CfnKey).overrideLogicalId(DEPLOYMENT_KEY_LOGICAL_ID);
    // CloudWatch Logs encrypts a log group with a customer managed key only if the key policy lets
    // it, and only for log groups of this account and region (its encryption context).
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
  }
}

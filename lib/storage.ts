import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface StorageProps {
  /** Days a log-drop object is kept before S3 expires it; the agent syncs it on-prem long before. */
  readonly logDropRetentionDays?: number;
  /** Keep tables and buckets when the stack is deleted (the default): alert history is evidence. */
  readonly retainOnDelete?: boolean;
}

/**
 * Durable state behind the domain's ports in AWS: alert instance state (AlertStateStore, written
 * with conditional writes) and the S3 log drop the on-prem agent syncs to the proprietary system.
 * The time-series store comes with the ingest work: Timestream for LiveAnalytics no longer takes
 * new accounts (shared/reference/aws-facts.md §1.1), so that choice is made there.
 */
export class Storage extends Construct {
  readonly alertStateTable: TableV2;
  readonly logDropBucket: Bucket;
  readonly accessLogBucket: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const removalPolicy = props.retainOnDelete === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.alertStateTable = new TableV2(this, 'AlertState', {
      partitionKey: { name: 'key', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.retainOnDelete !== false,
      removalPolicy,
    });

    this.accessLogBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
    });

    this.logDropBucket = new Bucket(this, 'LogDrop', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'logdrop/',
      lifecycleRules: [{ expiration: Duration.days(props.logDropRetentionDays ?? 30) }],
      removalPolicy,
    });
  }
}

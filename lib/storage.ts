import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../lambdas/shared/environment.js';
import type { DeploymentConfig } from '../src/domain/config/model.js';
import { metricStoreFactory } from './metric-stores/registry.js';
import type { MetricStoreConstruct } from './metric-stores/types.js';

export interface StorageProps {
  /** The deployment config: the metric store, its retention and the table TTLs come from it. */
  readonly config: DeploymentConfig;
  /** Days a log-drop object is kept before S3 expires it; the agent syncs it on-prem long before. */
  readonly logDropRetentionDays?: number;
  /** Keep tables, the metric store and buckets when the stack is deleted (the default): alert history is evidence. */
  readonly retainOnDelete?: boolean;
  /** The deployment key (DeploymentKey): the tables and the metric store are encrypted with it. */
  readonly key: IKey;
}

/**
 * Durable state behind the domain's ports in AWS: the metric store (chosen by
 * `storage.metrics.backend` from the registry in `metric-stores/`), alert instance state
 * (conditional writes), the notification log (the exactly-once record of each delivery, expired by
 * TTL) and the S3 log drop the on-prem agent syncs to the proprietary system.
 */
export class Storage extends Construct {
  readonly metricStore: MetricStoreConstruct;
  readonly alertStateTable: Table;
  readonly notificationLogTable: Table;
  /** The key the tables are encrypted with (the deployment key): functions reading or writing them are granted its use. */
  readonly tableKey: IKey;
  readonly logDropBucket: Bucket;
  readonly accessLogBucket: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const retain = props.retainOnDelete !== false;
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.metricStore = metricStoreFactory(props.config.storage.metrics.backend)(this, 'Metrics', {
      config: props.config,
      retainOnDelete: retain,
      key: props.key,
    });

    this.tableKey = props.key;
    const tableDefaults = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      // A customer managed key: the plain Table, as TableV2 cannot render one in a region-agnostic stack.
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.tableKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      removalPolicy,
    };

    this.alertStateTable = new Table(this, 'AlertState', {
      ...tableDefaults,
      partitionKey: { name: TABLE_KEYS.alertState.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.alertState.sortKey, type: AttributeType.STRING },
    });

    this.notificationLogTable = new Table(this, 'NotificationLog', {
      ...tableDefaults,
      partitionKey: { name: TABLE_KEYS.notificationLog.partitionKey, type: AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEYS.notificationLog.ttlAttribute,
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

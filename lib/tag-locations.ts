import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENV, TABLE_KEYS } from '../lambdas/shared/environment.js';
import { IMPORT_PARTITION_PREFIX } from '../src/adapters/aws/dynamodb-asset-imports.js';
import type { Storage } from './storage.js';

export interface TagLocationsProps {
  readonly storage: Storage;
  readonly retainOnDelete: boolean;
}

/**
 * Where every RF-ID tag is now (issue 11), when the config has an `assets:` section: one DynamoDB
 * item per site and tag, written by the ingest function with conditional puts
 * (src/adapters/aws/dynamodb-tag-locations.ts), and by the collect function for pulled batches. Encrypted with the stack's table key, point-in-time
 * recovery on: it is the answer to "where is the pump", not a cache that rebuilds itself.
 */
export class TagLocations extends Construct {
  readonly table: Table;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: TagLocationsProps,
  ) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.tagLocations.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.tagLocations.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.storage.tableKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.retainOnDelete,
      removalPolicy: props.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  /**
   * A function that answers from where tags are now (the asset function, the daily report, the
   * lifecycle API's where-is): the table's name, and the one call it makes (Query, a site's tags).
   */
  grantRead(fn: LambdaFunction): void {
    fn.addEnvironment(ENV.tagLocationTable, this.table.tableName);
    this.table.grant(fn, 'dynamodb:Query');
    this.props.storage.tableKey.grantDecrypt(fn);
  }

  /**
   * A function that reads the assets imported from CSV beside the config's registry (the asset
   * function, the daily report): GetItem and Query on the `registry#…` partitions only.
   */
  grantImportsRead(fn: LambdaFunction): void {
    this.grantImportPartitions(fn, ['dynamodb:GetItem', 'dynamodb:Query']);
  }

  /**
   * The lifecycle API, which stores `pflow assets import --aws`: it also puts the chunks and the
   * index item and deletes the replaced chunks, on the `registry#…` partitions only (never a tag's).
   */
  grantImportsWrite(fn: LambdaFunction): void {
    this.grantImportPartitions(fn, ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem']);
    this.props.storage.tableKey.grantEncryptDecrypt(fn);
  }

  private grantImportPartitions(fn: LambdaFunction, actions: string[]): void {
    fn.addEnvironment(ENV.tagLocationTable, this.table.tableName);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions,
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${IMPORT_PARTITION_PREFIX}*`] } },
      }),
    );
  }

  /**
   * A function that stores agent batches (the ingest function, and the collect function in pull
   * mode): the table's name, and exactly the three calls the adapter makes.
   */
  grantIngest(fn: LambdaFunction): void {
    fn.addEnvironment(ENV.tagLocationTable, this.table.tableName);
    this.table.grant(fn, 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem');
    this.props.storage.tableKey.grantEncryptDecrypt(fn);
  }
}

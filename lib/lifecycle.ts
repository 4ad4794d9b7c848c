import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi, HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/shared/environment.js';
import { ALERT_HISTORY_PREFIX } from '../src/adapters/aws/dynamodb-alert-history.js';
import { AUDIT_PARTITION, LIFECYCLE_KEYS } from '../src/adapters/aws/dynamodb-lifecycle.js';
import { oncallTeamsOf } from '../src/domain/lifecycle/oncall.js';
import type { FunctionDefaults } from './function-defaults.js';
import { LoggedHttpApi } from './logged-http-api.js';
import type { Notifications } from './notifications.js';
import type { Operations } from './operations.js';
import type { Rules } from './rules.js';
import { everyInterval } from './schedules.js';
import type { Storage } from './storage.js';

/** The escalation function's pace: a tier is told within a minute of falling due. */
export const ESCALATE_INTERVAL = Duration.minutes(1);
/**
 * Requests per second across the lifecycle API (steady, burst): people opening links and the CLI.
 * Low on purpose: nothing legitimate comes near it, and a flood of forged links stops at the stage.
 */
export const LIFECYCLE_THROTTLE = { rateLimit: 10, burstLimit: 20 } as const;

export interface LifecycleProps {
  readonly functions: FunctionDefaults;
  readonly storage: Storage;
  readonly notifications: Notifications;
  readonly operations: Operations;
  readonly rules: Rules;
  readonly logKey: IKey;
  readonly retainOnDelete: boolean;
}

/**
 * An alert's life after it fires, in AWS: the lifecycle table (run-time silences, acknowledgements
 * and their audit, used link nonces, on-call schedules and overrides), the lifecycle API (the acknowledge link's confirmation page,
 * and ack/unack/silence calls behind IAM) on an HTTP API of its own, and the escalation function
 * every minute. The rule function reads silences and acknowledgements from the table; every
 * channel's deliver function makes acknowledge links that point at this API.
 */
export class Lifecycle extends Construct {
  readonly table: Table;
  readonly api: HttpApi;
  readonly apiFn: LambdaFunction;
  readonly escalateFn: LambdaFunction;
  readonly schedule: Schedule;
  /** The routes a signed link opens: no authorizer, the link's HMAC is the credential. */
  readonly linkRoutes: readonly HttpRoute[];
  readonly url: string;
  private readonly tableKey: IKey;

  constructor(scope: Construct, id: string, props: LifecycleProps) {
    super(scope, id);
    const { storage, notifications } = props;
    const removalPolicy = props.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // The audit trail is evidence: the customer managed key, point-in-time recovery, kept on delete.
    this.table = new Table(this, 'Table', {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: storage.tableKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.retainOnDelete,
      removalPolicy,
      partitionKey: { name: LIFECYCLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: LIFECYCLE_KEYS.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: LIFECYCLE_KEYS.ttlAttribute,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: LIFECYCLE_KEYS.alertIndex,
      partitionKey: { name: LIFECYCLE_KEYS.alertIndexKey, type: AttributeType.STRING },
      sortKey: { name: LIFECYCLE_KEYS.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    const common = {
      [ENV.alertStateTable]: storage.alertStateTable.tableName,
      [ENV.lifecycleTable]: this.table.tableName,
      [ENV.alertTopicArn]: notifications.alertTopic.topicArn,
    };
    this.apiFn = props.functions.create(this, 'ApiFunction', 'lifecycleApi', {
      description: 'Acknowledge-link page, acknowledgements and run-time silences',
      timeout: Duration.seconds(10),
      memorySize: 256,
      environment: common,
    });
    storage.alertStateTable.grant(this.apiFn, 'dynamodb:Scan');
    this.table.grant(
      this.apiFn,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
    );
    storage.tableKey.grantEncryptDecrypt(this.apiFn);
    notifications.grantPublish(this.apiFn);

    this.escalateFn = props.functions.create(this, 'EscalateFunction', 'escalate', {
      description: 'Tells the escalation tiers that fell due and nobody acknowledged',
      timeout: Duration.seconds(60),
      memorySize: 256,
      environment: common,
    });
    storage.alertStateTable.grant(this.escalateFn, 'dynamodb:Scan', 'dynamodb:PutItem');
    // Query, UpdateItem and DeleteItem: the acknowledgement outbox's sweep (claims and marks sent the
    // updates left behind) and acknowledgements of resolved alerts; GetItem and PutItem: the on-call
    // schedules it copies from the config when they changed (conditional puts).
    this.table.grant(
      this.escalateFn,
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    );
    storage.tableKey.grantEncryptDecrypt(this.escalateFn);
    notifications.grantPublish(this.escalateFn);
    this.schedule = everyInterval(this, 'EscalateSchedule', {
      fn: this.escalateFn,
      intervalMs: ESCALATE_INTERVAL.toMilliseconds(),
      input: {},
      operations: props.operations,
      description: 'PerformanceFlow escalation tiers due',
    });

    // The rule function holds alerts with the run-time silences and acknowledgements, and writes
    // each alert event to its site's history partition (the daily report reads it) — there only.
    props.rules.fn.addEnvironment(ENV.lifecycleTable, this.table.tableName);
    this.table.grant(props.rules.fn, 'dynamodb:Query');
    this.grantPartitions(props.rules.fn, ['dynamodb:BatchWriteItem'], [`${ALERT_HISTORY_PREFIX}*`]);

    const http = new LoggedHttpApi(this, 'Default', {
      description: 'PerformanceFlow acknowledge links, acknowledgements and silences',
      throttle: LIFECYCLE_THROTTLE,
      logKey: props.logKey,
      // No path: it carries the signed link, which must not sit in logs for its lifetime.
      accessLogFields: {
        latencyMs: '$context.integrationLatency',
        caller: '$context.identity.userArn',
      },
    });
    this.api = http.api;
    this.tableKey = storage.tableKey;
    this.url = http.url;
    const integration = new HttpLambdaIntegration('Lifecycle', this.apiFn);
    this.linkRoutes = this.api.addRoutes({
      path: '/ack/{token}',
      methods: [HttpMethod.GET, HttpMethod.POST],
      integration,
    });
    this.api.addRoutes({
      path: '/api/{proxy+}',
      methods: [HttpMethod.GET, HttpMethod.POST],
      integration,
      authorizer: new HttpIamAuthorizer(),
    });

    // Links point here unless the config's acknowledge.link_base_url names another origin.
    this.apiFn.addEnvironment(ENV.ackBaseUrl, this.url);
    for (const pipeline of notifications.channels) {
      pipeline.deliver.addEnvironment(ENV.ackBaseUrl, this.url);
      // A channel naming oncall:<team> reads the team's run-time overrides when it sends (one Query
      // per team and message); the others get no access to the table.
      if (oncallTeamsOf(pipeline.channel.settings).length > 0) {
        pipeline.deliver.addEnvironment(ENV.lifecycleTable, this.table.tableName);
        this.table.grant(pipeline.deliver, 'dynamodb:Query');
      }
    }
  }

  /**
   * The daily report's reads: Query on the alert history partitions (`history#<site>`) and the
   * acknowledgement audit (`audit`), nothing else of the table, and decrypting with its key.
   */
  grantReportReader(fn: LambdaFunction): void {
    fn.addEnvironment(ENV.lifecycleTable, this.table.tableName);
    this.grantPartitions(fn, ['dynamodb:Query'], [`${ALERT_HISTORY_PREFIX}*`, AUDIT_PARTITION]);
    this.tableKey.grantDecrypt(fn);
  }

  /** Actions on the table limited to items whose partition key matches one of `partitions` (dynamodb:LeadingKeys). */
  private grantPartitions(fn: LambdaFunction, actions: string[], partitions: string[]): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions,
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
      }),
    );
  }
}

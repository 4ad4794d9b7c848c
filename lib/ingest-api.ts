import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENV, TABLE_KEYS } from '../lambdas/shared/environment.js';
import type { DeploymentConfig } from '../src/domain/config/model.js';
import type { FunctionDefaults } from './function-defaults.js';
import { LoggedHttpApi } from './logged-http-api.js';
import type { MetricStoreConstruct } from './metric-stores/types.js';
import type { Storage } from './storage.js';

/** Whether the config has anything for an agent to send: a probe that runs on one, or an agent to pull. */
export function agentsDeclared(config: DeploymentConfig): boolean {
  return (
    config.probes.some((probe) => probe.runsOn.startsWith('agent:')) ||
    config.aws?.pull !== undefined ||
    // A site's agents: declaration: they scrape and send even when no probe of the config runs on them.
    config.sites.some((site) => (site.agents?.length ?? 0) > 0)
  );
}

/**
 * How long API Gateway keeps the authorizer's answer per Authorization header. It bounds how long
 * a revoked token still gets in; 5 minutes against one DynamoDB read per batch otherwise.
 */
export const AUTHORIZER_CACHE_TTL = Duration.minutes(5);
/** Requests per second across the API (steady, burst): a site's agent sends a batch every few seconds. */
export const INGEST_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

export interface IngestApiProps {
  readonly functions: FunctionDefaults;
  readonly storage: Storage;
  readonly metricStore: MetricStoreConstruct;
  readonly logKey: IKey;
  readonly retainOnDelete: boolean;
}

/**
 * The agents' ingest API: an HTTP API with `POST /v1/ingest` and `GET /v1/events` behind a Lambda
 * request authorizer (cached per Authorization header), access logs, stage throttling; the token
 * table and the batch idempotency table. HTTP APIs have no body-size setting below their fixed
 * 10 MB: the ingest function refuses bodies over INGEST_LIMITS (413) before reading them.
 */
export class IngestApi extends Construct {
  readonly api: HttpApi;
  readonly tokenTable: Table;
  readonly batchTable: Table;
  readonly fn: LambdaFunction;
  readonly authorizerFn: LambdaFunction;
  readonly url: string;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    const removalPolicy = props.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const tableDefaults = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.storage.tableKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.retainOnDelete,
      removalPolicy,
    };
    this.tokenTable = new Table(this, 'AgentTokens', {
      ...tableDefaults,
      partitionKey: { name: TABLE_KEYS.agentTokens.partitionKey, type: AttributeType.STRING },
    });
    this.batchTable = new Table(this, 'IngestBatches', {
      ...tableDefaults,
      partitionKey: { name: TABLE_KEYS.ingestBatches.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.ingestBatches.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEYS.ingestBatches.ttlAttribute,
    });

    this.authorizerFn = props.functions.create(this, 'Authorizer', 'ingestAuthorizer', {
      description: 'Checks an agent bearer token (SHA-256 lookup) and passes on its site',
      timeout: Duration.seconds(5),
      memorySize: 256,
      environment: { [ENV.agentTokenTable]: this.tokenTable.tableName },
    });
    this.tokenTable.grant(this.authorizerFn, 'dynamodb:GetItem');
    props.storage.tableKey.grantDecrypt(this.authorizerFn);

    this.fn = props.functions.create(this, 'Function', 'ingest', {
      description: 'Stores agent batches (idempotent per site and batch id) and serves their alert events',
      timeout: Duration.seconds(25),
      // The largest batch the limits allow (16 MiB of JSON once gunzipped, 50,000 samples) peaks near
      // 235 MB RSS while it is decoded, inflated and validated; 512 MB is twice that. More would buy
      // CPU that a reference push (2,000 series) does not need. pflow cost reads this value.
      memorySize: 512,
      environment: {
        [ENV.ingestBatchTable]: this.batchTable.tableName,
        [ENV.logDropBucket]: props.storage.logDropBucket.bucketName,
      },
    });
    this.batchTable.grant(this.fn, 'dynamodb:GetItem', 'dynamodb:PutItem');
    props.storage.tableKey.grantEncryptDecrypt(this.fn);
    props.metricStore.grantIngestWriter(this.fn);
    // Exactly the two reads the events route makes (grantRead would add s3:GetObject*, s3:List*).
    this.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.storage.logDropBucket.bucketArn] }),
    );
    this.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [props.storage.logDropBucket.arnForObjects('*')] }),
    );

    const authorizer = new HttpLambdaAuthorizer('AgentToken', this.authorizerFn, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });
    const integration = new HttpLambdaIntegration('Ingest', this.fn);
    const http = new LoggedHttpApi(this, 'Default', {
      description: 'PerformanceFlow agent ingest API',
      throttle: INGEST_THROTTLE,
      logKey: props.logKey,
      accessLogFields: {
        bytes: '$context.responseLength',
        latencyMs: '$context.integrationLatency',
        site: '$context.authorizer.site',
        tokenId: '$context.authorizer.tokenId',
        authorizerError: '$context.authorizer.error',
      },
    });
    this.api = http.api;
    this.api.addRoutes({ path: '/v1/ingest', methods: [HttpMethod.POST], integration, authorizer });
    this.api.addRoutes({ path: '/v1/events', methods: [HttpMethod.GET], integration, authorizer });
    this.url = http.url;
  }
}

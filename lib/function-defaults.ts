import { resolve } from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import { RemovalPolicy } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_CONFIG_FILE, ENV, LAMBDA_ENTRIES, METRICS, SERVICES } from '../lambdas/shared/environment.js';
import type { LambdaName } from '../lambdas/shared/environment.js';
import type { ReadingFunction } from '../src/domain/config/secret-readers.js';
import { grantDeadLetterKey } from './dead-letter-grants.js';
import { lambdaBundling, type BundledMetricsBackend } from './function-bundling.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');

/** How the functions' code is made: bundled from the handlers (deploy) or a stub (construct tests). */
export type FunctionCode = { readonly kind: 'bundle'; readonly configJsonPath: string } | { readonly kind: 'stub' };

export interface FunctionDefaultsProps {
  readonly code: FunctionCode;
  /** Encrypts every function's log group. */
  readonly logKey: IKey;
  readonly logRetention?: RetentionDays;
  /** Where asynchronous invocations that failed every attempt go (Scheduler, SNS → Lambda). */
  readonly failedInvocations: IQueue;
  /** Environment every function gets (secrets prefix, metric store, …). */
  readonly environment: Readonly<Record<string, string>>;
}

export interface FunctionOptions {
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly environment?: Readonly<Record<string, string>>;
  readonly description: string;
  /** A function that must reach into a VPC (the collect function); the others stay outside any. */
  readonly network?: {
    readonly vpc: IVpc;
    readonly vpcSubnets: SubnetSelection;
    readonly securityGroups: ISecurityGroup[];
  };
  /** The entry file, for a function with more than one (deliver: deliverEntryFor, by channel kind and email transport). */
  readonly entry?: string;
}

/**
 * Every PerformanceFlow function is made here, the same way: `nodejs24.x` on arm64, bundled by
 * local esbuild (no Docker) with the validated config copied in as PFLOW_CONFIG_FILE, its own
 * KMS-encrypted log group with a retention, and its own role that starts with nothing but
 * writing to that log group — each construct then grants exactly what its function needs.
 */
export class FunctionDefaults extends Construct {
  private readonly props: FunctionDefaultsProps;
  readonly functions: LambdaFunction[] = [];
  /** Each function as a secret's readers name it (src/domain/config/secret-readers.ts). */
  private readonly readingFunctions = new Map<LambdaFunction, ReadingFunction & { readonly fn: LambdaName }>();

  constructor(scope: Construct, id: string, props: FunctionDefaultsProps) {
    super(scope, id);
    this.props = props;
  }

  /** The deployment's metric store, from the environment every function gets (the store construct sets it). */
  private metricsBackend(): BundledMetricsBackend {
    const backend = this.props.environment[ENV.metricsBackend];
    if (backend !== 'timestream' && backend !== 'amp') {
      throw new Error(
        `${ENV.metricsBackend} must be "timestream" or "amp" for bundling, got ${JSON.stringify(backend)}`,
      );
    }
    return backend;
  }

  create(scope: Construct, id: string, name: LambdaName, options: FunctionOptions): LambdaFunction {
    const entry = options.entry ?? (name === 'deliver' ? undefined : LAMBDA_ENTRIES[name]);
    if (entry === undefined) throw new Error(`function ${name} needs its entry file (deliverEntryFor)`);
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: this.props.logRetention ?? RetentionDays.THREE_MONTHS,
      encryptionKey: this.props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole: logs to this one group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${options.description} (PerformanceFlow)`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const common = {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: options.timeout,
      memorySize: options.memorySize,
      description: options.description,
      role,
      logGroup,
      deadLetterQueue: this.props.failedInvocations,
      environment: {
        ...this.props.environment,
        [ENV.configFile]: DEFAULT_CONFIG_FILE,
        POWERTOOLS_SERVICE_NAME: SERVICES[name],
        POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
        NODE_OPTIONS: '--enable-source-maps',
        ...options.environment,
      },
      ...options.network,
    };
    const fn =
      this.props.code.kind === 'bundle'
        ? new NodejsFunction(scope, id, {
            ...common,
            entry: resolve(REPO_ROOT, entry),
            handler: 'handler',
            projectRoot: REPO_ROOT,
            depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
            bundling: lambdaBundling(this.props.code.configJsonPath, this.metricsBackend()),
          })
        : new LambdaFunction(scope, id, {
            ...common,
            handler: 'index.handler',
            // Names the entry the bundle would be built from, so the assertion tests can check the choice.
            code: Code.fromInline(`export const handler = async () => ({ stub: ${JSON.stringify(entry)} });`),
          });
    // Lambda dead-letters a failed asynchronous invocation as this role, into an encrypted queue.
    grantDeadLetterKey(role, this.props.failedInvocations);
    this.functions.push(fn);
    const channel = options.environment?.[ENV.channelId];
    this.readingFunctions.set(fn, { fn: name, ...(channel !== undefined && { channel }) });
    return fn;
  }

  /** A function of this construct as a secret's readers name it: what its loader finds in its environment. */
  readingFunction(fn: LambdaFunction): ReadingFunction & { readonly fn: LambdaName } {
    const reading = this.readingFunctions.get(fn);
    if (reading === undefined) throw new Error(`function ${fn.node.path} was not made by FunctionDefaults`);
    return reading;
  }
}

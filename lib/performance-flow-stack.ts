import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { ComparisonOperator } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { ENV, LOADS_NO_CONFIG } from '../lambdas/shared/environment.js';
import type { DeploymentConfig } from '../src/domain/config/model.js';
import { Collect } from './collect.js';
import { DeploymentKey } from './deployment-key.js';
import { FunctionDefaults, type FunctionCode } from './function-defaults.js';
import { Grafana } from './grafana.js';
import { agentsDeclared, IngestApi } from './ingest-api.js';
import { TagLocations } from './tag-locations.js';
import { AssetAnswers } from './assets.js';
import { Lifecycle } from './lifecycle.js';
import { MetaMonitoring } from './meta-monitoring.js';
import { acknowledgeFindings } from './nag-acknowledgements.js';
import { Notifications } from './notifications.js';
import { Operations } from './operations.js';
import { Probes } from './probes.js';
import { Reports } from './reports.js';
import { Rules } from './rules.js';
import { Secrets } from './secrets.js';
import type { SecretReaders } from '../src/domain/config/secret-readers.js';
import { Storage } from './storage.js';

export interface PerformanceFlowStackProps extends StackProps {
  /** The validated deployment config (secrets as stand-ins: only its shape is read here). */
  readonly config: DeploymentConfig;
  /** Every `${NAME}` the config references. */
  readonly secretNames: readonly string[];
  /**
   * Which functions read each secret: the bundled config's `readers` (secretReadersOf). Each
   * function is granted only those; without it, every function that loads the config is granted
   * every secret (never too little: the functions' loaders read by the same bundled readers).
   */
  readonly secretReaders?: Readonly<Record<string, SecretReaders>>;
  /** How the functions' code is built: `bundle` for deploys, `stub` for construct tests. */
  readonly code: FunctionCode;
  readonly retainOnDelete?: boolean;
  /** Where the Grafana dashboards' JSON is read from (default: the repository's `dashboards/`). */
  readonly dashboardsDir?: string;
}

/** One deployment (many sites). Stacks only compose constructs; each construct owns one concern. */
export class PerformanceFlowStack extends Stack {
  readonly deploymentKey: DeploymentKey;
  readonly operations: Operations;
  readonly storage: Storage;
  readonly secrets: Secrets;
  readonly functions: FunctionDefaults;
  readonly notifications: Notifications;
  readonly probes: Probes;
  readonly rules: Rules;
  readonly lifecycle: Lifecycle;
  readonly metaMonitoring: MetaMonitoring;
  /** Present when the config has daily reports (`reports:`). */
  readonly reports?: Reports;
  /** Present when the config has a `grafana:` section. */
  readonly grafana?: Grafana;
  /** The agents' ingest API: only when a probe runs on an agent (`runs_on: agent:<id>`). */
  readonly ingestApi?: IngestApi;
  readonly tagLocations?: TagLocations;
  readonly assetAnswers?: AssetAnswers;
  /** Pull mode's collect function and schedules: only with `aws.pull`. */
  readonly collect?: Collect;

  constructor(scope: Construct, id: string, props: PerformanceFlowStackProps) {
    super(scope, id, props);
    const aws = props.config.aws ?? { secretsPrefix: 'pflow/', secrets: {} };
    this.deploymentKey = new DeploymentKey(this, 'DeploymentKey');
    const key = this.deploymentKey.key;
    this.operations = new Operations(this, 'Operations', { key });
    this.storage = new Storage(this, 'Storage', {
      config: props.config,
      retainOnDelete: props.retainOnDelete ?? true,
      key,
    });
    this.secrets = new Secrets(this, 'Secrets', {
      names: props.secretNames,
      aws,
      key,
      ...(props.secretReaders !== undefined && { readers: props.secretReaders }),
    });
    this.functions = new FunctionDefaults(this, 'Functions', {
      code: props.code,
      logKey: key,
      failedInvocations: this.operations.failedInvocations,
      environment: { [ENV.secretsPrefix]: aws.secretsPrefix, ...this.storage.metricStore.environment },
    });
    this.notifications = new Notifications(this, 'Notifications', {
      config: props.config,
      functions: this.functions,
      storage: this.storage,
      key,
    });
    const common = {
      config: props.config,
      functions: this.functions,
      metricStore: this.storage.metricStore,
      operations: this.operations,
    };
    this.probes = new Probes(this, 'Probes', common);
    this.rules = new Rules(this, 'Rules', { ...common, storage: this.storage, notifications: this.notifications });
    this.lifecycle = new Lifecycle(this, 'Lifecycle', {
      functions: this.functions,
      storage: this.storage,
      notifications: this.notifications,
      operations: this.operations,
      rules: this.rules,
      logKey: key,
      retainOnDelete: props.retainOnDelete ?? true,
    });
    if ((props.config.reports ?? []).length > 0) {
      this.reports = new Reports(this, 'Reports', {
        ...common,
        notifications: this.notifications,
        lifecycle: this.lifecycle,
      });
    }
    this.metaMonitoring = new MetaMonitoring(this, 'MetaMonitoring', {
      functions: this.functions,
      notifications: this.notifications,
      operations: this.operations,
      key,
      ruleCycles: this.rules.cycles,
      reportSlots: this.reports?.slots ?? [],
    });
    // RTLS tag events reach AWS only through an agent, so an assets: section needs the ingest API too.
    if (agentsDeclared(props.config) || props.config.assets !== undefined) {
      this.ingestApi = new IngestApi(this, 'IngestApi', {
        functions: this.functions,
        storage: this.storage,
        metricStore: this.storage.metricStore,
        logKey: key,
        retainOnDelete: props.retainOnDelete ?? true,
      });
      if (props.config.assets !== undefined) {
        this.tagLocations = new TagLocations(this, 'TagLocations', {
          storage: this.storage,
          retainOnDelete: props.retainOnDelete ?? true,
        });
        this.tagLocations.grantIngest(this.ingestApi.fn);
        this.storage.metricStore.grantTagHistoryWriter(this.ingestApi.fn);
        // The daily report's asset section reads where the site's tags are now.
        if (this.reports) {
          this.tagLocations.grantRead(this.reports.fn);
          this.tagLocations.grantImportsRead(this.reports.fn);
        }
        // `pflow assets find|import --aws` ask the lifecycle API (GET /api/assets, POST /api/assets/import,
        // behind IAM): it reads where assets are and stores the CSV imports beside them.
        this.tagLocations.grantRead(this.lifecycle.apiFn);
        this.tagLocations.grantImportsWrite(this.lifecycle.apiFn);
        this.assetAnswers = new AssetAnswers(this, 'AssetAnswers', {
          functions: this.functions,
          metricStore: this.storage.metricStore,
          tagLocations: this.tagLocations,
          operations: this.operations,
        });
      }
      const pull = props.config.aws?.pull;
      if (pull !== undefined) {
        const collect = new Collect(this, 'Collect', {
          pull,
          functions: this.functions,
          metricStore: this.storage.metricStore,
          operations: this.operations,
          batchTable: this.ingestApi.batchTable,
          tableKey: this.storage.tableKey,
        });
        // A pulled batch's tag events go where a pushed one's do: their history and the locations.
        if (this.tagLocations !== undefined) {
          this.tagLocations.grantIngest(collect.fn);
          this.storage.metricStore.grantTagHistoryWriter(collect.fn);
        }
        pull.agents.forEach((agent, index) => {
          this.metaMonitoring.watch(
            `CollectFailing${index}`,
            collect.failedMetric(agent.id),
            `The collect function could not pull agent ${agent.id} (site ${agent.site}) or store its batches for 3 intervals in a row`,
            { evaluationPeriods: 3, comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD },
          );
        });
        this.collect = collect;
      }
    }
    for (const fn of this.functions.functions) {
      const reading = this.functions.readingFunction(fn);
      if (!LOADS_NO_CONFIG.has(reading.fn)) this.secrets.grantReadTo(fn, reading);
    }
    // After the secrets grant: the Grafana provisioner reads no config secret.
    if (props.config.grafana) {
      this.grafana = new Grafana(this, 'Grafana', {
        settings: props.config.grafana,
        metricStore: this.storage.metricStore,
        functions: this.functions,
        ...(props.dashboardsDir !== undefined && { dashboardsDir: props.dashboardsDir }),
      });
      // Alerts whose rule sets no `dashboard` annotation link to the workspace's dashboards.
      this.rules.fn.addEnvironment(ENV.grafanaUrl, this.grafana.url);
    }
    // The ingest API's, the collect and the Grafana provisioner's functions are made after the alarms were.
    this.metaMonitoring.watchNewFunctions();

    new CfnOutput(this, 'AlertTopicArn', {
      value: this.notifications.alertTopic.topicArn,
      description:
        'Alert events (JSON, one AlertEvent per message; message attributes site, severity, state, rule, channels)',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.metaMonitoring.topic.topicArn,
      description: 'CloudWatch alarm state changes of the deployment itself',
    });
    for (const [id, output] of Object.entries(this.storage.metricStore.outputs)) {
      new CfnOutput(this, id, output);
    }
    if (this.ingestApi) {
      new CfnOutput(this, 'IngestUrl', {
        value: `${this.ingestApi.url}v1/ingest`,
        description: "The agents' ingest.url (POST /v1/ingest; GET /v1/events beside it)",
      });
      new CfnOutput(this, 'AgentTokenTable', {
        value: this.ingestApi.tokenTable.tableName,
        description: 'pflow agent token create|revoke|list --aws --table <this>',
      });
    }
    if (this.tagLocations) {
      new CfnOutput(this, 'TagLocationTable', {
        value: this.tagLocations.table.tableName,
        description: 'Where every RF-ID tag is now (site, tag), written by the ingest function',
      });
    }
    new CfnOutput(this, 'LifecycleApiUrl', {
      value: this.lifecycle.url,
      description:
        'Acknowledge links point here (GET /ack/<token>); /api/alerts/ack|unack, /api/acks and /api/silences with IAM (SigV4) credentials',
    });
    new CfnOutput(this, 'LifecycleTable', {
      value: this.lifecycle.table.tableName,
      description: 'Run-time silences, acknowledgements and their audit',
    });
    new CfnOutput(this, 'LogDropBucket', { value: this.storage.logDropBucket.bucketName });
    new CfnOutput(this, 'NotificationLogTable', { value: this.storage.notificationLogTable.tableName });
    for (const pipeline of this.notifications.channels) {
      new CfnOutput(this, `DeadLetters-${pipeline.channel.id}`, {
        value: pipeline.deadLetterQueue.queueUrl,
        description: `Dead-letter queue of channel ${pipeline.channel.id}`,
      });
      if (pipeline.topic) {
        new CfnOutput(this, `ChannelTopic-${pipeline.channel.id}`, {
          value: pipeline.topic.topicArn,
          description: `SNS topic of channel ${pipeline.channel.id}: subscribe email, SMS or a queue to it (aws sns subscribe)`,
        });
      }
    }
    acknowledgeFindings(this);
  }
}

import type { ChannelKindName } from '../../src/channels/settings.js';

/**
 * The contract between the CDK stack (`lib/`) and the Lambda handlers (`lambdas/`): the names of
 * the environment variables the stack sets and the handlers read once at init. Both sides import
 * these names so they cannot drift. No secret value is ever placed in the environment: secrets are
 * read at run time from Secrets Manager under `SECRETS_PREFIX`. `lambdas/README.md` says which
 * function reads which.
 */
export const ENV = {
  /** Path, relative to the bundle, of the validated deployment config (JSON; `${NAME}` left unresolved). */
  configFile: 'PFLOW_CONFIG_FILE',
  /** Secrets Manager name prefix: a config `${NAME}` is read from secret `<prefix><NAME>`. */
  secretsPrefix: 'PFLOW_SECRETS_PREFIX',
  /** `timestream` or `amp`. */
  metricsBackend: 'PFLOW_METRICS_BACKEND',
  timestreamDatabase: 'PFLOW_TIMESTREAM_DATABASE',
  /** AMP workspace endpoint, e.g. https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/ */
  ampWorkspaceUrl: 'PFLOW_AMP_WORKSPACE_URL',
  alertStateTable: 'PFLOW_ALERT_STATE_TABLE',
  notificationLogTable: 'PFLOW_NOTIFICATION_LOG_TABLE',
  /** The alert-event SNS topic. */
  alertTopicArn: 'PFLOW_ALERT_TOPIC_ARN',
  /** For a channel consumer: the config channel id this function delivers. */
  channelId: 'PFLOW_CHANNEL_ID',
  /** For an `sns` channel consumer without `topic_arn` in the config: the topic the stack made for it. */
  channelTopicArn: 'PFLOW_CHANNEL_TOPIC_ARN',
  /**
   * For a channel consumer: the event source's maximum concurrency. The channel's rate limit is divided
   * by it, so that many invocations at once stay within the receiver's rate (default 1).
   */
  channelMaxConcurrency: 'PFLOW_CHANNEL_MAX_CONCURRENCY',
  /** For a channel consumer: its dead-letter queue, where permanent failures and malformed messages go at once. */
  deadLetterQueueUrl: 'PFLOW_DEAD_LETTER_QUEUE_URL',
  /** For the meta-alarm function: JSON object mapping each dead-letter queue's name to its channel id. */
  deadLetterQueues: 'PFLOW_DEAD_LETTER_QUEUES',
  /** Optional: probes run at once by one probe invocation (default 64). */
  probeConcurrency: 'PFLOW_PROBE_CONCURRENCY',
  logDropBucket: 'PFLOW_LOGDROP_BUCKET',
  /** The agent token table (hash key `tokenHash`); also what `pflow agent token --aws` reads. */
  agentTokenTable: 'PFLOW_AGENT_TOKEN_TABLE',
  /** The Managed Grafana workspace (https://host): alerts whose rule sets no `dashboard` link to its dashboards. */
  grafanaUrl: 'PFLOW_GRAFANA_URL',
  /** The ingest's idempotency records (site, batchId; TTL expiresAt). */
  ingestBatchTable: 'PFLOW_INGEST_BATCH_TABLE',
  /** Run-time silences, acknowledgements and their audit (lib/lifecycle.ts; pk/sk, TTL expiresAt). */
  lifecycleTable: 'PFLOW_LIFECYCLE_TABLE',
  /**
   * Where acknowledge links point: the lifecycle API's URL, unless the config's
   * acknowledge.link_base_url (a custom domain) says otherwise.
   */
  ackBaseUrl: 'PFLOW_ACK_BASE_URL',
  /** The current location of every RF-ID tag (site, tag): the ingest writes it when the config has assets. */
  tagLocationTable: 'PFLOW_TAG_LOCATION_TABLE',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** The config file name the bundling step writes when the stack does not say otherwise. */
export const DEFAULT_CONFIG_FILE = 'pflow-config.json';

/** The Timestream tables, fixed names inside `PFLOW_TIMESTREAM_DATABASE`. */
export const TIMESTREAM_TABLES = { probes: 'probes', metrics: 'metrics', alerts: 'alerts' } as const;
/** The tag events' history (a config with `assets:`), beside the tables above in the same database. */
export const TIMESTREAM_TAGS_TABLE = 'tags';

/** The Lambda functions (the names SERVICES, the stack and the benchmarks use). */
export type LambdaName = keyof typeof SERVICES;

/**
 * The functions that never load the deployment config (no `base.config()`), so read no config
 * secret and are granted none: the ingest authorizer looks tokens up in their table, the Grafana
 * provisioner is given its settings by the stack. test/lambdas/ingest.test.ts runs the authorizer
 * with no config file to read.
 */
export const LOADS_NO_CONFIG: ReadonlySet<LambdaName> = new Set<LambdaName>(['ingestAuthorizer', 'grafanaProvision']);

/** Each function's entry file (relative to the repository root); deliver has one per channel kind. */
export const LAMBDA_ENTRIES = {
  probe: 'lambdas/probe.ts',
  rule: 'lambdas/rule.ts',
  metaAlarm: 'lambdas/meta-alarm.ts',
  grafanaProvision: 'lambdas/grafana-provision.ts',
  ingest: 'lambdas/ingest.ts',
  ingestAuthorizer: 'lambdas/ingest-authorizer.ts',
  lifecycleApi: 'lambdas/lifecycle-api.ts',
  escalate: 'lambdas/escalate.ts',
  report: 'lambdas/report.ts',
  collect: 'lambdas/collect.ts',
  assets: 'lambdas/assets.ts',
} as const satisfies Record<Exclude<LambdaName, 'deliver'>, string>;

/**
 * The deliver function's entry per channel kind: each bundles only its kind's sender, so Slack's
 * function does not carry nodemailer (about 210 KB) or the S3, SES and SNS clients. Email has one
 * entry per transport (EMAIL_DELIVER_ENTRIES); deliverEntryFor picks a channel's.
 */
export const DELIVER_ENTRIES = {
  console: 'lambdas/deliver/console.ts',
  logdrop: 'lambdas/deliver/logdrop.ts',
  slack: 'lambdas/deliver/slack.ts',
  sns: 'lambdas/deliver/sns.ts',
  teams: 'lambdas/deliver/teams.ts',
  webhook: 'lambdas/deliver/webhook.ts',
} as const satisfies Record<Exclude<ChannelKindName, 'email'>, string>;

/**
 * The email deliver function per `transport`: the SES one carries no SMTP client (nodemailer's
 * SMTP connection, pool and transports, about 85 KB), the SMTP one no SES client.
 */
export const EMAIL_DELIVER_ENTRIES = {
  ses: 'lambdas/deliver/email-ses.ts',
  smtp: 'lambdas/deliver/email-smtp.ts',
} as const;

/** The entry of a channel's deliver function: by its kind, and an email channel's by its transport (default smtp). */
export function deliverEntryFor(channel: { readonly kind: string; readonly settings?: unknown }): string {
  if (channel.kind === 'email') {
    const settings = (typeof channel.settings === 'object' && channel.settings !== null ? channel.settings : {}) as {
      transport?: unknown;
    };
    return settings.transport === 'ses' ? EMAIL_DELIVER_ENTRIES.ses : EMAIL_DELIVER_ENTRIES.smtp;
  }
  const entry = (DELIVER_ENTRIES as Readonly<Record<string, string>>)[channel.kind];
  if (entry === undefined) throw new Error(`channel kind "${channel.kind}" has no deliver function`);
  return entry;
}

/** Every bundle the stack may deploy, by a name for the benchmarks and the smoke test (`deliver-slack`, `deliver-email-ses`, …). */
export function bundleEntries(): { readonly name: string; readonly entry: string }[] {
  return [
    ...Object.entries(LAMBDA_ENTRIES).map(([name, entry]) => ({ name, entry })),
    ...Object.entries(DELIVER_ENTRIES).map(([kind, entry]) => ({ name: `deliver-${kind}`, entry })),
    ...Object.entries(EMAIL_DELIVER_ENTRIES).map(([transport, entry]) => ({
      name: `deliver-email-${transport}`,
      entry,
    })),
  ];
}

/**
 * The payloads EventBridge Scheduler sends (the schedule's `Input`).
 * A probe schedule covers one (site, interval) group; a rule schedule one rule group at one site.
 */
export interface ProbeScheduleInput extends ScheduledInput {
  readonly site: string;
  readonly probeIds: readonly string[];
}
/** A collect schedule pulls one agent of `aws.pull.agents`. */
export interface CollectScheduleInput extends ScheduledInput {
  readonly agent: string;
}
/**
 * An asset-answers schedule: `now` (locations: missing, left building, battery, par levels,
 * occupancy) every minute, `day` (patient flow and utilization over the last day) less often.
 */
export interface AssetsScheduleInput extends ScheduledInput {
  readonly part: 'now' | 'day';
}
export interface RuleScheduleInput extends ScheduledInput {
  readonly site: string;
  readonly group: string;
}
/**
 * A report schedule: one configured report at one site, at the report's local time in the site's
 * zone. `day` (YYYY-MM-DD, site-local) is for a run by hand; a scheduled run reports the local day
 * before its scheduled time.
 */
export interface ReportScheduleInput extends ScheduledInput {
  readonly report: string;
  readonly site: string;
  readonly day?: string;
}

/** The SNS message attributes every alert event carries (raw delivery to SQS keeps them; ≤10 allowed). */
export const EVENT_ATTRIBUTES = {
  site: 'site',
  severity: 'severity',
  state: 'state',
  rule: 'rule',
  /** `String.Array` of the channel ids the domain's routing chose: each queue's filter policy is `{"channels": [id]}`. */
  channels: 'channels',
} as const;

/**
 * Scheduler fills this placeholder with the invocation's scheduled time (ISO 8601), so a delayed
 * or retried invocation still evaluates the cycle it was meant for. The stack puts it in `scheduledTime`.
 */
export const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';
export interface ScheduledInput {
  /** ISO 8601, from SCHEDULED_TIME_PLACEHOLDER; absent when invoked by hand. */
  readonly scheduledTime?: string;
}

/** The DynamoDB key and TTL attribute names the stack creates the tables with (see lambdas/README.md). */
export const TABLE_KEYS = {
  alertState: { partitionKey: 'siteGroup', sortKey: 'instanceKey' },
  notificationLog: { partitionKey: 'key', ttlAttribute: 'expiresAt' },
  agentTokens: { partitionKey: 'tokenHash' },
  ingestBatches: { partitionKey: 'site', sortKey: 'batchId', ttlAttribute: 'expiresAt' },
  tagLocations: { partitionKey: 'site', sortKey: 'tag' },
} as const;

/**
 * Metrics (Powertools EMF) the stack alarms on. The stack sets POWERTOOLS_SERVICE_NAME to
 * SERVICES[function] and POWERTOOLS_METRICS_NAMESPACE to METRICS.namespace; Powertools adds
 * `service` as a dimension, so an alarm's dimensions are exactly {service, …the ones listed here}.
 */
export const METRICS = {
  namespace: 'PerformanceFlow',
  /** Count 1 per completed rule cycle, in its own dimension set {service: SERVICES.rule, site, group}. */
  ruleGroupCompleted: 'RuleGroupCompleted',
  /**
   * Queries of a rule cycle that failed, only when not zero: {service: SERVICES.rule} (what the one
   * rule-query alarm reads), and {service, group} too with aws.detailed_metrics.
   */
  ruleQueryFailures: 'RuleQueryFailures',
  /** Count 1 per daily report published, in its own dimension set {service: SERVICES.report, report, site}. */
  reportPublished: 'ReportPublished',
  /** Count 1 per collect run that could not pull or store an agent's batches, dimensions {service: SERVICES.collect, agent}. */
  collectFailed: 'CollectFailed',
  /**
   * Per deliver invocation: delivered {service: SERVICES.deliver} (and {service, channel} with
   * aws.detailed_metrics), dead-lettered {service, channel} when not zero. Alert history charts both.
   */
  notificationsDelivered: 'NotificationsDelivered',
  notificationsDeadLettered: 'NotificationsDeadLettered',
  /** The channel id dimension (or property) of the deliver function's counts. */
  channelDimension: 'channel',
} as const;

export const SERVICES = {
  probe: 'pflow-probe',
  rule: 'pflow-rule',
  deliver: 'pflow-deliver',
  metaAlarm: 'pflow-meta-alarm',
  grafanaProvision: 'pflow-grafana-provision',
  ingest: 'pflow-ingest',
  ingestAuthorizer: 'pflow-ingest-authorizer',
  lifecycleApi: 'pflow-lifecycle-api',
  escalate: 'pflow-escalate',
  report: 'pflow-report',
  collect: 'pflow-collect',
  assets: 'pflow-assets',
} as const;

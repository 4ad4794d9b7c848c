/**
 * The contract between the CDK stack (`lib/`) and the Lambda handlers (`lambdas/`): the names of
 * the environment variables the stack sets and the handlers read once at init. Both sides import
 * these names so they cannot drift. No secret value is ever placed in the environment: secrets are
 * read at run time from Secrets Manager under `SECRETS_PREFIX`.
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
  logDropBucket: 'PFLOW_LOGDROP_BUCKET',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * The payloads EventBridge Scheduler sends (the schedule's `Input`).
 * A probe schedule covers one (site, interval) group; a rule schedule one rule group.
 */
export interface ProbeScheduleInput {
  readonly site: string;
  readonly probeIds: readonly string[];
}
export interface RuleScheduleInput {
  readonly site: string;
  readonly group: string;
}

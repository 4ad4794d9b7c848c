import * as z from 'zod';
import {
  ampStorageSchema,
  prometheusStorageSchema,
  type AmpStorageSettings,
  type PrometheusStorageSettings,
} from './prometheus.js';
import { formatDuration } from '../duration.js';
import { duration, httpUrl, ID_PATTERN } from './fields.js';

/**
 * The parts of the site config that only the AWS deployment reads: where each probe runs, the
 * metric store and its retention, TTLs of the DynamoDB tables, and where `${NAME}` secrets live.
 * The local runtime accepts and ignores them (it runs every probe itself, on SQLite).
 */

/** `cloud` (a probe Lambda on EventBridge Scheduler) or `agent:<id>` (the on-prem agent). */
export type RunsOn = 'cloud' | `agent:${string}`;
export const DEFAULT_RUNS_ON: RunsOn = 'cloud';
const RUNS_ON = new RegExp(`^(cloud|agent:${ID_PATTERN.source.slice(1, -1)})$`);

export const runsOn = z
  .string({ error: 'expected cloud or agent:<agent id>' })
  .regex(RUNS_ON, 'must be cloud or agent:<agent id> (the id: lower-case letters, digits or hyphens)')
  .transform((text) => text as RunsOn)
  .meta({ examples: ['cloud', 'agent:ward-b'] });

/**
 * The metric stores a deployment can use. `timestream` (Timestream for LiveAnalytics) only works in
 * accounts onboarded before 2025-06-20; `amp` (Amazon Managed Service for Prometheus) works in any.
 */
export const METRICS_BACKENDS = ['timestream', 'amp', 'prometheus'] as const;
export type MetricsBackend = (typeof METRICS_BACKENDS)[number];
/** New deployments get AMP: Timestream for LiveAnalytics takes no new accounts since 2025-06-20. */
export const DEFAULT_METRICS_BACKEND: MetricsBackend = 'amp';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Timestream's bounds (Quotas page): memory store 1 h–8,766 h in whole hours, magnetic 1–73,000 days. */
export const TIMESTREAM_MEMORY_RETENTION = { minMs: HOUR_MS, maxMs: 8_766 * HOUR_MS, unitMs: HOUR_MS, unit: 'hour' };
export const TIMESTREAM_MAGNETIC_RETENTION = { minMs: DAY_MS, maxMs: 73_000 * DAY_MS, unitMs: DAY_MS, unit: 'day' };

function boundedDuration(bounds: typeof TIMESTREAM_MEMORY_RETENTION, fallback: string) {
  return duration({ positive: true })
    .superRefine((ms, ctx) => {
      if (ms % bounds.unitMs !== 0) {
        ctx.addIssue({
          code: 'custom',
          message: `must be whole ${bounds.unit}s (Timestream keeps it per ${bounds.unit})`,
        });
      } else if (ms < bounds.minMs || ms > bounds.maxMs) {
        ctx.addIssue({
          code: 'custom',
          message: `must be between ${formatDuration(bounds.minMs)} and ${formatDuration(bounds.maxMs)} (Timestream's limits)`,
        });
      }
    })
    .prefault(fallback);
}

export const metricsStorageSchema = z
  .strictObject({
    backend: z
      .enum(METRICS_BACKENDS)
      .default(DEFAULT_METRICS_BACKEND)
      .describe(
        'The metric store: timestream (AWS, accounts onboarded before 2025-06-20 only), amp (AWS), or prometheus (the local runtime on a Prometheus-compatible server instead of SQLite)',
      ),
    timestream: z
      .strictObject({
        memory_retention: boundedDuration(TIMESTREAM_MEMORY_RETENTION, '24h').describe(
          'Recent data, fast to query (1h–8766h, whole hours); rules read from here',
        ),
        magnetic_retention: boundedDuration(TIMESTREAM_MAGNETIC_RETENTION, '400d').describe(
          'Older data, cheap to keep (1d–73000d, whole days)',
        ),
      })
      .prefault({}),
    amp: ampStorageSchema.prefault({}),
    prometheus: prometheusStorageSchema.optional(),
  })
  .refine((metrics) => metrics.backend !== 'prometheus' || metrics.prometheus !== undefined, {
    path: ['prometheus'],
    message: 'backend prometheus needs prometheus.url',
  })
  .describe('The metric store (the local runtime uses SQLite unless backend is prometheus)');

/** A `${NAME}` reference's NAME (the grammar of `env.ts`). */
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Secrets Manager's name alphabet. */
const SECRET_ID = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * Agents in pull mode (`ingest.mode: pull` in their agent.yaml): a scheduled collect function in
 * the hospital-facing VPC pulls their batches. The site comes from here, never from a batch.
 */
export const pullSchema = z
  .strictObject({
    vpc_id: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id (vpc-…)')
      .describe('The VPC with a route to the agents (VPN or Direct Connect to the hospital)'),
    subnet_ids: z
      .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id (subnet-…)'))
      .min(1)
      .describe(
        'Private subnets of that VPC for the collect function: a route to each agent and to the AWS APIs (NAT or VPC endpoints)',
      ),
    security_group_ids: z
      .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id (sg-…)'))
      .optional()
      .describe('Default: a new group allowing outbound traffic only'),
    interval: duration({ positive: true, atMost: '1h' })
      .prefault('1m')
      .describe('How often each agent is pulled (whole minutes; the agent buffers in between)'),
    agents: z
      .array(
        z.strictObject({
          id: z
            .string()
            .regex(ID_PATTERN, 'must be lower-case letters, digits or hyphens')
            .describe("The agent's agent.id"),
          site: z.string().describe('The site its batches are stored for'),
          url: httpUrl.describe("The agent's pull listener, e.g. http://10.20.0.15:9465 (its pull.listen)"),
          token: z.string().min(1).describe("The agent's pull.token: write a ${NAME}, read from Secrets Manager"),
        }),
      )
      .min(1)
      .describe('Each agent pulled, one schedule each'),
  })
  .describe('Agents in pull mode, collected by a scheduled function inside your VPC');

export const awsSchema = z
  .strictObject({
    secrets_prefix: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]{0,256}$/, 'must use only letters, digits and /_+=.@-')
      .default('pflow/')
      .describe('A `${NAME}` in this file is read from the Secrets Manager secret <secrets_prefix><NAME>'),
    secrets: z
      .record(
        z.string().regex(SECRET_NAME, 'is not a ${NAME} name (letters, digits and _, not starting with a digit)'),
        z.strictObject({
          name: z
            .string()
            .regex(SECRET_ID, 'must be a Secrets Manager secret name (letters, digits and /_+=.@-)')
            .describe('An existing secret, imported instead of created'),
        }),
      )
      .default({})
      .describe('Secrets that already exist, by ${NAME}; every other ${NAME} gets a new, empty secret'),
    pull: pullSchema.optional(),
    detailed_metrics: z
      .boolean()
      .default(false)
      .describe(
        'Also send the rule counts per group and the retry counts per channel as CloudWatch dimensions; each group or channel value is one more billed custom metric. Without it they are properties of the log lines (Logs Insights)',
      ),
  })
  .describe('Deploying to AWS (`cdk deploy`): its presence makes the AWS-only checks run');

/**
 * The id (name) of the secret a `${NAME}` is read from: an imported secret's own name, or the
 * stack-created `<prefix><NAME>`. The stack and the handlers both call this, so they agree.
 */
export function secretIdFor(name: string, aws: AwsSettings): string {
  return aws.secrets[name]?.name ?? `${aws.secretsPrefix}${name}`;
}

/**
 * The same, read from the raw config document (before validation, as a function's cold start
 * needs it to fetch the secrets): `${NAME}` → secret id for every reference in the document.
 */
export function secretIdsIn(document: unknown, names: readonly string[], prefix: string): Record<string, string> {
  const aws = isRecord(document) && isRecord(document.aws) ? document.aws : {};
  const imported = isRecord(aws.secrets) ? aws.secrets : {};
  return Object.fromEntries(
    names.map((name) => {
      const entry = Object.hasOwn(imported, name) ? imported[name] : undefined;
      const id = isRecord(entry) && typeof entry.name === 'string' ? entry.name : `${prefix}${name}`;
      return [name, id];
    }),
  );
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface AwsSettings {
  readonly secretsPrefix: string;
  /** Imported secrets by `${NAME}`. */
  readonly secrets: Readonly<Record<string, { readonly name: string }>>;
  /** Agents in pull mode and the VPC their collect function runs in. */
  readonly pull?: PullSettings;
  /** `detailed_metrics: true`: the per-group and per-channel breakdowns are CloudWatch dimensions too. */
  readonly detailedMetrics?: boolean;
}

export interface PullSettings {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  /** Absent: the stack makes a group with outbound rules only. */
  readonly securityGroupIds?: readonly string[];
  readonly intervalMs: number;
  readonly agents: readonly PullAgent[];
}

export interface PullAgent {
  readonly id: string;
  readonly site: string;
  /** The agent's pull listener, without `/v1/pull`. */
  readonly url: string;
  readonly token: string;
}

/** The normalised `aws.pull` section. */
export function normalisePull(pull: z.output<typeof pullSchema>): PullSettings {
  return {
    vpcId: pull.vpc_id,
    subnetIds: pull.subnet_ids,
    ...(pull.security_group_ids !== undefined && { securityGroupIds: pull.security_group_ids }),
    intervalMs: pull.interval,
    agents: pull.agents.map((agent) => ({ ...agent, url: agent.url.replace(/\/+$/, '') })),
  };
}

export interface MetricsStorageSettings {
  readonly backend: MetricsBackend;
  readonly timestream: { readonly memoryRetentionMs: number; readonly magneticRetentionMs: number };
  readonly amp: AmpStorageSettings;
  readonly prometheus?: PrometheusStorageSettings;
}

/** EventBridge Scheduler's floor: it runs a schedule at most once a minute, on whole minutes. */
export const SCHEDULE_UNIT_MS = 60_000;

export function isWholeMinutes(ms: number): boolean {
  return ms >= SCHEDULE_UNIT_MS && ms % SCHEDULE_UNIT_MS === 0;
}

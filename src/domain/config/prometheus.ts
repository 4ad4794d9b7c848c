import * as z from 'zod';
import { duration } from './fields.js';

/**
 * Config for the Prometheus-protocol metric stores: `prometheus` (any remote-write + PromQL server,
 * used by the local runtime instead of SQLite) and `amp` (Amazon Managed Service for Prometheus,
 * used by the AWS deployment). `${NAME}` references keep passwords and tokens out of the file.
 */

const DAY_MS = 86_400_000;
/** AMP keeps data 1–1,095 days (workspace configuration). */
export const AMP_RETENTION = { minMs: DAY_MS, maxMs: 1_095 * DAY_MS };

const maxSamplesProcessed = z
  .number()
  .int()
  .positive()
  .default(10_000_000)
  .describe(
    'Most samples one rule-cycle query may process; a larger query fails (AMP: max_samples_processed_error_threshold)',
  );

export const prometheusStorageSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .describe('Base URL of a Prometheus-compatible server: writes to <url>/api/v1/write, queries <url>/api/v1/query'),
    write_url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Remote-write URL, when not <url>/api/v1/write'),
    query_url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Instant-query URL, when not <url>/api/v1/query'),
    username: z.string().min(1).optional().describe('Basic auth user (with password)'),
    password: z.string().min(1).optional().describe('Basic auth password, e.g. ${PROMETHEUS_PASSWORD}'),
    bearer_token: z.string().min(1).optional().describe('Bearer token, e.g. ${PROMETHEUS_TOKEN}'),
    max_samples_processed: maxSamplesProcessed,
  })
  .superRefine((value, ctx) => {
    if ((value.username === undefined) !== (value.password === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'username and password go together (basic auth)' });
    }
    if (value.bearer_token !== undefined && value.username !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['bearer_token'], message: 'use either basic auth or a bearer token' });
    }
  })
  .describe('storage.metrics.backend: prometheus — the local runtime writes to and evaluates against this server');

export const ampStorageSchema = z
  .strictObject({
    retention: duration({ positive: true })
      .prefault('400d')
      .superRefine((ms, ctx) => {
        if (ms % DAY_MS !== 0 || ms < AMP_RETENTION.minMs || ms > AMP_RETENTION.maxMs) {
          ctx.addIssue({ code: 'custom', message: 'must be whole days between 1d and 1095d (AMP keeps data per day)' });
        }
      })
      .describe('How long AMP keeps samples (1d–1095d)'),
    out_of_order_window: duration({ positive: true })
      .prefault('2h')
      .describe(
        "How far behind its newest sample a series still accepts samples: an agent's replay after a WAN outage",
      ),
    series_limit_per_site: z
      .number()
      .int()
      .positive()
      .default(200_000)
      .describe('Active series one site may hold, so one noisy site cannot throttle the others'),
    max_samples_processed: maxSamplesProcessed,
  })
  .describe('storage.metrics.backend: amp — the workspace the stack creates');

export interface PrometheusStorageSettings {
  readonly url: string;
  readonly writeUrl?: string;
  readonly queryUrl?: string;
  readonly auth?: { readonly username: string; readonly password: string } | { readonly bearerToken: string };
  readonly maxSamplesProcessed: number;
}

export interface AmpStorageSettings {
  readonly retentionDays: number;
  readonly outOfOrderWindowMs: number;
  readonly seriesLimitPerSite: number;
  readonly maxSamplesProcessed: number;
}

export function prometheusSettings(shape: z.output<typeof prometheusStorageSchema>): PrometheusStorageSettings {
  return {
    url: shape.url,
    ...(shape.write_url !== undefined && { writeUrl: shape.write_url }),
    ...(shape.query_url !== undefined && { queryUrl: shape.query_url }),
    ...(shape.username !== undefined &&
      shape.password !== undefined && { auth: { username: shape.username, password: shape.password } }),
    ...(shape.bearer_token !== undefined && { auth: { bearerToken: shape.bearer_token } }),
    maxSamplesProcessed: shape.max_samples_processed,
  };
}

export function ampSettings(shape: z.output<typeof ampStorageSchema>): AmpStorageSettings {
  return {
    retentionDays: Math.round(shape.retention / DAY_MS),
    outOfOrderWindowMs: shape.out_of_order_window,
    seriesLimitPerSite: shape.series_limit_per_site,
    maxSamplesProcessed: shape.max_samples_processed,
  };
}

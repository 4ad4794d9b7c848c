import * as z from 'zod';
import { formatDuration } from '../duration.js';
import { duration } from '../config/fields.js';
import { byteSize } from './byte-size.js';
import { relabelConfigSchema, type RelabelRule } from './relabel.js';

/**
 * The agent's `scrape_configs:` list, Prometheus's scrape config vocabulary restricted to what an
 * agent inside a hospital needs: static targets, relabelling, and the caps that keep a bad target
 * from stalling it. Unknown keys are errors. Durations are ms, sizes bytes, after parsing.
 */

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** `host`, `host:port` or `[ipv6]:port`: what Prometheus puts in `__address__` (no scheme, no path). */
const TARGET = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s:/[\]@?#]+)(?::\d{1,5})?$/;

/** Prometheus's global default for a job that gives no timeout; cut to the interval when longer. */
export const DEFAULT_SCRAPE_TIMEOUT_MS = 10_000;
export const DEFAULT_SCRAPE_INTERVAL_MS = 60_000;
/** Defaults of the caps. Prometheus has none; an agent that must never stall needs them. */
export const DEFAULT_BODY_SIZE_LIMIT = 50 * 1024 * 1024;
export const DEFAULT_SAMPLE_LIMIT = 200_000;

const staticLabels = z
  .record(z.string(), z.string({ error: 'expected a string (quote numbers and booleans)' }))
  .superRefine((labels, ctx) => {
    for (const name of Object.keys(labels)) {
      const message = !LABEL_NAME.test(name)
        ? 'is not a valid label name (letters, digits and _, not starting with a digit)'
        : name.startsWith('__')
          ? 'label names starting with __ are reserved for relabelling'
          : undefined;
      if (message !== undefined) ctx.addIssue({ code: 'custom', path: [name], message });
    }
  })
  .default({});

const staticConfigSchema = z.strictObject({
  targets: z
    .array(z.string().regex(/^\S+$/, 'must not be empty or hold spaces'))
    .min(1)
    .describe(
      'Addresses to scrape, host:port (anything relabel_configs turns into one, e.g. a URL for blackbox_exporter)',
    ),
  labels: staticLabels.describe('Added to every series of these targets'),
});

const tlsConfigSchema = z.strictObject({
  ca_file: z.string().min(1).optional().describe('PEM file of CA certificates to trust, added to the system ones'),
  server_name: z
    .string()
    .min(1)
    .optional()
    .describe('Name the certificate is checked against; default: the target host'),
  insecure_skip_verify: z.boolean().default(false).describe('Do not verify the certificate (a self-signed exporter)'),
});

export interface ScrapeConfig {
  readonly job_name: string;
  readonly scrape_interval: number;
  readonly scrape_timeout: number;
  readonly scheme: 'http' | 'https';
  readonly metrics_path: string;
  readonly params: Readonly<Record<string, readonly string[]>>;
  readonly honor_labels: boolean;
  readonly honor_timestamps: boolean;
  readonly body_size_limit: number;
  readonly sample_limit: number;
  readonly static_configs: readonly {
    readonly targets: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
  }[];
  readonly relabel_configs: readonly RelabelRule[];
  readonly metric_relabel_configs: readonly RelabelRule[];
  readonly tls_config:
    | {
        readonly ca_file?: string | undefined;
        readonly server_name?: string | undefined;
        readonly insecure_skip_verify: boolean;
      }
    | undefined;
  readonly windows_exporter_names: 'v0.31' | 'as_scraped';
}

export const scrapeConfigSchema = z
  .strictObject({
    job_name: z.string().min(1).describe('The `job` label of every series scraped by this job; unique among jobs'),
    scrape_interval: duration({ positive: true, atMost: '24h' }).optional().describe('default 1m'),
    scrape_timeout: duration({ positive: true, atMost: '5m' })
      .optional()
      .describe('At most scrape_interval; default 10s (or the interval when shorter)'),
    scheme: z.enum(['http', 'https']).default('http'),
    metrics_path: z.string().startsWith('/', 'must start with /').default('/metrics'),
    params: z
      .record(z.string().min(1), z.array(z.string()))
      .default({})
      .describe('URL query parameters, e.g. module: [http_2xx] for blackbox_exporter'),
    honor_labels: z
      .boolean()
      .default(false)
      .describe("On a clash with a target label, keep the page's label (true) or rename it exported_<name> (false)"),
    honor_timestamps: z
      .boolean()
      .default(true)
      .describe("Keep the page's own timestamps; false stamps every sample with the scrape time"),
    body_size_limit: byteSize
      .optional()
      .describe('A bigger (uncompressed) body fails the scrape; 0 means no limit; default 50MiB'),
    sample_limit: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('More samples than this after metric relabelling fail the scrape; 0 means no limit; default 200000'),
    static_configs: z.array(staticConfigSchema).min(1).describe('Targets and their labels'),
    relabel_configs: z.array(relabelConfigSchema).default([]).describe('Applied to each target before it is scraped'),
    metric_relabel_configs: z
      .array(relabelConfigSchema)
      .default([])
      .describe('Applied to each scraped sample (with __name__) before it is kept'),
    tls_config: tlsConfigSchema.optional(),
    windows_exporter_names: z
      .enum(['v0.31', 'as_scraped'])
      .default('v0.31')
      .describe("windows_exporter's names from before v0.31 are mapped to the v0.31 names (as_scraped: left alone)"),
  })
  .transform((config, ctx): ScrapeConfig => {
    const interval = config.scrape_interval ?? DEFAULT_SCRAPE_INTERVAL_MS;
    let timeout = config.scrape_timeout;
    if (timeout === undefined) timeout = Math.min(DEFAULT_SCRAPE_TIMEOUT_MS, interval);
    else if (timeout > interval) {
      ctx.issues.push({
        code: 'custom',
        path: ['scrape_timeout'],
        message: `must be at most scrape_interval (${formatDuration(timeout)} > ${formatDuration(interval)})`,
        input: config.scrape_timeout,
      });
    }
    // Without relabelling a target is the address itself, so a URL there is a mistake worth naming now;
    // with relabelling (the blackbox_exporter pattern) it is checked once the rules have run.
    if (config.relabel_configs.length === 0) {
      config.static_configs.forEach((group, groupIndex) =>
        group.targets.forEach((target, index) => {
          if (!TARGET.test(target)) {
            ctx.issues.push({
              code: 'custom',
              path: ['static_configs', groupIndex, 'targets', index],
              message:
                'must be host:port (or [ipv6]:port), without a scheme or a path: those are scheme and metrics_path',
              input: target,
            });
          }
        }),
      );
    }
    return {
      ...config,
      scrape_interval: interval,
      scrape_timeout: timeout,
      body_size_limit: config.body_size_limit ?? DEFAULT_BODY_SIZE_LIMIT,
      sample_limit: config.sample_limit ?? DEFAULT_SAMPLE_LIMIT,
      tls_config: config.tls_config,
    };
  });

/** The list, with job names unique (they are the `job` label, so two jobs of one name would merge series). */
export const scrapeConfigsSchema = z.array(scrapeConfigSchema).superRefine((jobs, ctx) => {
  const seen = new Map<string, number>();
  jobs.forEach((job, index) => {
    const first = seen.get(job.job_name);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'job_name'],
        message: `job_name ${JSON.stringify(job.job_name)} is already used by scrape_configs[${String(first)}]`,
      });
    } else seen.set(job.job_name, index);
  });
});

export type ScrapeConfigInput = z.input<typeof scrapeConfigSchema>;

import * as z from 'zod';
import { rtlsInputSchema, type RtlsInputSettings } from '../assets/input-settings.js';
import { INGEST_LIMITS } from '../ingest/batch.js';
import { duration, id, listenAddress, wholeNumber } from '../config/fields.js';
import { byteSize as anyByteSize } from './byte-size.js';
import { agentProbeSchema } from '../config/schema.js';
import { checkAgentProbes } from './agent-probes.js';
import { scrapeConfigsSchema, type ScrapeConfig } from './scrape-config.js';

/**
 * agent.yaml: what one on-prem agent scrapes and probes, where it buffers, and how it hands the
 * data over (README, "On-prem agent"). Unknown keys are refused everywhere, like the site config.
 */

const SECRET_MIN = 16;

function byteSize(options: { min: number }) {
  return anyByteSize.refine((bytes) => bytes >= options.min, `must be at least ${String(options.min)} bytes`);
}

const ingest = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL, e.g. https://ingest.example/v1/ingest' })
      .optional()
      .describe('POST /v1/ingest of the stack or of the local runtime; required in push mode and for log_drop'),
    token: z
      .string()
      .min(SECRET_MIN, `must be at least ${String(SECRET_MIN)} characters (pflow agent token create prints one)`)
      .optional()
      .describe('The agent token (pfa_…); write ${PFLOW_AGENT_TOKEN} and set it in the environment'),
    ca_file: z
      .string()
      .min(1)
      .optional()
      .describe('PEM file of the CA(s) the ingest certificate is checked against, in addition to the system ones'),
    mode: z.enum(['push', 'pull']).default('push').describe('push: send to url; pull: serve GET /v1/pull'),
    batch_max_samples: wholeNumber(1)
      .max(INGEST_LIMITS.maxSamples)
      .default(10_000)
      .describe('A batch is sealed at this many samples'),
    batch_max_age: duration({ positive: true, atMost: '1h' })
      .prefault('10s')
      .describe('A batch is sealed once its oldest sample is this old'),
    timeout: duration({ positive: true, atMost: '5m' }).prefault('10s').describe('Per request to the ingest'),
    gzip_level: wholeNumber(0).max(9).default(1).describe('gzip level of request bodies (0: no gzip)'),
  })
  .prefault({});

const pull = z.strictObject({
  listen: listenAddress.describe('host:port the pull server listens on, e.g. 0.0.0.0:9465'),
  token: z
    .string()
    .min(SECRET_MIN, `must be at least ${String(SECRET_MIN)} characters`)
    .describe('Bearer token the collector presents; write ${PFLOW_PULL_TOKEN}'),
  max_bytes: byteSize({ min: 1024 })
    .prefault('8MiB')
    .describe('Default and largest max_bytes of one GET /v1/pull answer'),
});

const buffer = z.strictObject({
  dir: z.string().min(1).describe('Directory of the disk buffer (segments and cursor)'),
  max_bytes: byteSize({ min: 1024 * 1024 })
    .prefault('1GiB')
    .describe('Cap on the buffer; past it the oldest data is dropped and counted'),
  fsync: z.enum(['always', 'interval']).default('interval'),
  fsync_interval: duration({ positive: true, atMost: '1m' }).prefault('1s'),
});

const logDrop = z.strictObject({
  path: z.string().min(1).describe('JSON-lines file the site alert events are appended to'),
  max_bytes: byteSize({ min: 1024 }).prefault('10MiB').describe('Rotate once the file would pass this size'),
  keep: wholeNumber(1).max(1000).default(10).describe('Rotated files kept'),
  poll_interval: duration({ positive: true, atMost: '1h' }).prefault('30s'),
});

const rtls = z.strictObject({
  inputs: z
    .array(rtlsInputSchema)
    .min(1, 'list at least one input (kind: http or kind: mqtt), or leave rtls: out')
    .describe(
      "The RTLS inputs this agent runs; the same settings and mapping as the local runtime's assets.inputs, without site (the token's)",
    ),
});

export const agentConfigShape = z.strictObject({
  agent: z.strictObject({ id }),
  ingest,
  pull: pull.optional().describe('Required with ingest.mode: pull'),
  buffer,
  scrape_configs: scrapeConfigsSchema.default([]),
  probes: z.array(agentProbeSchema).default([]),
  log_drop: logDrop.optional(),
  rtls: rtls.optional().describe('RF-ID tag events from the RTLS: HTTP push and/or MQTT, buffered and forwarded'),
});

export const agentConfigSchema = agentConfigShape
  .superRefine((config, ctx) => {
    const { ingest: i } = config;
    const needsIngest = i.mode === 'push' || config.log_drop !== undefined;
    const why = i.mode === 'push' ? 'in push mode' : 'for log_drop';
    if (needsIngest && i.url === undefined)
      ctx.addIssue({ code: 'custom', path: ['ingest', 'url'], message: `required ${why}` });
    if (needsIngest && i.token === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ingest', 'token'], message: `required ${why}` });
    }
    if (i.mode === 'pull' && config.pull === undefined) {
      ctx.addIssue({ code: 'custom', path: ['pull'], message: 'required with ingest.mode: pull' });
    }
    // Two servers on one address: the second would fail at start, after the first was opened.
    const taken = new Map<string, string>();
    if (i.mode === 'pull' && config.pull !== undefined) taken.set(config.pull.listen, 'pull.listen');
    config.rtls?.inputs.forEach((input, index) => {
      // Port 0 picks a free port each time: never a clash.
      if (input.kind !== 'http' || input.listen.endsWith(':0')) return;
      const other = taken.get(input.listen);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['rtls', 'inputs', index, 'listen'],
          message: `${input.listen} is already ${other}'s address`,
        });
      } else taken.set(input.listen, `rtls.inputs[${String(index)}].listen`);
    });
  })
  .superRefine(
    (value, ctx) => checkAgentProbes(value, (path, message) => ctx.addIssue({ code: 'custom', path, message })),
    // `when`: also when a field elsewhere is invalid, so one run lists every error.
    { when: () => true },
  );

export type AgentConfigShape = z.output<typeof agentConfigSchema>;

/** The validated agent.yaml, durations in ms and sizes in bytes. */
export interface AgentConfig {
  readonly agentId: string;
  readonly ingest: {
    readonly url?: string;
    readonly token?: string;
    readonly caFile?: string;
    readonly mode: 'push' | 'pull';
    readonly batchMaxSamples: number;
    readonly batchMaxAgeMs: number;
    readonly timeoutMs: number;
    readonly gzipLevel: number;
  };
  readonly pull?: { readonly listen: string; readonly token: string; readonly maxBytes: number };
  readonly buffer: {
    readonly dir: string;
    readonly maxBytes: number;
    readonly fsync: 'always' | 'interval';
    readonly fsyncIntervalMs: number;
  };
  readonly scrapeConfigs: readonly ScrapeConfig[];
  readonly probes: AgentConfigShape['probes'];
  readonly logDrop?: {
    readonly path: string;
    readonly maxBytes: number;
    readonly keep: number;
    readonly pollIntervalMs: number;
  };
  /** The RTLS inputs (`rtls.inputs`); absent: the agent reads no tag events. */
  readonly rtls?: { readonly inputs: readonly RtlsInputSettings[] };
}

export function toAgentConfig(shape: AgentConfigShape): AgentConfig {
  const i = shape.ingest;
  return {
    agentId: shape.agent.id,
    ingest: {
      ...(i.url !== undefined ? { url: i.url } : {}),
      ...(i.token !== undefined ? { token: i.token } : {}),
      ...(i.ca_file !== undefined ? { caFile: i.ca_file } : {}),
      mode: i.mode,
      batchMaxSamples: i.batch_max_samples,
      batchMaxAgeMs: i.batch_max_age,
      timeoutMs: i.timeout,
      gzipLevel: i.gzip_level,
    },
    ...(shape.pull !== undefined
      ? { pull: { listen: shape.pull.listen, token: shape.pull.token, maxBytes: shape.pull.max_bytes } }
      : {}),
    buffer: {
      dir: shape.buffer.dir,
      maxBytes: shape.buffer.max_bytes,
      fsync: shape.buffer.fsync,
      fsyncIntervalMs: shape.buffer.fsync_interval,
    },
    scrapeConfigs: shape.scrape_configs,
    probes: shape.probes,
    ...(shape.log_drop !== undefined
      ? {
          logDrop: {
            path: shape.log_drop.path,
            maxBytes: shape.log_drop.max_bytes,
            keep: shape.log_drop.keep,
            pollIntervalMs: shape.log_drop.poll_interval,
          },
        }
      : {}),
    ...(shape.rtls !== undefined ? { rtls: { inputs: shape.rtls.inputs } } : {}),
  };
}

/** The events endpoint next to the ingest one: `https://h/v1/ingest` → `https://h/v1/events`. */
export function eventsUrl(ingestUrl: string): string {
  return new URL('events', ingestUrl).toString();
}

/** Secret values of a (possibly invalid) agent document, hidden from every message. */
export function agentSecrets(value: unknown): string[] {
  const out: string[] = [];
  const pick = (node: unknown, key: string): void => {
    if (typeof node === 'object' && node !== null && typeof (node as Record<string, unknown>)[key] === 'string') {
      out.push((node as Record<string, string>)[key] as string);
    }
  };
  if (typeof value === 'object' && value !== null) {
    const doc = value as Record<string, unknown>;
    pick(doc.ingest, 'token');
    pick(doc.pull, 'token');
    const rtlsSection = doc.rtls as Record<string, unknown> | undefined;
    const inputs = typeof rtlsSection === 'object' && rtlsSection !== null ? rtlsSection.inputs : undefined;
    for (const input of Array.isArray(inputs) ? inputs : []) {
      pick(input, 'bearer_token');
      pick(input, 'password');
    }
  }
  return out;
}

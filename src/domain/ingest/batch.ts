import * as z from 'zod';
import { checkTagEvents, type TagEvent } from '../assets/tag-event.js';
import type { Labels } from '../labels.js';
import { PROBE_FAILURE_REASONS, type ProbeResult } from '../probe-result.js';
import type { MetricSample } from '../records.js';

/**
 * The agent → ingest batch, wire format v1 (README, "Ingest API"). The agent sends it as JSON
 * (gzipped) to `POST /v1/ingest`; pull mode serves the same objects from `GET /v1/pull`.
 */
export const BATCH_FORMAT_VERSION = 1;

/**
 * Limits every ingest endpoint enforces and every agent batches under. The compressed limit keeps a
 * body inside one Lambda invocation: API Gateway hands a gzipped body over base64-encoded (4/3 of
 * its size) and a synchronous invoke carries at most 6 MB. The decompressed cap is what makes a zip
 * bomb harmless: inflating stops there.
 */
/**
 * The `code` of the ingest's 400 answer to a batch with tag events where the deployment keeps none
 * (its config has no `assets:` section). Unlike the other refusals it is about one part of the batch:
 * the same batch without `tagEvents` is stored, so a sender drops the tag events and sends it again.
 */
export const TAG_EVENTS_NOT_KEPT = 'tag_events_not_kept';

export const INGEST_LIMITS = {
  /** Bytes of the request body as sent (gzipped or not). */
  maxBodyBytes: 3 * 1024 * 1024,
  /** Bytes of the JSON after gunzip. */
  maxDecompressedBytes: 16 * 1024 * 1024,
  maxSamples: 50_000,
  maxProbeResults: 5_000,
  maxTagEvents: 50_000,
  maxLabelsPerSeries: 64,
  maxNameLength: 256,
  maxLabelValueLength: 4_096,
  maxBatchIdLength: 128,
} as const;

/** A sample value on the wire: JSON has no NaN or infinities, so those travel as Prometheus spells them. */
export type WireValue = number | 'NaN' | '+Inf' | '-Inf';

export interface WireSample {
  readonly name: string;
  readonly labels: Labels;
  /** Epoch ms. */
  readonly t: number;
  readonly v: WireValue;
}

/** A probe result as the agent sends it: `site` may be left out, the ingest sets it from the token. */
export type WireProbeResult = Omit<ProbeResult, 'site'> & { readonly site?: string };

export interface BatchAgent {
  readonly id: string;
  readonly version: string;
}

/** The JSON document an agent sends. */
export interface WireBatch {
  readonly v: typeof BATCH_FORMAT_VERSION;
  readonly batchId: string;
  readonly agent: BatchAgent;
  readonly samples?: readonly WireSample[];
  readonly probeResults?: readonly WireProbeResult[];
  /** RF-ID tag events (the RTLS feed the agent reads); the site comes from the token here too. */
  readonly tagEvents?: readonly TagEvent[];
}

/** A validated batch in the domain's own types; `site` is still whatever the payload said (or absent). */
export interface IngestBatch {
  readonly batchId: string;
  readonly agent: BatchAgent;
  readonly samples: readonly MetricSample[];
  readonly probeResults: readonly WireProbeResult[];
  readonly tagEvents: readonly TagEvent[];
}

/** A batch bound to the site its token belongs to: what the store receives. */
export interface SiteBatch {
  readonly site: string;
  readonly batchId: string;
  readonly agent: BatchAgent;
  readonly samples: readonly MetricSample[];
  readonly probeResults: readonly ProbeResult[];
  readonly tagEvents: readonly TagEvent[];
}

export type BatchParse =
  | { readonly ok: true; readonly batch: IngestBatch }
  | {
      readonly ok: false;
      /** All problems in one line, for a log. */
      readonly error: string;
      /** One entry per problem (at most five, then "and N more"), as the 400 answer lists them. */
      readonly problems: readonly string[];
    };

const BATCH_ID = /^[A-Za-z0-9._:-]+$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const labelValue = z.string().max(INGEST_LIMITS.maxLabelValueLength);
const labels = z
  .record(
    z
      .string()
      .regex(LABEL_NAME, 'is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)')
      .refine((name) => !name.startsWith('__'), 'label names starting with __ are reserved'),
    labelValue,
  )
  .refine((value) => Object.keys(value).length <= INGEST_LIMITS.maxLabelsPerSeries, {
    message: `at most ${String(INGEST_LIMITS.maxLabelsPerSeries)} labels`,
  });

const epochMs = z
  .number()
  .int('must be whole epoch milliseconds')
  .nonnegative('must be epoch milliseconds (not negative)')
  .max(Number.MAX_SAFE_INTEGER);

const wireValue = z.union([z.number(), z.enum(['NaN', '+Inf', '-Inf'])], {
  error: 'must be a number or one of "NaN", "+Inf", "-Inf"',
});

const sample = z.strictObject({
  name: z
    .string()
    .max(INGEST_LIMITS.maxNameLength)
    .regex(METRIC_NAME, 'is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)'),
  labels,
  t: epochMs,
  v: wireValue,
});

const millis = z.number().nonnegative();
const shortText = z.string().min(1).max(INGEST_LIMITS.maxLabelValueLength);

const probeResult = z.strictObject({
  site: z.string().optional(),
  probe: shortText,
  kind: shortText,
  target: z.string().max(INGEST_LIMITS.maxLabelValueLength),
  labels,
  time: epochMs,
  success: z.boolean(),
  failure: z
    .strictObject({ reason: z.enum(PROBE_FAILURE_REASONS), message: z.string().max(INGEST_LIMITS.maxLabelValueLength) })
    .optional(),
  durationMs: millis,
  phases: z.strictObject({
    dnsMs: millis.optional(),
    connectMs: millis.optional(),
    tlsMs: millis.optional(),
    firstByteMs: millis.optional(),
    transferMs: millis.optional(),
  }),
  statusCode: z.number().int().optional(),
  tlsVersion: z.string().max(64).optional(),
  certNotAfter: epochMs.optional(),
  certDaysLeft: z.number().optional(),
  details: z
    .record(z.string().max(INGEST_LIMITS.maxNameLength), z.union([z.string(), z.number(), z.boolean()]))
    .optional(),
});

const batchSchema = z.strictObject({
  v: z.literal(BATCH_FORMAT_VERSION, {
    error: `must be ${String(BATCH_FORMAT_VERSION)} (the only batch format version)`,
  }),
  batchId: z
    .string()
    .min(1)
    .max(INGEST_LIMITS.maxBatchIdLength)
    .regex(BATCH_ID, 'may hold only letters, digits and . _ : -'),
  agent: z.strictObject({ id: z.string().min(1).max(INGEST_LIMITS.maxNameLength), version: z.string().max(64) }),
  samples: z
    .array(sample)
    .max(
      INGEST_LIMITS.maxSamples,
      `more than ${String(INGEST_LIMITS.maxSamples)} samples in one batch; send smaller batches`,
    )
    .optional(),
  probeResults: z
    .array(probeResult)
    .max(
      INGEST_LIMITS.maxProbeResults,
      `more than ${String(INGEST_LIMITS.maxProbeResults)} probe results in one batch; send smaller batches`,
    )
    .optional(),
  // Elements are checked by checkTagEvent (the same check the RTLS inputs use), after the rest.
  tagEvents: z
    .array(z.unknown())
    .max(
      INGEST_LIMITS.maxTagEvents,
      `more than ${String(INGEST_LIMITS.maxTagEvents)} tag events in one batch; send smaller batches`,
    )
    .optional(),
});

const MAX_REPORTED_ISSUES = 5;

/**
 * Validates a parsed JSON body as a v1 batch. All or nothing: any problem refuses the whole batch,
 * and the error names where, e.g. `samples[12].v: must be a number or one of "NaN", "+Inf", "-Inf"`.
 * Values are never echoed back, so a stray secret in a label cannot end up in the agent's log.
 */
export function parseBatch(body: unknown): BatchParse {
  const result = batchSchema.safeParse(body, { reportInput: false });
  if (!result.success) return refused(describeIssues(result.error.issues));
  const raw = result.data;
  const tagEvents = checkTagEvents(raw.tagEvents);
  if (!tagEvents.ok) return refused([tagEvents.error]);
  return {
    ok: true,
    batch: {
      batchId: raw.batchId,
      agent: raw.agent,
      samples: (raw.samples ?? []).map((s) => ({ name: s.name, labels: s.labels, time: s.t, value: fromWire(s.v) })),
      probeResults: raw.probeResults ?? [],
      tagEvents: tagEvents.events,
    },
  };
}

/** Parses the JSON text of a body, then validates it; a syntax error is a refusal like any other. */
export function parseBatchJson(text: string): BatchParse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return refused([`body: not JSON (${(error as Error).message})`]);
  }
  return parseBatch(body);
}

/**
 * Binds a batch to its token's site: `site` is set on every sample's labels and every probe result,
 * whatever the payload said, so a token of one site can never write another's series.
 */
export function bindToSite(batch: IngestBatch, site: string): SiteBatch {
  return {
    site,
    batchId: batch.batchId,
    agent: batch.agent,
    samples: batch.samples.map((s) => ({ ...s, labels: { ...s.labels, site } })),
    probeResults: batch.probeResults.map((r) => ({ ...r, site })),
    tagEvents: batch.tagEvents,
  };
}

export function toWireValue(value: number): WireValue {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return value;
}

export function fromWire(value: WireValue): number {
  switch (value) {
    case 'NaN':
      return NaN;
    case '+Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    default:
      return value;
  }
}

/** The wire form of a sample, for the agent's side of the contract. */
export function toWireSample(sample: MetricSample): WireSample {
  return { name: sample.name, labels: sample.labels, t: sample.time, v: toWireValue(sample.value) };
}

/** `samples[12].labels.job` from zod's `['samples', 12, 'labels', 'job']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${String(segment)}]`;
    else if (typeof segment === 'string' && !IDENTIFIER.test(segment)) out += `[${JSON.stringify(segment)}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? 'batch' : out;
}

function refused(problems: readonly string[]): BatchParse {
  return { ok: false, error: problems.join('; '), problems };
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines = issues.slice(0, MAX_REPORTED_ISSUES).flatMap((issue) => describeIssue(issue));
  const more = issues.length - Math.min(issues.length, MAX_REPORTED_ISSUES);
  return more > 0 ? [...lines, `and ${String(more)} more`] : lines;
}

function describeIssue(issue: z.core.$ZodIssue): string | string[] {
  const where = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown field`);
    case 'invalid_type':
      // zod's own wording starts "Invalid input"; a message set on the schema is kept as written.
      if (!issue.message.startsWith('Invalid input')) return `${where}: ${issue.message}`;
      return `${where}: ${issue.message.includes('received undefined') ? 'required' : `expected ${issue.expected}`}`;
    case 'invalid_key':
      return `${where}: ${issue.issues[0]?.message ?? issue.message}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

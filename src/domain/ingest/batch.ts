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

/*
 * The batch is checked by hand rather than with a zod schema: zod was 80–95 KB of the ingest
 * and collect bundles and most of the ingest function's import time, for a shape that is small and
 * fixed. The checks keep the schema's behaviour: every field checked, unknown fields refused,
 * problems listed in field order (unknown fields after the known ones), with the same wording.
 */

type Path = readonly PropertyKey[];

/** One problem; an object with several unknown fields is one problem of several lines. */
type Problem = readonly string[];

class Checker {
  readonly problems: Problem[] = [];

  add(path: Path, message: string): void {
    this.problems.push([`${formatPath(path)}: ${message}`]);
  }

  /** `expected <what>`, or `required` where nothing was given. */
  wrongType(path: Path, value: unknown, expected: string): void {
    this.add(path, value === undefined ? 'required' : `expected ${expected}`);
  }

  /** Fields in `shape` order, then one problem naming every field the shape does not know. */
  object(
    path: Path,
    value: unknown,
    shape: Readonly<Record<string, (path: Path, value: unknown) => void>>,
  ): value is Record<string, unknown> {
    if (!isObject(value)) {
      this.wrongType(path, value, 'object');
      return false;
    }
    for (const [key, check] of Object.entries(shape)) check([...path, key], value[key]);
    const unknown = Object.keys(value).filter((key) => !Object.hasOwn(shape, key));
    if (unknown.length > 0) this.problems.push(unknown.map((key) => `${formatPath([...path, key])}: unknown field`));
    return true;
  }

  string(path: Path, value: unknown, limits: { readonly min?: number; readonly max: number }): value is string {
    if (typeof value !== 'string') {
      this.wrongType(path, value, 'string');
      return false;
    }
    const before = this.problems.length;
    if (limits.min !== undefined && value.length < limits.min) {
      this.add(path, `Too small: expected string to have >=${String(limits.min)} characters`);
    }
    if (value.length > limits.max)
      this.add(path, `Too big: expected string to have <=${String(limits.max)} characters`);
    return this.problems.length === before;
  }

  number(path: Path, value: unknown): value is number {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.wrongType(path, value, 'number');
      return false;
    }
    return true;
  }

  nonNegative(path: Path, value: unknown): void {
    if (this.number(path, value) && value < 0) this.add(path, 'Too small: expected number to be >=0');
  }

  epochMs(path: Path, value: unknown): void {
    if (!this.number(path, value)) return;
    // A fraction stops the checks there; a whole number beyond 2^53 is named by each check it fails.
    if (!Number.isSafeInteger(value)) this.add(path, 'must be whole epoch milliseconds');
    if (!Number.isInteger(value)) return;
    if (value < 0) this.add(path, 'must be epoch milliseconds (not negative)');
    if (value > Number.MAX_SAFE_INTEGER)
      this.add(path, `Too big: expected number to be <=${String(Number.MAX_SAFE_INTEGER)}`);
  }

  /** The length, then the elements one by one; `undefined` (field left out) is fine. */
  list(path: Path, value: unknown, max: number, tooMany: string, item?: (path: Path, value: unknown) => void): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      this.wrongType(path, value, 'array');
      return;
    }
    // Too many is the one problem reported: the elements of a list that is refused anyway go unchecked.
    if (value.length > max) return this.add(path, tooMany);
    if (item !== undefined) for (const [index, element] of value.entries()) item([...path, index], element);
  }

  labels(path: Path, value: unknown): void {
    if (!isObject(value)) {
      this.wrongType(path, value, 'record');
      return;
    }
    const before = this.problems.length;
    for (const [name, labelValue] of Object.entries(value)) {
      if (!LABEL_NAME.test(name)) this.add([...path, name], 'is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)');
      else if (name.startsWith('__')) this.add([...path, name], 'label names starting with __ are reserved');
      else this.string([...path, name], labelValue, { max: INGEST_LIMITS.maxLabelValueLength });
    }
    if (this.problems.length === before && Object.keys(value).length > INGEST_LIMITS.maxLabelsPerSeries) {
      this.add(path, `at most ${String(INGEST_LIMITS.maxLabelsPerSeries)} labels`);
    }
  }

  optional(check: (path: Path, value: unknown) => void): (path: Path, value: unknown) => void {
    return (path, value) => {
      if (value !== undefined) check(path, value);
    };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const WIRE_VALUES: readonly unknown[] = ['NaN', '+Inf', '-Inf'];
const FAILURE_REASONS: readonly unknown[] = PROBE_FAILURE_REASONS;

function checkBatch(c: Checker, body: unknown): void {
  const text = (max: number, min?: number) => (path: Path, value: unknown) =>
    void c.string(path, value, min === undefined ? { max } : { min, max });
  const millis = c.optional((path, value) => c.nonNegative(path, value));
  c.object([], body, {
    v: (path, value) => {
      if (value !== BATCH_FORMAT_VERSION) {
        c.add(path, `must be ${String(BATCH_FORMAT_VERSION)} (the only batch format version)`);
      }
    },
    batchId: (path, value) => {
      if (typeof value !== 'string') return c.wrongType(path, value, 'string');
      // Like the schema did, the pattern is checked even when the length is already wrong.
      c.string(path, value, { min: 1, max: INGEST_LIMITS.maxBatchIdLength });
      if (!BATCH_ID.test(value)) c.add(path, 'may hold only letters, digits and . _ : -');
    },
    agent: (path, value) => c.object(path, value, { id: text(INGEST_LIMITS.maxNameLength, 1), version: text(64) }),
    samples: (path, value) =>
      c.list(
        path,
        value,
        INGEST_LIMITS.maxSamples,
        `more than ${String(INGEST_LIMITS.maxSamples)} samples in one batch; send smaller batches`,
        (itemPath, sample) =>
          c.object(itemPath, sample, {
            name: (namePath, name) => {
              if (typeof name !== 'string') return c.wrongType(namePath, name, 'string');
              c.string(namePath, name, { max: INGEST_LIMITS.maxNameLength });
              if (!METRIC_NAME.test(name)) c.add(namePath, 'is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
            },
            labels: (labelsPath, labels) => c.labels(labelsPath, labels),
            t: (tPath, t) => c.epochMs(tPath, t),
            v: (vPath, v) => {
              if (!(typeof v === 'number' && Number.isFinite(v)) && !WIRE_VALUES.includes(v)) {
                c.add(vPath, 'must be a number or one of "NaN", "+Inf", "-Inf"');
              }
            },
          }),
      ),
    probeResults: (path, value) =>
      c.list(
        path,
        value,
        INGEST_LIMITS.maxProbeResults,
        `more than ${String(INGEST_LIMITS.maxProbeResults)} probe results in one batch; send smaller batches`,
        (itemPath, result) => checkProbeResult(c, itemPath, result, text, millis),
      ),
    // Elements are checked by checkTagEvents (the same check the RTLS inputs use), after the rest.
    tagEvents: (path, value) =>
      c.list(
        path,
        value,
        INGEST_LIMITS.maxTagEvents,
        `more than ${String(INGEST_LIMITS.maxTagEvents)} tag events in one batch; send smaller batches`,
      ),
  });
}

type FieldCheck = (path: Path, value: unknown) => void;

function checkProbeResult(
  c: Checker,
  path: Path,
  value: unknown,
  text: (max: number, min?: number) => FieldCheck,
  millis: FieldCheck,
): void {
  const shortText = text(INGEST_LIMITS.maxLabelValueLength, 1);
  const epochMs: FieldCheck = (p, v) => c.epochMs(p, v);
  c.object(path, value, {
    site: c.optional((p, v) => void c.string(p, v, { max: Infinity })),
    probe: shortText,
    kind: shortText,
    target: text(INGEST_LIMITS.maxLabelValueLength),
    labels: (p, v) => c.labels(p, v),
    time: epochMs,
    success: (p, v) => {
      if (typeof v !== 'boolean') c.wrongType(p, v, 'boolean');
    },
    failure: c.optional((p, v) =>
      c.object(p, v, {
        reason: (rp, reason) => {
          if (!FAILURE_REASONS.includes(reason)) {
            c.add(
              rp,
              `Invalid option: expected one of ${PROBE_FAILURE_REASONS.map((r) => JSON.stringify(r)).join('|')}`,
            );
          }
        },
        message: text(INGEST_LIMITS.maxLabelValueLength),
      }),
    ),
    durationMs: (p, v) => c.nonNegative(p, v),
    phases: (p, v) =>
      c.object(p, v, { dnsMs: millis, connectMs: millis, tlsMs: millis, firstByteMs: millis, transferMs: millis }),
    statusCode: c.optional((p, v) => {
      if (!c.number(p, v)) return;
      if (!Number.isInteger(v)) c.add(p, 'expected int');
      else if (!Number.isSafeInteger(v)) {
        c.add(
          p,
          `Too ${v > 0 ? 'big' : 'small'}: expected int to be ${v > 0 ? '<=' : '>='}${String(v > 0 ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER)}`,
        );
      }
    }),
    tlsVersion: c.optional(text(64)),
    certNotAfter: c.optional(epochMs),
    certDaysLeft: c.optional((p, v) => void c.number(p, v)),
    details: c.optional((p, v) => {
      if (!isObject(v)) return c.wrongType(p, v, 'record');
      for (const [key, detail] of Object.entries(v)) {
        if (!c.string([...p, key], key, { max: INGEST_LIMITS.maxNameLength })) continue;
        const kind = typeof detail;
        if (!(kind === 'string' || kind === 'boolean' || (kind === 'number' && Number.isFinite(detail)))) {
          c.add([...p, key], 'Invalid input');
        }
      }
    }),
  });
}

const MAX_REPORTED_ISSUES = 5;

/**
 * Validates a parsed JSON body as a v1 batch. All or nothing: any problem refuses the whole batch,
 * and the error names where, e.g. `samples[12].v: must be a number or one of "NaN", "+Inf", "-Inf"`.
 * Values are never echoed back, so a stray secret in a label cannot end up in the agent's log.
 */
export function parseBatch(body: unknown): BatchParse {
  const checker = new Checker();
  checkBatch(checker, body);
  if (checker.problems.length > 0) return refused(describeProblems(checker.problems));
  const raw = body as WireBatch;
  const tagEvents = checkTagEvents(raw.tagEvents);
  if (!tagEvents.ok) return refused([tagEvents.error]);
  return {
    ok: true,
    batch: {
      batchId: raw.batchId,
      agent: { id: raw.agent.id, version: raw.agent.version },
      samples: (raw.samples ?? []).map((s) => ({ name: s.name, labels: s.labels, time: s.t, value: fromWire(s.v) })),
      probeResults: (raw.probeResults ?? []).map(inFieldOrder),
      tagEvents: tagEvents.events,
    },
  };
}

const PROBE_RESULT_FIELDS = [
  'site',
  'probe',
  'kind',
  'target',
  'labels',
  'time',
  'success',
  'failure',
  'durationMs',
  'phases',
  'statusCode',
  'tlsVersion',
  'certNotAfter',
  'certDaysLeft',
  'details',
] as const;
const PHASE_FIELDS = ['dnsMs', 'connectMs', 'tlsMs', 'firstByteMs', 'transferMs'] as const;

/** A checked probe result with its fields in the contract's order, as the store has always received them. */
function inFieldOrder(result: WireProbeResult): WireProbeResult {
  const out: Record<string, unknown> = {};
  for (const key of PROBE_RESULT_FIELDS) if (key in result) out[key] = result[key];
  if (result.failure) out.failure = { reason: result.failure.reason, message: result.failure.message };
  const phases: Record<string, unknown> = {};
  for (const key of PHASE_FIELDS) if (key in result.phases) phases[key] = result.phases[key];
  out.phases = phases;
  return out as unknown as WireProbeResult;
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

/** `samples[12].labels.job` from `['samples', 12, 'labels', 'job']`. */
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

function describeProblems(problems: readonly Problem[]): string[] {
  const lines = problems.slice(0, MAX_REPORTED_ISSUES).flat();
  const more = problems.length - Math.min(problems.length, MAX_REPORTED_ISSUES);
  return more > 0 ? [...lines, `and ${String(more)} more`] : lines;
}

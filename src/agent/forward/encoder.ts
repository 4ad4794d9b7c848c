import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { BatchContent } from '../buffer/disk-buffer.js';
import {
  BATCH_FORMAT_VERSION,
  toWireSample,
  type BatchAgent,
  type WireProbeResult,
} from '../../domain/ingest/batch.js';
import type { TagEvent } from '../../domain/assets/tag-event.js';
import type { MetricSample } from '../../domain/records.js';

/**
 * What a buffer record holds, and how a sealed batch becomes a WireBatch body.
 *
 * A `metrics` record is `[u32 LE n][n bytes: samples][rest: probe results]`, where each part is the
 * JSON of its objects in wire form joined by commas, without brackets; a `tags` record is the JSON
 * of its tag events joined the same way. A batch's body is then those parts
 * concatenated inside the WireBatch envelope, byte for byte: replaying a buffer never parses and
 * re-serialises JSON, which is what lets a 1 GB backlog go out at the speed of gzip.
 */
const gzip = promisify(gzipCallback);

const COMMA = Buffer.from(',');

export function encodeRecord(samples: readonly MetricSample[], probeResults: readonly WireProbeResult[]): Buffer {
  const samplePart = Buffer.from(samples.map((sample) => JSON.stringify(toWireSample(sample))).join(','));
  const probePart = Buffer.from(probeResults.map((result) => JSON.stringify(result)).join(','));
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32LE(samplePart.length, 0);
  return Buffer.concat([length, samplePart, probePart]);
}

/** A `tags` record: the events as the inputs checked them (the wire form is the domain form). */
export function encodeTagRecord(events: readonly TagEvent[]): Buffer {
  return Buffer.from(events.map((event) => JSON.stringify(event)).join(','));
}

function parts(payload: Buffer): { samples: Buffer; probeResults: Buffer } {
  const n = payload.readUInt32LE(0);
  return { samples: payload.subarray(4, 4 + n), probeResults: payload.subarray(4 + n) };
}

/** The batch id on the wire: the agent's id, then the buffer's id and the batch number. */
export function wireBatchId(agentId: string, key: string): string {
  return `${agentId}-${key}`;
}

/** The WireBatch JSON of a sealed batch, built from its records without parsing them. */
export function encodeBatch(
  batch: Pick<BatchContent, 'key' | 'payloads'> & Partial<Pick<BatchContent, 'tagPayloads'>>,
  agent: BatchAgent,
): Buffer {
  const head = `{"v":${String(BATCH_FORMAT_VERSION)},"batchId":${JSON.stringify(wireBatchId(agent.id, batch.key))},"agent":${JSON.stringify(agent)},"samples":[`;
  const chunks: Buffer[] = [Buffer.from(head)];
  const probeChunks: Buffer[] = [];
  for (const payload of batch.payloads) {
    const { samples, probeResults } = parts(payload);
    if (samples.length > 0) {
      if (chunks.length > 1) chunks.push(COMMA);
      chunks.push(samples);
    }
    if (probeResults.length > 0) {
      if (probeChunks.length > 0) probeChunks.push(COMMA);
      probeChunks.push(probeResults);
    }
  }
  chunks.push(Buffer.from('],"probeResults":['), ...probeChunks, Buffer.from(']'));
  // Only batches that carry tag events name the field, so a metrics-only body is what it always was.
  const tagPayloads = (batch.tagPayloads ?? []).filter((payload) => payload.length > 0);
  if (tagPayloads.length > 0) {
    chunks.push(Buffer.from(',"tagEvents":['));
    tagPayloads.forEach((payload, i) => {
      if (i > 0) chunks.push(COMMA);
      chunks.push(payload);
    });
    chunks.push(Buffer.from(']'));
  }
  chunks.push(Buffer.from('}'));
  return Buffer.concat(chunks);
}

/** A request body: the JSON gzipped (level 1 by default: backlog replay is bound by it) or as is. */
export async function encodeBody(json: Buffer, level: number): Promise<{ body: Buffer; gzipped: boolean }> {
  if (level === 0) return { body: json, gzipped: false };
  return { body: await gzip(json, { level }), gzipped: true };
}

import { crc32 } from 'node:zlib';

/**
 * One buffer record on disk, little-endian:
 *
 * | bytes | field                                                                      |
 * | ----- | -------------------------------------------------------------------------- |
 * | 4     | payload length (low 28 bits) and record kind (high 4 bits, see below)      |
 * | 4     | CRC-32 of everything after this field (header + payload)                   |
 * | 8     | batch number (records of one batch are contiguous)                         |
 * | 8     | append time, epoch ms                                                      |
 * | 4     | samples in the payload (kind 0), or tag events (kind 1)                    |
 * | 4     | probe results in the payload (kind 0; 0 for kind 1)                        |
 * | n     | payload                                                                    |
 *
 * Kinds: 0 `metrics` (samples and probe results), 1 `tags` (RF-ID tag events from the agent's RTLS
 * inputs). Kind 0 leaves the high bits 0, so a buffer written before tag events existed reads
 * unchanged: no record was ever near 2^28 bytes (batches are at most 8 MiB).
 *
 * The checksum also covers the length (it is fed in first), so a torn or flipped length cannot
 * make garbage look like a record. CRC-32 is node:zlib's (Node 20.15+), no dependency needed.
 */
export const RECORD_HEADER_BYTES = 32;

/** A record longer than this is refused on write and read as corruption: batches are far smaller. */
export const MAX_RECORD_PAYLOAD_BYTES = 0x0fff_ffff;

const KIND_SHIFT = 28;
const KIND_CODES = { metrics: 0, tags: 1 } as const;

export type RecordKind = keyof typeof KIND_CODES;

export interface RecordHeader {
  readonly length: number;
  readonly batch: number;
  readonly time: number;
  readonly kind: RecordKind;
  readonly samples: number;
  readonly probeResults: number;
  readonly tagEvents: number;
}

export function encodeHeader(header: RecordHeader, payload: Uint8Array): Buffer {
  if (header.length > MAX_RECORD_PAYLOAD_BYTES) throw new Error('buffer: record payload over the limit');
  if (header.kind === 'tags' && (header.samples !== 0 || header.probeResults !== 0)) {
    throw new Error('buffer: a tag event record holds no samples or probe results');
  }
  if (header.kind === 'metrics' && header.tagEvents !== 0) {
    throw new Error('buffer: a metrics record holds no tag events');
  }
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  out.writeUInt32LE((header.length | (KIND_CODES[header.kind] << KIND_SHIFT)) >>> 0, 0);
  out.writeBigUInt64LE(BigInt(header.batch), 8);
  out.writeBigUInt64LE(BigInt(header.time), 16);
  out.writeUInt32LE(header.kind === 'tags' ? header.tagEvents : header.samples, 24);
  out.writeUInt32LE(header.probeResults, 28);
  out.writeUInt32LE(checksum(out, payload), 4);
  return out;
}

function checksum(header: Buffer, payload: Uint8Array): number {
  let crc = crc32(header.subarray(0, 4));
  crc = crc32(header.subarray(8, RECORD_HEADER_BYTES), crc);
  return crc32(payload, crc);
}

export type RecordRead =
  | { readonly kind: 'record'; readonly header: RecordHeader; readonly payloadOffset: number; readonly end: number }
  /** Not enough bytes left for the header or the payload it announces: a write cut short. */
  | { readonly kind: 'short'; readonly reason: string }
  | { readonly kind: 'corrupt'; readonly reason: string };

/** Reads the record starting at `offset` of a segment held in memory, checking its checksum. */
export function readRecord(data: Buffer, offset: number): RecordRead {
  const left = data.length - offset;
  if (left < RECORD_HEADER_BYTES) {
    return { kind: 'short', reason: `${String(left)} bytes where a ${String(RECORD_HEADER_BYTES)}-byte header starts` };
  }
  const first = data.readUInt32LE(offset);
  const code = first >>> KIND_SHIFT;
  if (code > KIND_CODES.tags) return { kind: 'corrupt', reason: `unknown record kind ${String(code)}` };
  const length = first & MAX_RECORD_PAYLOAD_BYTES;
  const end = offset + RECORD_HEADER_BYTES + length;
  const header = data.subarray(offset, offset + RECORD_HEADER_BYTES);
  if (end > data.length) {
    return {
      kind: 'short',
      reason: `payload of ${String(length)} bytes announced, ${String(data.length - offset - RECORD_HEADER_BYTES)} present`,
    };
  }
  const stored = header.readUInt32LE(4);
  if (checksum(header, data.subarray(offset + RECORD_HEADER_BYTES, end)) !== stored) {
    return { kind: 'corrupt', reason: 'checksum mismatch' };
  }
  const kind: RecordKind = code === KIND_CODES.tags ? 'tags' : 'metrics';
  const count = header.readUInt32LE(24);
  return {
    kind: 'record',
    header: {
      length,
      batch: Number(header.readBigUInt64LE(8)),
      time: Number(header.readBigUInt64LE(16)),
      kind,
      samples: kind === 'metrics' ? count : 0,
      probeResults: header.readUInt32LE(28),
      tagEvents: kind === 'tags' ? count : 0,
    },
    payloadOffset: offset + RECORD_HEADER_BYTES,
    end,
  };
}

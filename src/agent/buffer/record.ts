import { crc32 } from 'node:zlib';

/**
 * One buffer record on disk, little-endian:
 *
 * | bytes | field                                                    |
 * | ----- | -------------------------------------------------------- |
 * | 4     | payload length                                           |
 * | 4     | CRC-32 of everything after this field (header + payload) |
 * | 8     | batch number (records of one batch are contiguous)       |
 * | 8     | append time, epoch ms                                    |
 * | 4     | samples in the payload                                   |
 * | 4     | probe results in the payload                             |
 * | n     | payload                                                  |
 *
 * The checksum also covers the length (it is fed in first), so a torn or flipped length cannot
 * make garbage look like a record. CRC-32 is node:zlib's (Node 20.15+), no dependency needed.
 */
export const RECORD_HEADER_BYTES = 32;

/** A record longer than this is refused on write and read as corruption: batches are far smaller. */
export const MAX_RECORD_PAYLOAD_BYTES = 256 * 1024 * 1024;

export interface RecordHeader {
  readonly length: number;
  readonly batch: number;
  readonly time: number;
  readonly samples: number;
  readonly probeResults: number;
}

export function encodeHeader(header: RecordHeader, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  out.writeUInt32LE(header.length, 0);
  out.writeBigUInt64LE(BigInt(header.batch), 8);
  out.writeBigUInt64LE(BigInt(header.time), 16);
  out.writeUInt32LE(header.samples, 24);
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
  const length = data.readUInt32LE(offset);
  if (length > MAX_RECORD_PAYLOAD_BYTES) {
    return { kind: 'corrupt', reason: `length ${String(length)} is over the record limit` };
  }
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
  return {
    kind: 'record',
    header: {
      length,
      batch: Number(header.readBigUInt64LE(8)),
      time: Number(header.readBigUInt64LE(16)),
      samples: header.readUInt32LE(24),
      probeResults: header.readUInt32LE(28),
    },
    payloadOffset: offset + RECORD_HEADER_BYTES,
    end,
  };
}

/**
 * Snappy block-format compression (the framing remote write 1.0 requires: no stream headers, no
 * checksums), written here rather than taken from `snappyjs`: every remote-write body passes
 * through it, and a compressor that reuses one hash table and writes straight into a pre-sized
 * output buffer is what lets the whole encode run several times faster than protobufjs + snappyjs
 * (bench/remote-write.ts). Decompression is not needed: the adapter never reads snappy.
 *
 * Format (github.com/google/snappy, format_description.txt): the uncompressed length as a varint,
 * then elements, each a literal (tag low bits 00) or a copy of earlier output (01: 1-byte offset,
 * 10: 2-byte offset). The input is cut into 64 KiB blocks so every offset fits in 16 bits.
 */

const BLOCK_SIZE = 1 << 16;
const HASH_BITS = 14;
const HASH_SHIFT = 32 - HASH_BITS;
/** Input positions within the current block, by hash of the 4 bytes found there. */
const table = new Uint16Array(1 << HASH_BITS);
/** Matches are only looked for this far from a block's end, so 4-byte reads stay in bounds. */
const INPUT_MARGIN = 15;
const MIN_BLOCK_TO_COMPRESS = 17;

/** The largest output `compress` can produce for `length` input bytes (snappy's own bound). */
export function maxCompressedLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

export function compress(input: Uint8Array): Uint8Array {
  const output = new Uint8Array(maxCompressedLength(input.length));
  let out = writeVarint(output, 0, input.length);
  for (let start = 0; start < input.length; start += BLOCK_SIZE) {
    out = compressBlock(input, start, Math.min(start + BLOCK_SIZE, input.length), output, out);
  }
  return output.subarray(0, out);
}

function writeVarint(output: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    output[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  output[at++] = value;
  return at;
}

function load32(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

function hash(value: number): number {
  return Math.imul(value, 0x1e35a7bd) >>> HASH_SHIFT;
}

function emitLiteral(input: Uint8Array, from: number, to: number, output: Uint8Array, out: number): number {
  const n = to - from - 1;
  if (n < 60) {
    output[out++] = n << 2;
  } else if (n < 0x100) {
    output[out++] = 60 << 2;
    output[out++] = n;
  } else if (n < 0x10000) {
    output[out++] = 61 << 2;
    output[out++] = n & 0xff;
    output[out++] = n >>> 8;
  } else {
    output[out++] = 62 << 2;
    output[out++] = n & 0xff;
    output[out++] = (n >>> 8) & 0xff;
    output[out++] = n >>> 16;
  }
  if (to - from < 16) {
    for (let i = from; i < to; i++) output[out++] = input[i]!;
  } else {
    output.set(input.subarray(from, to), out);
    out += to - from;
  }
  return out;
}

function emitCopy(offset: number, length: number, output: Uint8Array, out: number): number {
  // A copy element holds at most 64 bytes; longer matches become several, the last at least 4 long.
  while (length >= 68) {
    output[out++] = (63 << 2) | 2;
    output[out++] = offset & 0xff;
    output[out++] = offset >>> 8;
    length -= 64;
  }
  if (length > 64) {
    output[out++] = (59 << 2) | 2;
    output[out++] = offset & 0xff;
    output[out++] = offset >>> 8;
    length -= 60;
  }
  if (length < 12 && offset < 2048) {
    output[out++] = ((offset >>> 8) << 5) | ((length - 4) << 2) | 1;
    output[out++] = offset & 0xff;
  } else {
    output[out++] = ((length - 1) << 2) | 2;
    output[out++] = offset & 0xff;
    output[out++] = offset >>> 8;
  }
  return out;
}

function compressBlock(input: Uint8Array, start: number, end: number, output: Uint8Array, out: number): number {
  let literalStart = start;
  if (end - start >= MIN_BLOCK_TO_COMPRESS) {
    table.fill(0);
    const limit = end - INPUT_MARGIN;
    let ip = start + 1;
    let nextHash = hash(load32(input, ip));
    for (;;) {
      // Skip faster through incompressible input: every 32 misses widen the step by one byte.
      let skip = 32;
      let next = ip;
      let candidate: number;
      do {
        ip = next;
        const h = nextHash;
        next = ip + (skip++ >>> 5);
        if (next > limit) return emitLiteral(input, literalStart, end, output, out);
        nextHash = hash(load32(input, next));
        candidate = start + table[h]!;
        table[h] = ip - start;
      } while (load32(input, ip) !== load32(input, candidate));

      out = emitLiteral(input, literalStart, ip, output, out);
      // Emit copies as long as the bytes right after a copy start another match.
      let matchFound: boolean;
      do {
        const base = ip;
        let matched = 4;
        while (ip + matched < end && input[ip + matched] === input[candidate + matched]) matched++;
        ip += matched;
        out = emitCopy(base - candidate, matched, output, out);
        literalStart = ip;
        if (ip >= limit) return ip < end ? emitLiteral(input, ip, end, output, out) : out;
        table[hash(load32(input, ip - 1))] = ip - 1 - start;
        const h = hash(load32(input, ip));
        candidate = start + table[h]!;
        table[h] = ip - start;
        matchFound = load32(input, ip) === load32(input, candidate);
      } while (matchFound);
      ip++;
      nextHash = hash(load32(input, ip));
    }
  }
  return literalStart < end ? emitLiteral(input, literalStart, end, output, out) : out;
}

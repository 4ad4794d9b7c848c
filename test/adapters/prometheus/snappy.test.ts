import { uncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { compress, maxCompressedLength } from '../../../src/adapters/prometheus/snappy.js';

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function noise(length: number, seed = 7): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const text = (s: string) => new TextEncoder().encode(s);

describe('snappy block compression', () => {
  it.each([
    { name: 'empty', input: new Uint8Array() },
    { name: 'one byte', input: new Uint8Array([42]) },
    { name: 'shorter than a match can start', input: text('abcdefghijklmnop') },
    { name: 'a run of one byte (long copies)', input: new Uint8Array(5_000).fill(7) },
    {
      name: 'repetitive label text',
      input: text('site="site-a",probe="pfsw-login",instance="https://pfsw/"\n'.repeat(2_000)),
    },
    { name: 'incompressible noise over several 64 KiB blocks', input: noise(200_000) },
    { name: 'noise then repeats across a block boundary', input: new Uint8Array([...noise(65_530), ...noise(65_530)]) },
    { name: 'a 70,000-byte literal', input: noise(70_000, 99) },
  ])('round-trips through an independent decoder (snappyjs): $name', ({ input }) => {
    const compressed = compress(input);
    expect(compressed.length).toBeLessThanOrEqual(maxCompressedLength(input.length));
    const restored = Buffer.from(uncompress(compressed));
    expect(restored.length).toBe(input.length);
    // Buffer#equals rather than toEqual: a deep diff of 200 KB is slow and unreadable anyway.
    expect(restored.equals(Buffer.from(input))).toBe(true);
  });

  it('compresses repetitive input well', () => {
    const input = text('probe_success{site="site-a"} 1\n'.repeat(1_000));
    expect(compress(input).length).toBeLessThan(input.length / 10);
  });
});

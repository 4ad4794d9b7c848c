import * as z from 'zod';

/**
 * Byte sizes as Prometheus writes them (`body_size_limit: 10MB`) and as people write them
 * (`10MiB`): B, KB/KiB, MB/MiB, GB/GiB, TB/TiB. Every multiple is a power of 1024, because
 * Prometheus reads `KB` that way (alecthomas/units Base2Bytes) and a config copied from a
 * Prometheus file must mean the same here. `0` alone needs no unit.
 */
const UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1024,
  KIB: 1024,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
  TB: 1024 ** 4,
  TIB: 1024 ** 4,
};
const SIZE = /^([0-9]+)\s*([A-Za-z]+)$/;

export class ByteSizeSyntaxError extends Error {
  override readonly name = 'ByteSizeSyntaxError';
}

/** Bytes of `10MiB`, `512KB`, `0`; throws ByteSizeSyntaxError saying what is wrong. */
export function parseByteSize(text: string): number {
  if (text === '0') return 0;
  const match = SIZE.exec(text.trim());
  if (match === null) {
    throw new ByteSizeSyntaxError(`not a size: ${JSON.stringify(text)} (use e.g. 512KiB, 10MiB, 1GiB)`);
  }
  const multiple = UNITS[match[2]!.toUpperCase()];
  if (multiple === undefined) {
    throw new ByteSizeSyntaxError(
      `unknown unit ${JSON.stringify(match[2])} in size ${JSON.stringify(text)} (units: B, KiB, MiB, GiB, TiB)`,
    );
  }
  const bytes = Number(match[1]) * multiple;
  if (!Number.isSafeInteger(bytes)) throw new ByteSizeSyntaxError(`size ${JSON.stringify(text)} is too large`);
  return bytes;
}

/** A byte-size field: a string such as `10MiB` (or a plain whole number of bytes), parsed to bytes. */
export const byteSize = z
  .union([z.string(), z.number().int().nonnegative()], { error: 'expected a size such as 10MiB or 512KiB' })
  .meta({ examples: ['10MiB', '512KiB', '1GiB'] })
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    try {
      return parseByteSize(value);
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: (error as Error).message, input: value });
      return z.NEVER;
    }
  });

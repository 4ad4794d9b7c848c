/** Milliseconds rounded to the microsecond: finer than any phase we can measure, and tidy in the store. */
export function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export const DAY_MS = 86_400_000;

/** Days until `notAfter` (epoch ms), to the hundredth; negative once expired. */
export function daysLeft(notAfter: number, now: number): number {
  return Math.round(((notAfter - now) / DAY_MS) * 100) / 100;
}

/** Error thrown into a socket when the probe's deadline passes, so the classifier can tell it apart. */
export class ProbeTimeoutError extends Error {
  override readonly name = 'ProbeTimeoutError';
  readonly code = 'PROBE_TIMEOUT';
}

export class ProbeAbortedError extends Error {
  override readonly name = 'ProbeAbortedError';
  readonly code = 'PROBE_ABORTED';
}

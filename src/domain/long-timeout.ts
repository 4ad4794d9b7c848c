/**
 * Timers for delays of any length. Node fires a timer whose delay exceeds 2³¹−1 ms (about 24.8
 * days) after 1 ms instead (with a TimeoutOverflowWarning), so a long probe interval would make its
 * scheduler spin. A long delay is waited as a chain of waits no longer than that limit. The global
 * timer functions are looked up at call time, which is what vi.useFakeTimers() replaces.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The handle of a chained wait: the timer of the hop currently pending. */
class LongTimeout {
  hop: ReturnType<typeof setTimeout> | undefined;
}

export function setLongTimeout(callback: () => void, ms: number): unknown {
  if (!(ms > MAX_TIMER_MS)) return setTimeout(callback, ms);
  const handle = new LongTimeout();
  const wait = (remaining: number) => {
    const hop = Math.min(remaining, MAX_TIMER_MS);
    handle.hop = setTimeout(() => (remaining > hop ? wait(remaining - hop) : callback()), hop);
  };
  wait(ms);
  return handle;
}

export function clearLongTimeout(handle: unknown): void {
  if (handle instanceof LongTimeout) clearTimeout(handle.hop);
  else clearTimeout(handle as ReturnType<typeof setTimeout>);
}

import { clearLongTimeout, setLongTimeout } from '../domain/long-timeout.js';

/**
 * How the delivery pipeline waits. Injected so tests drive time (vi fake timers or a manual
 * scheduler) and never sleep for real; the defaults read the global timers at call time, which
 * is what vi.useFakeTimers() replaces.
 */
export interface DeliveryTimers {
  sleep(ms: number): Promise<void>;
  /** Runs `callback` after `ms`; returns a function that cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
}

/** Delays beyond Node's 2³¹−1 ms timer limit are chained rather than fired at once. */
export const realTimers: DeliveryTimers = {
  sleep: (ms) => (ms <= 0 ? Promise.resolve() : new Promise((resolve) => setLongTimeout(resolve, ms))),
  setTimer: (callback, ms) => {
    const handle = setLongTimeout(callback, ms);
    return () => clearLongTimeout(handle);
  },
};

/** Retry timing: exponential growth with full jitter, and never sooner than the receiver asked. */

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): a uniform draw in
 * [0, min(maxMs, initialMs · 2^(attempt−1))] ("full jitter", which spreads a burst of failures
 * best), raised to `retryAfterMs` when the receiver sent Retry-After. `random` returns [0, 1).
 */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/**
 * Delay before the next queued retry after `attempts` attempts: the queue interval doubling per
 * queued attempt, capped at ten times the immediate cap (DeliverySettings.queueRetryMs), with
 * jitter over its upper half so a queue of failures does not come due all at once.
 */
export function queueRetryDelay(
  settings: { readonly queueRetryMs: number; readonly maxBackoffMs: number; readonly immediateAttempts: number },
  attempts: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  const queued = Math.max(0, attempts - settings.immediateAttempts);
  const ceiling = Math.min(
    Math.max(settings.maxBackoffMs * 10, settings.queueRetryMs),
    settings.queueRetryMs * 2 ** queued,
  );
  const jittered = Math.floor(ceiling / 2 + random() * (ceiling / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}

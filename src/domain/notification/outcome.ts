import type { AlertEvent } from '../alerts/event.js';
import type { DailyDigest } from '../report/digest.js';

/**
 * One message for one channel: a single event, or a group of events of one rule that fired
 * within the route's group_wait. `key` is the notification-log key (exactly once per key).
 */
export interface Notification {
  readonly key: string;
  readonly channel: string;
  readonly events: readonly AlertEvent[];
  /**
   * A daily report instead of alert events (`events` is then empty): it goes through the same
   * pipeline — notification log, retries, durable queue, dead letters — as plain JSON.
   */
  readonly report?: DailyDigest;
}

/** What a channel's send returns; a channel never retries by itself — the pipeline does. */
export type DeliveryOutcome =
  | { readonly status: 'delivered'; readonly detail?: string }
  | { readonly status: 'retryable'; readonly reason: string; readonly retryAfterMs?: number; readonly detail?: string }
  | { readonly status: 'permanent'; readonly reason: string; readonly detail?: string };

/**
 * The one shared policy that turns an HTTP status into an outcome: 2xx delivered; 408, 425, 429
 * and 5xx retryable (honouring Retry-After); any other 4xx permanent, with the receiver's text.
 */
export function classifyHttpStatus(
  status: number,
  body: string,
  retryAfter?: string | null,
  now = Date.now(),
): DeliveryOutcome {
  const detail = body.length > 500 ? `${body.slice(0, 500)}…` : body;
  if (status >= 200 && status < 300) return { status: 'delivered', detail: `HTTP ${status}` };
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return {
      status: 'retryable',
      reason: status === 429 ? 'rate_limited' : `http_${status}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      detail: `HTTP ${status}: ${detail}`,
    };
  }
  return { status: 'permanent', reason: `http_${status}`, detail: `HTTP ${status}: ${detail}` };
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

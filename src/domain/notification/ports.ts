import type { AlertEvent } from '../alerts/event.js';
import type { Notification } from './outcome.js';

/**
 * Ports of the delivery pipeline. SQLite implements them locally
 * (src/adapters/local/sqlite-delivery.ts); the AWS deployment puts SQS and its dead-letter queue
 * behind DeliveryQueue/DeadLetterStore and a DynamoDB table behind NotificationLog.
 */

/** A notification waiting in the durable retry queue. */
export interface QueuedNotification {
  readonly id: string;
  readonly notification: Notification;
  /** Attempts made so far, immediate and queued. */
  readonly attempts: number;
  /** Epoch ms before which it must not be retried. */
  readonly notBefore: number;
  readonly lastError: string;
}

/** Durable retry queue for notifications that are still failing after the immediate attempts. */
export interface DeliveryQueue {
  /** Idempotent by notification key: enqueuing a key that is already queued keeps the queued item. */
  enqueue(notification: Notification, attempts: number, notBefore: number, lastError: string): Promise<void>;
  /** Items whose notBefore has passed, oldest first. */
  due(now: number, limit: number): Promise<QueuedNotification[]>;
  complete(id: string): Promise<void>;
  reschedule(id: string, attempts: number, notBefore: number, lastError: string): Promise<void>;
  size(): Promise<number>;
}

/**
 * The notification log (Alertmanager's nflog): which keys were delivered. Written only after a
 * successful send, read before every send, so retries, replays and restarts never send twice.
 */
export interface NotificationLog {
  /** True for a recorded key, and for one whose record() is still waiting to be written. */
  has(key: string): Promise<boolean>;
  /**
   * Resolves once the keys are durable. An adapter may batch records into one write (the SQLite
   * one commits each event-loop turn's records together); the dispatcher treats a send as
   * complete only when this resolves.
   */
  record(keys: readonly string[], channel: string, deliveredAt: number): Promise<void>;
  /** Forgets entries delivered before `before` (epoch ms); returns how many. */
  prune(before: number): Promise<number>;
}

/** A notification that will not be delivered without someone's help. */
export interface DeadLetter {
  readonly id: string;
  readonly notification: Notification;
  readonly attempts: number;
  readonly reason: string;
  /** Epoch ms. */
  readonly failedAt: number;
}

export interface DeadLetterStore {
  add(notification: Notification, reason: string, attempts: number, failedAt: number): Promise<void>;
  list(): Promise<DeadLetter[]>;
  /**
   * Moves dead letters back to the retry queue with a fresh attempt budget, due at `now`
   * (all of them when `ids` is omitted); returns how many moved.
   */
  requeue(now: number, ids?: readonly string[]): Promise<number>;
}

/**
 * Where the pipeline's own `pflow-delivery-failed` alert lives as an alert like any other: an
 * alert state (so it shows among current alerts), history (so it shows among events), and the
 * outbox that gets it delivered. Locally the SQLite store; in AWS the DynamoDB state table.
 */
export interface DeliveryFailureAlerts {
  /**
   * Fires the alert for a dead-lettered notification, unless one is already firing for it, and
   * publishes it; resolves once it is durable. `alert` is the firing event to record.
   */
  raise(failed: Notification, alert: AlertEvent): Promise<void>;
  /** A notification was delivered from the retry queue: resolves its alert, if one is firing. */
  delivered(notification: Notification): Promise<void>;
}

import { ALERT_EVENT_SCHEMA, type AlertEvent } from '../domain/alerts/event.js';
import { buildNotification, deliveredKeys } from '../domain/notification/dedup.js';
import type { DeliveryOutcome, Notification } from '../domain/notification/outcome.js';
import type { NotificationLog } from '../domain/notification/ports.js';
import type { ChannelSender, Clock, Logger } from '../domain/ports.js';
import { isReportMessage, reportMessageNotification } from '../domain/report/message.js';
import type { RateLimiter } from './rate-limiter.js';

/** A notification log that can also hand out a send to one consumer at a time (DynamoDB's does). */
export interface ClaimingNotificationLog extends NotificationLog {
  claim(key: string, channel: string, now: number, leaseMs: number): Promise<'claimed' | 'delivered' | 'busy'>;
  release(key: string): Promise<void>;
}

/** Where a consumer puts a message that must not be retried, with why. */
export interface DeadLetterSink {
  add(body: string, failure: { reason: string; channel: string; attempts: number; failedAt: number }): Promise<void>;
}

export type ConsumeResult = 'delivered' | 'duplicate' | 'dead-lettered';

/** Thrown for a message the queue should deliver again later (the batch reports it as failed). */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface QueueConsumerProps {
  readonly channel: string;
  readonly sender: ChannelSender;
  readonly log: ClaimingNotificationLog;
  readonly deadLetters: DeadLetterSink;
  /** The channel's rate shaping, shared by every message of the invocation (and warm invocations). */
  readonly limiter: RateLimiter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** delivery.max_attempts: a retryable failure on this receive is the last one. */
  readonly maxAttempts: number;
  /** How long a claim holds before another consumer may take the message over; > the send timeout. */
  readonly leaseMs: number;
}

/**
 * One channel's consumer of queued alert events (the AWS deliver Lambda; each SQS message is one
 * event). The same rules as the local dispatcher: the notification log is consulted before and
 * written after each send, so an event reaches the channel once however often the queue hands it
 * over; the channel's rate limiter spaces the sends; a retryable failure goes back to the queue
 * (RetryLater) until the attempts run out; a permanent failure, exhausted attempts or a message
 * that is not an alert event go to the dead-letter queue at once, with the reason.
 */
export class QueueConsumer {
  constructor(private readonly props: QueueConsumerProps) {}

  async consume(body: string, receiveCount: number): Promise<ConsumeResult> {
    const { channel, log, clock, logger } = this.props;
    const parsed = parseQueueMessage(channel, body);
    if (typeof parsed === 'string') {
      logger.error('malformed message dead-lettered', { channel, reason: parsed });
      await this.deadLetter(body, `malformed: ${parsed}`, receiveCount);
      return 'dead-lettered';
    }
    const { notification, what, about } = parsed;
    const claim = await log.claim(notification.key, channel, clock.now(), this.props.leaseMs);
    if (claim === 'delivered') return 'duplicate';
    if (claim === 'busy') throw new RetryLater(`${what} is being sent by another invocation`);

    let outcome: DeliveryOutcome;
    try {
      await this.props.limiter.acquire();
      outcome = await this.props.sender.send(notification);
    } catch (error) {
      // Only the error's name: a channel's raw message may carry its webhook URL.
      outcome = { status: 'retryable', reason: 'send_threw', detail: error instanceof Error ? error.name : 'unknown' };
    }
    if (outcome.status === 'delivered') {
      await log.record(deliveredKeys(notification), channel, clock.now());
      return 'delivered';
    }
    await log.release(notification.key);
    const reason = outcome.detail ? `${outcome.reason}: ${outcome.detail}` : outcome.reason;
    if (outcome.status === 'permanent' || receiveCount >= this.props.maxAttempts) {
      logger.error('notification dead-lettered', { channel, ...about, attempts: receiveCount, reason });
      await this.deadLetter(body, reason, receiveCount);
      return 'dead-lettered';
    }
    if (outcome.retryAfterMs) this.props.limiter.pauseFor(outcome.retryAfterMs);
    logger.warn('notification failed; the queue will retry it', {
      channel,
      ...about,
      attempts: receiveCount,
      reason,
    });
    throw new RetryLater(reason, outcome.retryAfterMs);
  }

  private deadLetter(body: string, reason: string, attempts: number): Promise<void> {
    return this.props.deadLetters.add(body, {
      reason,
      channel: this.props.channel,
      attempts,
      failedAt: this.props.clock.now(),
    });
  }
}

/**
 * A queue message as the notification to send — an alert event, or a daily report from the report
 * function — with how logs name it; or what is wrong with the message.
 */
export function parseQueueMessage(
  channel: string,
  body: string,
):
  | {
      readonly notification: Notification;
      /** For error messages, e.g. `event e-1`. */
      readonly what: string;
      /** For log fields: `{event}` or `{report}` (the notification key). */
      readonly about: Readonly<Record<string, string>>;
    }
  | string {
  const value = parseObject(body);
  if (typeof value === 'string') return value;
  if (isReportMessage(value)) {
    const notification = reportMessageNotification(channel, value);
    return typeof notification === 'string'
      ? notification
      : { notification, what: `report ${notification.key}`, about: { report: notification.key } };
  }
  const event = alertEventOf(value);
  if (typeof event === 'string') return event;
  return { notification: buildNotification(channel, [event]), what: `event ${event.id}`, about: { event: event.id } };
}

function parseObject(body: string): Readonly<Record<string, unknown>> | string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return `not JSON (${body.length} bytes)`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  return value as Readonly<Record<string, unknown>>;
}

/** The event, or what is wrong with the message (never its content: it may be anything). */
export function parseAlertEvent(body: string): AlertEvent | string {
  const value = parseObject(body);
  return typeof value === 'string' ? value : alertEventOf(value);
}

function alertEventOf(value: Readonly<Record<string, unknown>>): AlertEvent | string {
  const event = value as Partial<AlertEvent>;
  if (event.schema !== ALERT_EVENT_SCHEMA) return `schema is not ${ALERT_EVENT_SCHEMA}`;
  if (typeof event.id !== 'string' || event.id === '') return 'id is missing';
  if (typeof event.site !== 'string') return 'site is missing';
  if (typeof event.rule !== 'object' || event.rule === null || typeof event.rule.id !== 'string')
    return 'rule.id is missing';
  if (!['firing', 'resolved', 'nodata', 'error'].includes(event.state as string)) return 'state is not an event state';
  if (typeof event.labels !== 'object' || event.labels === null) return 'labels are missing';
  if (typeof event.annotations !== 'object' || event.annotations === null) return 'annotations are missing';
  if (typeof event.evaluatedAt !== 'string') return 'evaluatedAt is missing';
  return event as AlertEvent;
}

import type { AlertEvent, EventState } from '../../domain/alerts/event.js';
import type { Notification } from '../../domain/notification/outcome.js';
import { summarise, type SummariseOptions } from '../common/message.js';

export const WEBHOOK_PAYLOAD_SCHEMA = 'performanceflow.webhook/v1';

/**
 * The generic webhook body. Always this envelope, even for a single event, so a receiver has
 * one shape to parse: `events` holds the alert events (schema `performanceflow.alert/v1`)
 * unchanged, and the summary fields save the receiver from re-deriving a title.
 */
export interface WebhookPayload {
  readonly schema: typeof WEBHOOK_PAYLOAD_SCHEMA;
  readonly version: 1;
  /** Notification-log key: the same key is the same notification (use it to deduplicate). */
  readonly key: string;
  readonly channel: string;
  /** Most urgent state among the events. */
  readonly state: EventState;
  readonly title: string;
  readonly test: boolean;
  readonly events: readonly AlertEvent[];
}

/** Pure: one notification → the JSON body. */
export function renderWebhook(notification: Notification, options: SummariseOptions = {}): WebhookPayload {
  const message = summarise(notification, options);
  return {
    schema: WEBHOOK_PAYLOAD_SCHEMA,
    version: 1,
    key: notification.key,
    channel: notification.channel,
    state: message.state,
    title: message.title,
    test: message.test,
    events: notification.events,
  };
}

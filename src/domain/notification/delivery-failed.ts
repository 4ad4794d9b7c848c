import { ALERT_EVENT_SCHEMA, eventId, type AlertEvent } from '../alerts/event.js';
import { fingerprint } from '../labels.js';
import type { Notification } from './outcome.js';

export const DELIVERY_FAILED_RULE = {
  id: 'pflow-delivery-failed',
  name: 'Notification delivery failed',
  severity: 'major',
} as const satisfies AlertEvent['rule'];

/** True for the pipeline's own delivery-failed events, which must never raise another one. */
export function isDeliveryFailedEvent(event: Pick<AlertEvent, 'rule'>): boolean {
  return event.rule.id === DELIVERY_FAILED_RULE.id;
}

/**
 * The alert event the pipeline raises when a notification lands in the dead-letter store, so a
 * broken channel is itself alerted on. Its id derives from the failed notification's key and the
 * time it was dead-lettered: one event per dead-lettering, stable if the pipeline replays it.
 */
export function deliveryFailedEvent(
  failed: Notification,
  failure: { readonly reason: string; readonly detail?: string; readonly attempts: number; readonly at: number },
): AlertEvent {
  const first = failed.events[0];
  const at = new Date(failure.at).toISOString();
  const labels: Record<string, string> = { channel: failed.channel };
  if (first) {
    labels.original_rule = first.rule.id;
    labels.original_site = first.site;
  }
  const site = first?.site ?? 'pflow';
  const eventIds = failed.events.map((event) => event.id);
  return {
    schema: ALERT_EVENT_SCHEMA,
    id: eventId({
      site,
      ruleId: DELIVERY_FAILED_RULE.id,
      fingerprint: fingerprint({ channel: failed.channel, notification: failed.key }),
      evaluatedAt: at,
      state: 'firing',
    }),
    site,
    rule: DELIVERY_FAILED_RULE,
    state: 'firing',
    previousState: 'ok',
    value: failure.attempts,
    threshold: { op: '>=', value: failure.attempts },
    labels,
    annotations: {
      summary: `Could not deliver ${eventIds.length} alert event(s)${first ? ` of rule ${first.rule.name}` : ''} to channel ${failed.channel}`,
      description: `Gave up after ${failure.attempts} attempt(s): ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}. It is in the dead-letter store: list it with \`pflow notify dead-letters\`, re-queue it with \`--retry\`.`,
      reason: failure.reason,
      event_ids: eventIds.slice(0, 20).join(', ') + (eventIds.length > 20 ? `, … (${eventIds.length} in all)` : ''),
    },
    startsAt: at,
    endsAt: null,
    evaluatedAt: at,
  };
}

/** The state key of the delivery-failed alert for a notification: one alert per failed notification. */
export function deliveryFailedKey(failed: Pick<Notification, 'channel' | 'key'>): string {
  return `${DELIVERY_FAILED_RULE.id}/${fingerprint({ channel: failed.channel, notification: failed.key })}`;
}

/** The `resolved` event of a delivery-failed alert, sent once the dead letter was delivered after all. */
export function deliveryRecoveredEvent(
  firing: Pick<AlertEvent, 'site' | 'labels' | 'startsAt'> & { readonly fingerprint: string },
  at: number,
): AlertEvent {
  const when = new Date(at).toISOString();
  const channel = firing.labels.channel ?? 'unknown';
  return {
    schema: ALERT_EVENT_SCHEMA,
    id: eventId({
      site: firing.site,
      ruleId: DELIVERY_FAILED_RULE.id,
      fingerprint: firing.fingerprint,
      evaluatedAt: when,
      state: 'resolved',
    }),
    site: firing.site,
    rule: DELIVERY_FAILED_RULE,
    state: 'resolved',
    previousState: 'firing',
    value: null,
    threshold: { op: '>=', value: 1 },
    labels: firing.labels,
    annotations: {
      summary: `The notification that could not be delivered to channel ${channel} has now been delivered`,
    },
    startsAt: firing.startsAt,
    endsAt: when,
    evaluatedAt: when,
  };
}

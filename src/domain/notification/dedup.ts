import type { AlertEvent } from '../alerts/event.js';
import type { Notification } from './outcome.js';

/** The notification-log key of one event on one channel: exactly one delivery per pair. */
export function eventKey(channel: string, eventId: string): string {
  return `${channel}|${eventId}`;
}

/**
 * The key of a notification: the event key for a single event; for a group, a hash of its
 * sorted event ids, so the same group always has the same key whatever the arrival order.
 */
export function notificationKey(channel: string, events: readonly Pick<AlertEvent, 'id'>[]): string {
  if (events.length === 1) return eventKey(channel, events[0]!.id);
  const ids = events.map((event) => event.id).sort();
  return `${channel}|group:${events.length}:${fnv1a64(ids.join('\n'))}`;
}

export function buildNotification(channel: string, events: readonly AlertEvent[]): Notification {
  return { key: notificationKey(channel, events), channel, events };
}

/**
 * Every key the log records when a notification is delivered: its own and one per event, so an
 * event delivered inside a group is never sent again alone (or in another group) after a restart.
 */
export function deliveredKeys(notification: Notification): string[] {
  const keys = new Set([notification.key]);
  for (const event of notification.events) keys.add(eventKey(notification.channel, event.id));
  return [...keys];
}

/**
 * The dedup decision (Alertmanager's needsUpdate): which of a notification's events still need
 * sending, given a lookup of delivered keys. Returns the notification unchanged when nothing was
 * delivered, a smaller one (with its own key) when some were, and undefined when all were.
 */
export function needsSend(notification: Notification, delivered: (key: string) => boolean): Notification | undefined {
  if (delivered(notification.key)) return undefined;
  // A report has no events: its own key is the whole answer.
  if (notification.report !== undefined) return notification;
  const remaining = notification.events.filter((event) => !delivered(eventKey(notification.channel, event.id)));
  if (remaining.length === 0) return undefined;
  if (remaining.length === notification.events.length) return notification;
  return buildNotification(notification.channel, remaining);
}

/** Grouping is per route, channel, site and rule: "events of one rule" as Alertmanager groups them. */
export function groupKey(routeIndex: number, channel: string, event: Pick<AlertEvent, 'site' | 'rule'>): string {
  return `${routeIndex}\u001f${channel}\u001f${event.site}\u001f${event.rule.id}`;
}

/** FNV-1a 64-bit, hand-written because the pure domain has no crypto import and needs it synchronous. */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

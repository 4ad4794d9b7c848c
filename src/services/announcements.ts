import type { AlertEvent } from '../domain/alerts/event.js';
import type { CasWrite } from '../domain/ports.js';

/** An event id is `site/rule/fingerprint/evaluatedAt/state`; the state key is `rule/fingerprint`. */
export function instanceKeyOf(event: Pick<AlertEvent, 'id'>): string {
  const [, ruleId, fingerprint] = event.id.split('/');
  return `${ruleId}/${fingerprint}`;
}

/**
 * Puts each notification on the state write of its own instance, so the store can commit both
 * together (the outbox). What matches no write — a `resolved` whose instance is deleted rather
 * than written — is returned to go with the deletes.
 */
export function attachAnnouncements(
  writes: readonly CasWrite[],
  notifications: readonly AlertEvent[],
): { writes: CasWrite[]; withDeletes: AlertEvent[] } {
  const byInstance = new Map<string, AlertEvent[]>();
  for (const event of notifications) {
    const key = instanceKeyOf(event);
    const list = byInstance.get(key);
    if (list) list.push(event);
    else byInstance.set(key, [event]);
  }
  const attached = writes.map((write) => {
    const announces = byInstance.get(write.next.key);
    if (announces === undefined) return write;
    byInstance.delete(write.next.key);
    return { ...write, announces };
  });
  return { writes: attached, withDeletes: [...byInstance.values()].flat() };
}

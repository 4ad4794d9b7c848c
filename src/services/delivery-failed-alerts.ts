import type { AlertEvent } from '../domain/alerts/event.js';
import {
  DELIVERY_FAILED_RULE,
  deliveryFailedEvent,
  deliveryFailedKey,
  deliveryRecoveredEvent,
  isDeliveryFailedEvent,
} from '../domain/notification/delivery-failed.js';
import type { Notification } from '../domain/notification/outcome.js';
import type { DeadLetter, DeliveryFailureAlerts } from '../domain/notification/ports.js';
import type { AlertStateStore, Clock, EventBus, Logger, MetricStore } from '../domain/ports.js';
import type { AlertInstanceState } from '../domain/rules/types.js';

export interface DeliveryFailedAlertsDeps {
  readonly states: AlertStateStore;
  readonly history: Pick<MetricStore, 'writeAlertEvents'>;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The `pflow-delivery-failed` alert as an alert like the rules' ones: a state per failed
 * notification (shown by /api/alerts), its events in the history (/api/events), and delivery
 * through the same outbox, so it survives a crash too. It resolves when the dead letter is
 * delivered after all (`pflow notify dead-letters --retry`, then a queue drain).
 */
export class DeliveryFailedAlerts implements DeliveryFailureAlerts {
  constructor(private readonly deps: DeliveryFailedAlertsDeps) {}

  async raise(failed: Notification, alert: AlertEvent): Promise<void> {
    const key = deliveryFailedKey(failed);
    const current = (await this.openStates()).get(key);
    // One alert per failed notification until it is delivered: a replay re-raises nothing.
    if (current?.state === 'firing') return;
    const at = Date.parse(alert.evaluatedAt);
    const next: AlertInstanceState = {
      key,
      ruleId: DELIVERY_FAILED_RULE.id,
      site: alert.site,
      fingerprint: key.slice(DELIVERY_FAILED_RULE.id.length + 1),
      labels: alert.labels,
      state: 'firing',
      since: at,
      firingSince: at,
      lastValue: alert.value,
      notifiedState: 'firing',
      lastNotifiedAt: at,
      lastEvaluatedAt: at,
      version: (current?.version ?? 0) + 1,
    };
    const cas = await this.deps.states.compareAndSet([
      { next, expectedVersion: current?.version ?? 0, announces: [alert] },
    ]);
    if (cas.conflicts.length > 0) return;
    await this.deps.history.writeAlertEvents([alert]);
    await this.deps.bus.publish([alert]);
  }

  async delivered(notification: Notification): Promise<void> {
    const key = deliveryFailedKey(notification);
    const current = (await this.openStates()).get(key);
    if (current?.state !== 'firing') return;
    const resolved = deliveryRecoveredEvent(
      {
        site: current.site,
        labels: current.labels,
        startsAt: new Date(current.firingSince ?? current.since).toISOString(),
        fingerprint: current.fingerprint,
      },
      this.deps.clock.now(),
    );
    await this.deps.states.deleteStates([key], [resolved]);
    await this.deps.history.writeAlertEvents([resolved]);
    await this.deps.bus.publish([resolved]);
    this.deps.logger.info('delivery-failed alert resolved: the dead letter was delivered', {
      channel: notification.channel,
      key: notification.key,
    });
  }

  /**
   * Raises the alert for every dead letter that has none: the dead letter is written to
   * `delivery.db` and the alert to the store, two files, so a crash between them is mended here
   * at start. The event is the one the dispatcher would have raised (same id), so it is not sent twice.
   */
  async reconcile(deadLetters: readonly DeadLetter[]): Promise<number> {
    let raised = 0;
    const open = await this.openStates();
    for (const letter of deadLetters) {
      if (letter.notification.events.every(isDeliveryFailedEvent)) continue;
      if (open.get(deliveryFailedKey(letter.notification))?.state === 'firing') continue;
      const [reason, ...detail] = letter.reason.split(': ');
      await this.raise(
        letter.notification,
        deliveryFailedEvent(letter.notification, {
          reason: reason ?? letter.reason,
          ...(detail.length > 0 ? { detail: detail.join(': ') } : {}),
          attempts: letter.attempts,
          at: letter.failedAt,
        }),
      );
      raised++;
    }
    return raised;
  }

  private openStates(): Promise<Map<string, AlertInstanceState>> {
    return this.deps.states.loadStates([DELIVERY_FAILED_RULE.id]);
  }
}

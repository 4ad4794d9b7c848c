import type { AlertEvent } from '../../domain/alerts/event.js';
import type { EventBus, Logger } from '../../domain/ports.js';

export type EventSubscriber = (events: readonly AlertEvent[]) => Promise<void>;

/**
 * The local stand-in for SNS: fans each batch out to every subscriber. A failing subscriber is
 * logged and does not keep the others from receiving the batch.
 */
export class InProcessEventBus implements EventBus {
  private readonly subscribers: EventSubscriber[] = [];

  constructor(private readonly logger: Logger) {}

  subscribe(subscriber: EventSubscriber): void {
    this.subscribers.push(subscriber);
  }

  async publish(events: readonly AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    const results = await Promise.allSettled(this.subscribers.map((subscriber) => subscriber(events)));
    for (const result of results) {
      if (result.status === 'rejected') {
        this.logger.error('event subscriber failed', { error: String(result.reason) });
      }
    }
  }
}

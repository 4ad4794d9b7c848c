import type { AlertEvent } from '../domain/alerts/event.js';
import type { Logger, NotificationOutbox } from '../domain/ports.js';

/** Far more than an outbox holds after any real outage; one read keeps the replay simple. */
const REPLAY_LIMIT = 1_000_000;

export interface OutboxRelayDeps {
  readonly outbox: NotificationOutbox;
  /** Hands events to the delivery pipeline (which reports them settled to the outbox). */
  readonly dispatch: (events: readonly AlertEvent[]) => Promise<void>;
  /** True while the pipeline holds the event (buffered, in flight, backing off). */
  readonly inHand: (eventId: string) => boolean;
  readonly logger: Logger;
}

/**
 * Moves what the outbox holds into the delivery pipeline when nothing else will: at start (what a
 * crash or a hard stop left behind) and on a sweep (what a failing delivery database could not
 * take). Live events reach the pipeline on the bus; a sweep that meets one of them is harmless,
 * since the pipeline takes an event once and the notification log never sends it twice.
 */
export class OutboxRelay {
  constructor(private readonly deps: OutboxRelayDeps) {}

  /** Dispatches every staged event; returns how many. */
  async replay(): Promise<number> {
    const events = await this.deps.outbox.pending(REPLAY_LIMIT);
    if (events.length === 0) return 0;
    this.deps.logger.info('delivering notifications committed before the last stop', {
      notifications: events.length,
    });
    void this.dispatch(events);
    return events.length;
  }

  /** Dispatches staged events the pipeline does not hold; returns how many. */
  async sweep(): Promise<number> {
    const events = (await this.deps.outbox.pending(REPLAY_LIMIT)).filter((event) => !this.deps.inHand(event.id));
    if (events.length === 0) return 0;
    this.deps.logger.warn('retrying notifications the delivery pipeline could not take', {
      notifications: events.length,
    });
    void this.dispatch(events);
    return events.length;
  }

  private async dispatch(events: readonly AlertEvent[]): Promise<void> {
    try {
      await this.deps.dispatch(events);
    } catch (error) {
      this.deps.logger.error('outbox dispatch failed; the events stay in the outbox', { error: String(error) });
    }
  }
}

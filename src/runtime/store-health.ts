import type { AlertEvent } from '../domain/alerts/event.js';
import { storeUnavailableEvent } from '../domain/alerts/store-unavailable.js';
import { monotonicNow, type Clock, type Logger } from '../domain/ports.js';

/** One part of the store that can fail: the write buffer, the alert-state writer. */
export interface StoreFailureSource {
  readonly failingSince: number | null;
  readonly lastError: string | null;
}

export interface StoreHealthStats {
  readonly status: 'ok' | 'failing';
  readonly failingSince: string | null;
  readonly lastError: string | null;
  /** Whether the store-unavailable alert is firing now. */
  readonly alertFiring: boolean;
}

export interface StoreHealthOptions {
  /** The database file's name, shown in the alert. */
  readonly store: string;
  readonly sources: () => readonly StoreFailureSource[];
  /** Records held in memory waiting for the store. */
  readonly pending: () => number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Records and publishes the alert events, as a rule cycle's are. */
  readonly raise: (events: readonly AlertEvent[]) => Promise<void>;
  /** How long the store must fail before the alert fires, so a brief lock does not page anyone. */
  readonly raiseAfterMs?: number;
}

/**
 * Turns the store's failure streaks into the store-unavailable alert: firing once the store has
 * failed for `raiseAfterMs` (timed on the monotonic clock), resolved at the first check after every
 * part writes again. Checked on a short schedule by the runtime.
 */
export class StoreHealth {
  private failingSeenAt: number | null = null;
  private outage: { since: number; reason: string } | null = null;

  constructor(private readonly options: StoreHealthOptions) {}

  async check(): Promise<void> {
    const failing = this.options.sources().filter((source) => source.failingSince !== null);
    const { clock } = this.options;
    if (failing.length > 0) {
      this.failingSeenAt ??= monotonicNow(clock);
      if (this.outage !== null || monotonicNow(clock) - this.failingSeenAt < (this.options.raiseAfterMs ?? 10_000))
        return;
      const since = Math.min(...failing.map((source) => source.failingSince!));
      const reason = failing.find((source) => source.lastError !== null)?.lastError ?? 'the store refuses writes';
      this.outage = { since, reason };
      this.options.logger.error('store unavailable: raising an alert', {
        since: new Date(since).toISOString(),
        reason,
      });
      await this.publish('firing');
      return;
    }
    this.failingSeenAt = null;
    if (this.outage === null) return;
    this.options.logger.info('store available again: resolving its alert', {
      since: new Date(this.outage.since).toISOString(),
    });
    await this.publish('resolved');
    this.outage = null;
  }

  stats(): StoreHealthStats {
    const failing = this.options.sources().filter((source) => source.failingSince !== null);
    const since = failing.length > 0 ? Math.min(...failing.map((source) => source.failingSince!)) : null;
    return {
      status: failing.length > 0 ? 'failing' : 'ok',
      failingSince: since === null ? null : new Date(since).toISOString(),
      lastError: failing.find((source) => source.lastError !== null)?.lastError ?? null,
      alertFiring: this.outage !== null,
    };
  }

  private async publish(state: 'firing' | 'resolved'): Promise<void> {
    const outage = this.outage!;
    const event = storeUnavailableEvent({
      state,
      since: outage.since,
      at: this.options.clock.now(),
      reason: outage.reason,
      pending: this.options.pending(),
      store: this.options.store,
    });
    await this.options.raise([event]);
  }
}

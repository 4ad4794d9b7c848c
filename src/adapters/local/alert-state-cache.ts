import {
  systemTimers,
  type AlertStateStore,
  type CasResult,
  type CasWrite,
  type Logger,
  type Timers,
} from '../../domain/ports.js';
import type { AlertEvent } from '../../domain/alerts/event.js';
import type { AlertInstanceState } from '../../domain/rules/types.js';
import type { Clock } from '../../domain/ports.js';
import { isTransientStoreError } from './write-buffer.js';

/** What the cache persists to: the SQLite store's state half. */
export interface AlertStatePersistence {
  listAlertStates(): AlertInstanceState[];
  /** One transaction: the states, the deletes, and the notifications they announce (the outbox). */
  saveStates(
    states: readonly AlertInstanceState[],
    deletes: readonly string[],
    announces: readonly AlertEvent[],
  ): Promise<void>;
}

export interface AlertStateCacheStats {
  /** Keys changed in memory and not yet written. */
  readonly unsaved: number;
  /** Notifications announced by those changes and not yet in the store's outbox. */
  readonly unstagedNotifications: number;
  readonly failingSince: number | null;
  readonly lastError: string | null;
}

/**
 * The local runtime's alert states, held in memory and written behind to SQLite. The local runtime
 * is the only evaluator of its database, so memory is the authoritative copy: compare-and-set is
 * checked against it, and rule cycles go on evaluating (and alerting) while the database is locked
 * by another process or the disk is full. Changes are written on a short timer; a write that fails
 * for a transient reason keeps them and is retried with backoff, and whatever changed meanwhile is
 * folded in (only each key's latest state is written). The AWS runtime keeps DynamoDB's conditional
 * writes instead: there, several evaluators may race.
 *
 * Notifications (`announces`) ride with the state change that made them and are written in the
 * same transaction, into the store's outbox. The runtime calls commitAnnouncements() before a
 * notification's first send attempt, so when the database is writable the notification is durable
 * before anyone can have been told. When it is not (locked, disk full), the notification is sent
 * from memory rather than held back — an alert must not wait for the disk — and it is still in
 * memory with its state: both reach the file together when the store is back. A crash meanwhile
 * loses both together, and the file's older state makes the next start evaluate the same
 * transition again and announce it anew: the notification is re-made, not lost.
 */
export class AlertStateCache implements AlertStateStore {
  private readonly states = new Map<string, AlertInstanceState>();
  /** Keys to write: the state to put, or null to delete. */
  private readonly dirty = new Map<string, AlertInstanceState | null>();
  /** Notifications of the changes in `dirty`, in order, not yet written to the outbox. */
  private announcing: AlertEvent[] = [];
  private timer: unknown = null;
  private saving: Promise<void> | null = null;
  private failingSince: number | null = null;
  private lastError: string | null = null;
  private retryDelayMs: number;

  constructor(
    private readonly store: AlertStatePersistence,
    private readonly options: {
      readonly clock: Clock;
      readonly logger: Logger;
      readonly timers?: Timers;
      readonly saveDelayMs?: number;
      readonly retryInitialMs?: number;
      readonly retryMaxMs?: number;
    },
  ) {
    this.retryDelayMs = options.retryInitialMs ?? 100;
    for (const state of store.listAlertStates()) this.states.set(state.key, state);
  }

  private get timers(): Timers {
    return this.options.timers ?? systemTimers;
  }

  async loadStates(ruleIds: readonly string[]): Promise<Map<string, AlertInstanceState>> {
    const wanted = new Set(ruleIds);
    const found = new Map<string, AlertInstanceState>();
    for (const [key, state] of this.states) if (wanted.has(state.ruleId)) found.set(key, state);
    return found;
  }

  async compareAndSet(writes: readonly CasWrite[]): Promise<CasResult> {
    const written: string[] = [];
    const conflicts: string[] = [];
    for (const { next, expectedVersion, announces } of writes) {
      const current = this.states.get(next.key);
      if ((current?.version ?? 0) !== expectedVersion) {
        conflicts.push(next.key);
        continue;
      }
      const state = { ...next, version: expectedVersion + 1 };
      this.states.set(next.key, state);
      this.dirty.set(next.key, state);
      if (announces !== undefined) this.announcing.push(...announces);
      written.push(next.key);
    }
    this.scheduleSave();
    return { written, conflicts };
  }

  async deleteStates(keys: readonly string[], announces: readonly AlertEvent[] = []): Promise<void> {
    for (const key of keys) {
      this.states.delete(key);
      this.dirty.set(key, null);
    }
    this.announcing.push(...announces);
    this.scheduleSave();
  }

  /**
   * Writes pending changes now, with their notifications, unless the store is already failing
   * (then the retry timer owns the next try and the caller must not wait for it). Resolves true
   * when every notification announced so far is in the outbox.
   */
  async commitAnnouncements(): Promise<boolean> {
    if (this.announcing.length === 0) return true;
    if (this.failingSince !== null) return false;
    await this.flush();
    return this.announcing.length === 0;
  }

  /** Current states, ordered by key, for the API. */
  listAlertStates(): AlertInstanceState[] {
    return [...this.states.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  stats(): AlertStateCacheStats {
    return {
      unsaved: this.dirty.size,
      unstagedNotifications: this.announcing.length,
      failingSince: this.failingSince,
      lastError: this.lastError,
    };
  }

  /** Writes what changed now; returns how many keys are still unsaved (transient failure). */
  async flush(): Promise<number> {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    // A save already running took its batch before the latest changes: wait for it, then save those.
    if (this.saving !== null) await this.saving;
    await this.save();
    return this.dirty.size;
  }

  private scheduleSave(): void {
    if (this.timer !== null || (this.dirty.size === 0 && this.announcing.length === 0)) return;
    const delay = this.failingSince === null ? (this.options.saveDelayMs ?? 0) : this.retryDelayMs;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.save().then(() => this.scheduleSave());
    }, delay);
  }

  private save(): Promise<void> {
    this.saving ??= this.saveOnce().finally(() => {
      this.saving = null;
    });
    return this.saving;
  }

  private async saveOnce(): Promise<void> {
    if (this.dirty.size === 0 && this.announcing.length === 0) return;
    const batch = new Map(this.dirty);
    const announces = this.announcing.slice();
    const puts: AlertInstanceState[] = [];
    const deletes: string[] = [];
    for (const [key, state] of batch) {
      if (state === null) deletes.push(key);
      else puts.push(state);
    }
    try {
      await this.store.saveStates(puts, deletes, announces);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      const message = error instanceof Error ? error.message : String(error);
      this.lastError = typeof code === 'string' ? `${code}: ${message}` : message;
      if (this.failingSince === null) {
        this.failingSince = this.options.clock.now();
        this.logger.error('store: saving alert states failed; they stay in memory and are retried', {
          code,
          error: message,
          unsaved: this.dirty.size,
          transient: isTransientStoreError(error),
        });
      } else {
        this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.options.retryMaxMs ?? 30_000);
      }
      return;
    }
    // Only keys not changed again while this write ran are done.
    for (const [key, state] of batch) if (this.dirty.get(key) === state) this.dirty.delete(key);
    // Later announcements were appended after these.
    this.announcing = this.announcing.slice(announces.length);
    if (this.failingSince !== null) {
      this.logger.info('store: alert states saved again', {
        failingFor: `${this.options.clock.now() - this.failingSince}ms`,
      });
      this.failingSince = null;
      this.lastError = null;
      this.retryDelayMs = this.options.retryInitialMs ?? 100;
    }
  }

  private get logger(): Logger {
    return this.options.logger;
  }
}

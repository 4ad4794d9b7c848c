import type { AlertEvent } from '../../domain/alerts/event.js';
import { systemTimers, type Clock, type Logger, type MetricStore, type Timers } from '../../domain/ports.js';
import type { ProbeResult } from '../../domain/probe-result.js';
import type { MetricSample, SeriesWindow, WindowQuery } from '../../domain/records.js';
import { withPendingRecords } from './pending-windows.js';

/**
 * Sits between the local runtime and the SQLite store so that a locked database or a full disk
 * never loses an accepted result: writes are accepted into memory at once, flushed in batches on
 * size or interval, and a batch that fails for a transient reason (SQLITE_BUSY, SQLITE_FULL,
 * SQLITE_IOERR…) stays at the head of its queue and is retried with exponential backoff.
 *
 * Overflow policy: each queue holds at most `capacity` records. When a queue is full, NEW records
 * are refused (what is already accepted is never evicted); every refusal is counted in stats()
 * and reported through the Logger: an error when refusing starts, a warning with the total when
 * the queue accepts again. A record the store rejects for a non-transient reason (a bug, a
 * corrupt file) is isolated by writing its batch one record at a time; only the records that
 * still fail are dropped, counted and logged with the error.
 *
 * When the disk is full (SQLITE_FULL), a failed batch is split in halves and retried at once, down to
 * one record, so whatever space is left is used; batches grow back as writes succeed. Reads
 * (fetchWindows) return the store's windows merged with the records still held here, so rules keep
 * evaluating from memory while the store cannot take writes.
 */

export type RecordKind = 'probe results' | 'metric samples' | 'alert events';

/** What the buffer writes to: the store's write half. */
export type MetricStoreWriter = Pick<MetricStore, 'writeProbeResults' | 'writeMetricSamples' | 'writeAlertEvents'>;

export interface WriteBufferOptions {
  readonly store: MetricStoreWriter & Partial<Pick<MetricStore, 'fetchWindows'>>;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Defaults to the global timer functions, looked up at call time so fake timers apply. */
  readonly timers?: Timers;
  /** Records per store call. */
  readonly batchSize?: number;
  /** Longest time an accepted record waits before a flush starts. */
  readonly flushIntervalMs?: number;
  /** Most records held per kind before new ones are refused. */
  readonly capacity?: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

export interface WriteBufferStats {
  readonly pending: Readonly<Record<RecordKind, number>>;
  readonly written: Readonly<Record<RecordKind, number>>;
  /** Refused on arrival because the queue was full. */
  readonly refused: Readonly<Record<RecordKind, number>>;
  /** Accepted, then rejected by the store for a non-transient reason (logged). */
  readonly dropped: Readonly<Record<RecordKind, number>>;
  /** Store calls that failed transiently and were retried. */
  readonly retries: number;
  /** Epoch ms of the first failure of the current failing streak, if the store is failing now. */
  readonly failingSince: number | null;
  /** The error of the latest failed write or read while failing, e.g. `SQLITE_BUSY: database is locked`. */
  readonly lastError: string | null;
  /** Records per store call now: below batchSize while a full disk makes batches split. */
  readonly batchLimit: number;
}

export interface FlushReport {
  /** Records still held (not written) when flush gave up, per kind; all zero when drained. */
  readonly unwritten: Readonly<Record<RecordKind, number>>;
}

const TRANSIENT_SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL|NOMEM)(_|$)/;

/** Whether a store error is worth retrying: the database is locked, the disk is full or I/O failed. */
export function isTransientStoreError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // PFLOW_METRIC_STORE_UNAVAILABLE: a remote metric store (Prometheus) stayed unreachable through its retries.
  return typeof code === 'string' && (TRANSIENT_SQLITE_CODES.test(code) || code === 'PFLOW_METRIC_STORE_UNAVAILABLE');
}

interface Queue<T> {
  readonly kind: RecordKind;
  readonly write: (records: readonly T[]) => Promise<void>;
  items: T[];
  written: number;
  refused: number;
  /** Refusals in the current overflow episode; reported when it ends. */
  refusedInEpisode: number;
  dropped: number;
}

const KINDS: readonly RecordKind[] = ['probe results', 'metric samples', 'alert events'];

function perKind(value: (kind: RecordKind) => number): Record<RecordKind, number> {
  return Object.fromEntries(KINDS.map((kind) => [kind, value(kind)])) as Record<RecordKind, number>;
}

export class WriteBuffer implements MetricStore {
  private readonly store: WriteBufferOptions['store'];
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly capacity: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;

  private readonly probes: Queue<ProbeResult>;
  private readonly samples: Queue<MetricSample>;
  private readonly events: Queue<AlertEvent>;
  private readonly queues: ReadonlyArray<Queue<unknown>>;

  private timer: unknown = null;
  private timerIsRetry = false;
  private flushing: Promise<void> | null = null;
  private retryDelayMs: number;
  private retries = 0;
  private failingSince: number | null = null;
  private lastError: string | null = null;
  private batchLimit: number;
  private closed = false;
  private explicitFlushes = 0;

  constructor(options: WriteBufferOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.clock = options.clock;
    this.timers = options.timers ?? systemTimers;
    this.batchSize = options.batchSize ?? 5_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.capacity = options.capacity ?? 1_000_000;
    this.retryInitialMs = options.retryInitialMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.retryDelayMs = this.retryInitialMs;
    this.batchLimit = this.batchSize;
    const queue = <T>(kind: RecordKind, write: (records: readonly T[]) => Promise<void>): Queue<T> => ({
      kind,
      write,
      items: [],
      written: 0,
      refused: 0,
      refusedInEpisode: 0,
      dropped: 0,
    });
    this.probes = queue('probe results', (r) => this.store.writeProbeResults(r));
    this.samples = queue('metric samples', (r) => this.store.writeMetricSamples(r));
    this.events = queue('alert events', (r) => this.store.writeAlertEvents(r));
    this.queues = [this.probes, this.samples, this.events] as ReadonlyArray<Queue<unknown>>;
  }

  // Accepting side: resolves at once; refusals are reported through the logger and stats().

  async writeProbeResults(results: readonly ProbeResult[]): Promise<void> {
    this.accept(this.probes, results);
  }

  async writeMetricSamples(samples: readonly MetricSample[]): Promise<void> {
    this.accept(this.samples, samples);
  }

  async writeAlertEvents(events: readonly AlertEvent[]): Promise<void> {
    this.accept(this.events, events);
  }

  /**
   * Reads through to the store after a best-effort flush, and adds the records still held here, so a
   * rule cycle sees every result accepted before it even while the store cannot take them. A read the
   * store refuses (locked) throws: the rule applies its on_error policy, never "no data".
   */
  async fetchWindows(query: WindowQuery): Promise<SeriesWindow[]> {
    if (this.store.fetchWindows === undefined) throw new Error('the buffered store cannot fetch windows');
    if (this.failingSince === null && this.pendingCount() > 0) await this.flushOnce();
    let stored: SeriesWindow[];
    try {
      stored = await this.store.fetchWindows(query);
    } catch (error) {
      if (isTransientStoreError(error)) {
        this.failingSince ??= this.clock.now();
        this.lastError = describeError(error);
      }
      throw error;
    }
    return withPendingRecords(stored, query, { probes: this.probes.items, samples: this.samples.items });
  }

  /** Results accepted but not yet in the store, oldest first: the API shows the latest from here. */
  pendingProbeResults(): readonly ProbeResult[] {
    return this.probes.items;
  }

  /** Alert events accepted but not yet in the store, oldest first. */
  pendingAlertEvents(): readonly AlertEvent[] {
    return this.events.items;
  }

  stats(): WriteBufferStats {
    const byKind = (kind: RecordKind) => this.queues.find((q) => q.kind === kind)!;
    return {
      pending: perKind((kind) => byKind(kind).items.length),
      written: perKind((kind) => byKind(kind).written),
      refused: perKind((kind) => byKind(kind).refused),
      dropped: perKind((kind) => byKind(kind).dropped),
      retries: this.retries,
      failingSince: this.failingSince,
      lastError: this.failingSince === null ? null : this.lastError,
      batchLimit: this.batchLimit,
    };
  }

  /**
   * Writes everything held, retrying transient failures with backoff until `deadlineMs` (from now)
   * passes; then reports, and logs as an error, what could not be written. Used on shutdown.
   */
  async flush(options: { deadlineMs?: number } = {}): Promise<FlushReport> {
    const deadline = this.clock.now() + (options.deadlineMs ?? 10_000);
    this.explicitFlushes++;
    this.cancelTimer();
    try {
      for (;;) {
        await this.flushOnce();
        if (this.pendingCount() === 0) break;
        const remaining = deadline - this.clock.now();
        if (remaining <= 0) break;
        await new Promise<void>((resolve) => this.timers.setTimeout(resolve, Math.min(this.retryDelayMs, remaining)));
      }
    } finally {
      this.explicitFlushes--;
    }
    const unwritten = perKind((kind) => this.queues.find((q) => q.kind === kind)!.items.length);
    if (this.pendingCount() > 0) {
      this.logger.error('store: could not write everything before the flush deadline; these records are not stored', {
        unwritten,
        failingSince: this.failingSince === null ? null : new Date(this.failingSince).toISOString(),
      });
    }
    this.schedule();
    return { unwritten };
  }

  /** Stops accepting, then flushes (see flush). */
  async close(options: { deadlineMs?: number } = {}): Promise<FlushReport> {
    this.closed = true;
    this.cancelTimer();
    await this.flushing;
    return this.flush(options);
  }

  private accept<T>(queue: Queue<T>, records: readonly T[]): void {
    if (records.length === 0) return;
    if (this.closed) {
      queue.refused += records.length;
      this.logger.error(`store: write buffer is closed; refused ${records.length} ${queue.kind}`);
      return;
    }
    const room = this.capacity - queue.items.length;
    const accepted = room >= records.length ? records : records.slice(0, Math.max(0, room));
    for (const record of accepted) queue.items.push(record);
    const refused = records.length - accepted.length;
    if (refused > 0) {
      if (queue.refusedInEpisode === 0) {
        this.logger.error(`store: write buffer full; refusing new ${queue.kind} until the store catches up`, {
          capacity: this.capacity,
          failingSince: this.failingSince === null ? null : new Date(this.failingSince).toISOString(),
        });
      }
      queue.refused += refused;
      queue.refusedInEpisode += refused;
    }
    if (queue.items.length >= this.batchLimit && this.failingSince === null) this.flushSoon();
    else this.schedule();
  }

  private pendingCount(): number {
    let count = 0;
    for (const queue of this.queues) count += queue.items.length;
    return count;
  }

  /** Arms the interval flush if nothing is armed yet; a pending retry keeps its own, longer delay. */
  private schedule(): void {
    if (this.timer !== null || this.closed || this.pendingCount() === 0) return;
    const delay = this.failingSince === null ? this.flushIntervalMs : this.retryDelayMs;
    this.timerIsRetry = this.failingSince !== null;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.flushOnce().then(() => this.schedule());
    }, delay);
  }

  private flushSoon(): void {
    if (this.timer !== null && !this.timerIsRetry) this.cancelTimer();
    if (this.timer !== null) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.flushOnce().then(() => this.schedule());
    }, 0);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** One pass over every queue, batch by batch, stopping at the first transient failure. */
  private flushOnce(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    for (const queue of this.queues) {
      while (queue.items.length > 0) {
        const batch = queue.items.slice(0, this.batchLimit);
        const ok = await this.writeBatch(queue, batch);
        if (!ok) return;
      }
    }
  }

  /** Returns false when the store failed transiently: the batch stays queued and a retry is due. */
  private async writeBatch<T>(queue: Queue<T>, batch: T[]): Promise<boolean> {
    try {
      await queue.write(batch);
      this.written(queue, batch.length);
      return true;
    } catch (error) {
      if (isDiskFull(error) && batch.length > 1) {
        // Part of the batch may fit: halve it and go again now, instead of waiting to rewrite it whole.
        this.batchLimit = Math.ceil(batch.length / 2);
        if (this.failingSince === null) {
          this.logger.error(
            `store: disk full writing ${queue.kind}; keeping them, splitting batches to use the space left`,
            {
              code: (error as { code?: string }).code,
              batch: batch.length,
              pending: this.pendingCount(),
            },
          );
        }
        this.noteFailure(error);
        return this.writeBatch(queue, queue.items.slice(0, this.batchLimit));
      }
      if (isTransientStoreError(error)) {
        this.transientFailure(queue, batch.length, error);
        return false;
      }
      return this.isolateRejected(queue, batch, error);
    }
  }

  /** A batch the store refused outright: write its records one by one and drop only the ones that fail. */
  private async isolateRejected<T>(queue: Queue<T>, batch: T[], batchError: unknown): Promise<boolean> {
    let firstError: unknown = batchError;
    let dropped = 0;
    for (const record of batch) {
      try {
        await queue.write([record]);
        this.written(queue, 1);
      } catch (error) {
        if (isTransientStoreError(error)) {
          this.transientFailure(queue, 1, error);
          this.reportDropped(queue, dropped, firstError);
          return false;
        }
        firstError = error;
        queue.items.shift();
        queue.dropped++;
        dropped++;
      }
    }
    this.reportDropped(queue, dropped, firstError);
    return true;
  }

  private reportDropped<T>(queue: Queue<T>, count: number, error: unknown): void {
    if (count === 0) return;
    this.logger.error(`store: dropped ${count} ${queue.kind} that the store rejected`, {
      error: error instanceof Error ? error.message : String(error),
      code: (error as { code?: unknown } | null)?.code,
    });
  }

  private written<T>(queue: Queue<T>, count: number): void {
    queue.items.splice(0, count);
    queue.written += count;
    if (this.batchLimit < this.batchSize) this.batchLimit = Math.min(this.batchSize, this.batchLimit * 2);
    // While batches are split for a full disk, small writes succeeding do not end the outage.
    const constrained = this.batchLimit < this.batchSize && this.pendingCount() > this.batchLimit;
    if (this.failingSince !== null && !constrained) {
      this.logger.info('store: writes succeed again', {
        failingFor: `${this.clock.now() - this.failingSince}ms`,
        retries: this.retries,
      });
      this.failingSince = null;
      this.retryDelayMs = this.retryInitialMs;
      if (this.timerIsRetry) this.cancelTimer();
    }
    if (queue.refusedInEpisode > 0 && queue.items.length < this.capacity) {
      this.logger.warn(`store: write buffer accepts ${queue.kind} again`, { refusedWhileFull: queue.refusedInEpisode });
      queue.refusedInEpisode = 0;
    }
  }

  private transientFailure<T>(queue: Queue<T>, batchLength: number, error: unknown): void {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    const firstOfStreak = this.failingSince === null;
    this.noteFailure(error);
    if (!firstOfStreak) this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.retryMaxMs);
    this.retries++;
    const fields = {
      code,
      error: message,
      batch: batchLength,
      pending: this.pendingCount(),
      retryInMs: this.retryDelayMs,
    };
    // The first failure of a streak is an error; further attempts are warnings, so a long outage is
    // visible without flooding the log at the retry rate.
    if (firstOfStreak) {
      this.logger.error(`store: writing ${queue.kind} failed (${code}); keeping them and retrying`, fields);
    } else {
      this.logger.warn(`store: writing ${queue.kind} still fails (${code}); retrying`, fields);
    }
    this.cancelTimer();
    this.timerIsRetry = true;
    if (this.closed || this.explicitFlushes > 0) return; // flush() drives its own retries
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.flushOnce().then(() => this.schedule());
    }, this.retryDelayMs);
  }

  private noteFailure(error: unknown): void {
    this.failingSince ??= this.clock.now();
    this.lastError = describeError(error);
  }
}

function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_FULL(_|$)/.test(code);
}

function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}

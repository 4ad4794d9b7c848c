import type { AlertEvent } from './alerts/event.js';
import { clearLongTimeout, setLongTimeout } from './long-timeout.js';
import type { DeliveryOutcome, Notification } from './notification/outcome.js';
import type { ProbeResult } from './probe-result.js';
import type { MetricSample, SeriesWindow, WindowQuery } from './records.js';
import type { AlertInstanceState } from './rules/types.js';

/** Small interfaces the domain needs; adapters (`local`, `aws`) implement them. */

export interface Clock {
  /** Epoch ms: for stamping results and events, never for measuring waits (NTP or a VM resume moves it). */
  now(): number;
  /**
   * Milliseconds from an arbitrary origin that only moves forward (performance.now()): schedules and
   * in-memory waits use it. Optional so simple test clocks stay one-liners; without it, now() is used.
   */
  monotonic?(): number;
}

/** performance.now() and Date.now() looked up at call time, so fake timers that replace them apply. */
export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/** The clock's monotonic reading, or its wall reading for a clock that has none. */
export function monotonicNow(clock: Clock): number {
  return clock.monotonic ? clock.monotonic() : clock.now();
}

/** Timer functions, injected so tests drive schedules and retries with fake timers, never real sleeps. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The global timers, looked up at call time, which is what vi.useFakeTimers() replaces; delays
 * beyond Node's 2³¹−1 ms limit are chained rather than fired at once.
 */
export const systemTimers: Timers = { setTimeout: setLongTimeout, clearTimeout: clearLongTimeout };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Time series: SQLite locally, Timestream in AWS. */
export interface MetricStore {
  writeProbeResults(results: readonly ProbeResult[]): Promise<void>;
  writeMetricSamples(samples: readonly MetricSample[]): Promise<void>;
  /** Alert state-change history for dashboards (the `alerts` table). */
  writeAlertEvents(events: readonly AlertEvent[]): Promise<void>;
  fetchWindows(query: WindowQuery): Promise<SeriesWindow[]>;
}

/**
 * Alert events kept to be read back by site and time (the daily report's "alerts fired"), in AWS:
 * the lifecycle table (DynamoAlertHistory). Locally pflow.db's `alerts` table answers the same
 * question (SqliteStore.alertEventsBetween). The metric store's history is for dashboards and keeps
 * too little of an event (no start, labels or flags) to be read back as one.
 */
export interface AlertHistory {
  write(events: readonly AlertEvent[]): Promise<void>;
  /** Events of the site evaluated in [since, until] (epoch ms), oldest first. */
  alertEventsBetween(site: string, since: number, until: number): Promise<AlertEvent[]>;
}

export interface CasWrite {
  /** Stored with version `expectedVersion + 1` (the SQLite store stamps it whatever `next.version` says). */
  readonly next: AlertInstanceState;
  /** The version the writer read; 0 when the instance did not exist. */
  readonly expectedVersion: number;
  /**
   * The notifications this transition announces. A store with an outbox commits them together
   * with the state — both or neither — so a crash can never leave a state that says "notified"
   * without the notification's intent durable somewhere (see NotificationOutbox).
   */
  readonly announces?: readonly AlertEvent[];
}

export interface CasResult {
  readonly written: readonly string[];
  /** Keys whose stored version was not the expected one: another evaluator got there first. */
  readonly conflicts: readonly string[];
}

/**
 * Alert instance state: SQLite locally, DynamoDB (conditional writes) in AWS.
 *
 * The outbox (`announces`) is part of this port because only the state's own write can make a
 * notification atomic with the transition. Locally the SQLite store stages them in the same
 * transaction (NotificationOutbox). In AWS the state write is a conditional PutItem and the SNS
 * publish comes after it; the adapter can keep the events on the state item itself (one item:
 * atomic) for a DynamoDB stream — or the next cycle — to publish, or use TransactWriteItems.
 * An adapter without an outbox may ignore `announces`: the caller still publishes after the write.
 */
export interface AlertStateStore {
  loadStates(ruleIds: readonly string[]): Promise<Map<string, AlertInstanceState>>;
  compareAndSet(writes: readonly CasWrite[]): Promise<CasResult>;
  /** Deletes states; `announces` (a `resolved` that ends them) are committed with the delete. */
  deleteStates(keys: readonly string[], announces?: readonly AlertEvent[]): Promise<void>;
}

/**
 * Notifications committed with their alert state and not yet settled by the delivery pipeline
 * (delivered, queued or dead-lettered, durably). Whatever is here after a crash is dispatched again
 * at the next start; the notification log makes that replay send nothing twice.
 */
export interface NotificationOutbox {
  /** Staged events, oldest first. */
  pending(limit: number): Promise<AlertEvent[]>;
  /** Forgets settled events. */
  settle(eventIds: readonly string[]): Promise<void>;
  size(): Promise<number>;
}

/** Publishes alert events: in-process fan-out locally, SNS in AWS. */
export interface EventBus {
  publish(events: readonly AlertEvent[]): Promise<void>;
}

/** A channel's sending half: renders and sends one notification, and classifies the outcome. */
export interface ChannelSender {
  readonly id: string;
  readonly kind: string;
  send(notification: Notification): Promise<DeliveryOutcome>;
  close?(): Promise<void>;
}

/** Resolves `${NAME}` references in config (environment locally, Secrets Manager in AWS). */
export interface Secrets {
  get(name: string): string | undefined;
}

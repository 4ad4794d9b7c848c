import type { AlertEvent } from '../domain/alerts/event.js';
import type { ChannelDefinition, DeliverySettings, RouteDefinition } from '../domain/config/model.js';
import { backoffDelay, queueRetryDelay } from '../domain/notification/backoff.js';
import { buildNotification, deliveredKeys, eventKey, groupKey, needsSend } from '../domain/notification/dedup.js';
import { deliveryFailedEvent, isDeliveryFailedEvent } from '../domain/notification/delivery-failed.js';
import type { DeliveryOutcome, Notification } from '../domain/notification/outcome.js';
import type {
  DeadLetterStore,
  DeliveryFailureAlerts,
  DeliveryQueue,
  NotificationLog,
} from '../domain/notification/ports.js';
import { systemClock, type ChannelSender, type Clock, type Logger } from '../domain/ports.js';
import { routeEvent, type RouteTarget } from '../domain/routing/route.js';
import { ProgressLog } from './progress-log.js';
import { RateLimiter, Semaphore } from './rate-limiter.js';
import { realTimers, type DeliveryTimers } from './timers.js';

export interface NotificationDispatcherProps {
  readonly routes: readonly RouteDefinition[];
  readonly channels: readonly ChannelDefinition[];
  /** One sender per configured channel id. */
  readonly senders: ReadonlyMap<string, ChannelSender>;
  readonly delivery: DeliverySettings;
  readonly queue: DeliveryQueue;
  readonly log: NotificationLog;
  readonly deadLetters: DeadLetterStore;
  readonly clock?: Clock;
  readonly timers?: DeliveryTimers;
  /** [0, 1); injected so jitter is reproducible in tests. */
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Sends in flight per channel; default 16 (a rate limit, where set, still spaces them). */
  readonly maxInFlightPerChannel?: number;
  /** Channel kinds that never group (each event is its own line anyway); default `logdrop`. */
  readonly ungroupedKinds?: readonly string[];
  /** Queue items retried per drainQueue call; default 100. */
  readonly drainBatchSize?: number;
  /**
   * Told (in batches) which dispatched events are settled: every channel they route to has them
   * delivered, queued or dead-lettered, durably. The local runtime lets go of an event's outbox row
   * then; an event whose handling failed (a store port threw) is never reported, so it stays.
   */
  readonly onSettled?: (eventIds: readonly string[]) => void;
  /**
   * Where the `pflow-delivery-failed` alert is raised and resolved as an alert of its own (state,
   * history, outbox). Without it, the alert is sent straight to the other channels, as before.
   */
  readonly failureAlerts?: DeliveryFailureAlerts;
}

export interface DeliveryStats {
  /** Notifications delivered (a group counts once). */
  delivered: number;
  /** Events inside delivered notifications. */
  eventsDelivered: number;
  /** Send attempts made, first ones and retries, in-run and from the queue. */
  attempts: number;
  /** Attempts that did not deliver (temporary or permanent failures, and sends cut off at shutdown). */
  failedAttempts: number;
  /** Attempts that were not a notification's first: in-run retries and queued retries. */
  retries: number;
  /** Notifications handed to the durable queue. */
  queued: number;
  deadLettered: number;
  /** Notifications not sent because the log (or an in-flight send) already had them. */
  duplicatesSkipped: number;
}

export interface DrainReport {
  readonly attempted: number;
  readonly delivered: number;
  readonly rescheduled: number;
  readonly deadLettered: number;
}

interface PendingGroup {
  readonly channel: string;
  readonly events: AlertEvent[];
  readonly cancel: () => void;
}

interface ChannelLane {
  readonly sender: ChannelSender;
  readonly limiter: RateLimiter;
  readonly inFlight: Semaphore;
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** What an attempt cut off by the shutdown grace counts as: a temporary failure, queued for the next start. */
const INTERRUPTED: DeliveryOutcome = {
  status: 'retryable',
  reason: 'shutdown',
  detail: 'the send was still in flight when the shutdown grace ended',
};
const STOPPING: DeliveryOutcome = {
  status: 'retryable',
  reason: 'shutdown',
  detail: 'not attempted: the runtime was stopping',
};

export interface ShutdownReport {
  /** Sends still in flight when the stop began. */
  readonly inFlightAtStop: number;
  /** Sends cut off when the grace ended; their notifications are in the durable queue. */
  readonly interrupted: number;
  /** Notifications handed to the durable queue without another attempt (buffered, backing off, new). */
  readonly handedOver: number;
}

/**
 * The delivery pipeline: routes alert events to channels, optionally groups them, shapes each
 * channel's rate, retries with bounded backoff, hands what still fails to the durable queue and,
 * after the last attempt, to the dead-letter store — raising a `pflow-delivery-failed` alert for
 * the other channels. Exactly once per event per channel: the notification log is read before
 * and written after every send, and an event already being handled here is not taken twice.
 */
export class NotificationDispatcher {
  private readonly clock: Clock;
  private readonly timers: DeliveryTimers;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly progress: ProgressLog;
  private readonly lanes = new Map<string, ChannelLane>();
  private readonly channelKinds: Map<string, string>;
  private readonly ungroupedKinds: ReadonlySet<string>;
  private readonly groups = new Map<string, PendingGroup>();
  /** Event keys (channel|event id) buffered, in flight or being retried in this process. */
  private readonly claimed = new Set<string>();
  /** Dispatched events → channels still to settle; `failed` once a port failed for one of them. */
  private readonly unsettled = new Map<string, { remaining: number; failed: boolean }>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Wakes every backoff sleep at once when a stop begins. */
  private readonly sleepers = new Set<() => void>();
  /** Cuts every send in flight when the shutdown grace ends. */
  private readonly sends = new Set<() => void>();
  private draining: Promise<DrainReport> | undefined;
  private stopDrainLoop: (() => void) | undefined;
  private closed = false;
  private stopping = false;
  private handedOver = 0;
  private interrupted = 0;
  readonly stats: DeliveryStats = {
    delivered: 0,
    eventsDelivered: 0,
    attempts: 0,
    failedAttempts: 0,
    retries: 0,
    queued: 0,
    deadLettered: 0,
    duplicatesSkipped: 0,
  };

  constructor(private readonly props: NotificationDispatcherProps) {
    this.clock = props.clock ?? systemClock;
    this.timers = props.timers ?? realTimers;
    this.random = props.random ?? Math.random;
    this.logger = props.logger ?? silentLogger;
    this.progress = new ProgressLog({ logger: this.logger, clock: this.clock });
    this.channelKinds = new Map(props.channels.map((channel) => [channel.id, channel.kind]));
    this.ungroupedKinds = new Set(props.ungroupedKinds ?? ['logdrop']);
    for (const channel of props.channels) {
      const sender = props.senders.get(channel.id);
      if (!sender) continue;
      this.lanes.set(channel.id, {
        sender,
        limiter: new RateLimiter(channel.rateLimitPerSecond, this.clock, this.timers),
        inFlight: new Semaphore(props.maxInFlightPerChannel ?? 16),
      });
    }
  }

  /**
   * Routes and delivers events. Resolves when every ungrouped notification has been delivered,
   * queued or dead-lettered; grouped ones are buffered and go out when their group_wait ends.
   * While a shutdown is under way, events are handed to the durable queue without an attempt.
   */
  async dispatch(events: readonly AlertEvent[]): Promise<void> {
    if (this.closed) throw new Error('NotificationDispatcher is closed');
    const deliveries: Promise<void>[] = [];
    const settledNow: string[] = [];
    for (const event of events) {
      const targets = this.targetsOf(event).filter((target) => {
        const key = eventKey(target.channel, event.id);
        if (this.claimed.has(key)) {
          this.stats.duplicatesSkipped++;
          return false;
        }
        this.claimed.add(key);
        return true;
      });
      // Counted before any delivery starts, so a fast one cannot settle the event early.
      if (targets.length > 0) {
        const entry = this.unsettled.get(event.id);
        if (entry) entry.remaining += targets.length;
        else this.unsettled.set(event.id, { remaining: targets.length, failed: false });
      } else if (!this.unsettled.has(event.id)) {
        settledNow.push(event.id);
      }
      for (const target of targets) {
        const kind = this.channelKinds.get(target.channel) ?? '';
        if (target.groupWaitMs > 0 && !this.ungroupedKinds.has(kind) && !this.stopping) {
          this.addToGroup(
            groupKey(target.routeIndex, target.channel, event),
            target.channel,
            target.groupWaitMs,
            event,
          );
        } else {
          deliveries.push(this.track(this.deliverClaimed(buildNotification(target.channel, [event]))));
        }
      }
    }
    if (settledNow.length > 0) this.props.onSettled?.(settledNow);
    await Promise.all(deliveries);
  }

  /**
   * Delivers daily reports (notifications whose `report` is set, built by reportNotification):
   * the same log, retries, queue and dead letters as alert events; a report whose key the log
   * already holds is not sent again. Resolves when each is delivered, queued or dead-lettered.
   */
  async dispatchReports(notifications: readonly Notification[]): Promise<void> {
    if (this.closed) throw new Error('NotificationDispatcher is closed');
    const deliveries: Promise<void>[] = [];
    for (const notification of notifications) {
      if (this.claimed.has(notification.key)) {
        this.stats.duplicatesSkipped++;
        continue;
      }
      this.claimed.add(notification.key);
      deliveries.push(this.track(this.deliverClaimed(notification)));
    }
    await Promise.all(deliveries);
  }

  /** True while a dispatched event still has a channel to settle in this process. */
  isUnsettled(eventId: string): boolean {
    return this.unsettled.has(eventId);
  }

  /**
   * Retries queued notifications that are due, one attempt each. The runtime calls this
   * periodically (or uses drainEvery); concurrent calls share one drain.
   */
  drainQueue(): Promise<DrainReport> {
    if (this.stopping) return Promise.resolve({ attempted: 0, delivered: 0, rescheduled: 0, deadLettered: 0 });
    this.draining ??= this.track(this.drainOnce()).finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  /** Drains the queue every `intervalMs` until close(). */
  drainEvery(intervalMs: number): void {
    this.stopDrainLoop?.();
    const tick = (): void => {
      this.stopDrainLoop = this.timers.setTimer(() => {
        this.drainQueue()
          .catch((error: unknown) => this.logger.error('delivery queue drain failed', { error: String(error) }))
          .finally(() => {
            if (!this.closed && !this.stopping) tick();
          });
      }, intervalMs);
    };
    tick();
  }

  /** Resolves when nothing is buffered or in flight (grouped events still wait for their timers). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Sends every buffered group now and waits for all in-flight deliveries; dispatch is refused after. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopDrainLoop?.();
    for (const key of [...this.groups.keys()]) this.flushGroup(key);
    await this.whenIdle();
  }

  /**
   * The stop the runtime makes on SIGTERM/SIGINT: no attempt starts from now on. Buffered groups,
   * notifications backing off and events that still arrive go to the durable queue at once; sends
   * already in flight get `graceMs` to finish, and those still going are then cut off and queued
   * (a receiver that does answer 2xx after that gets the notification once more at the next start).
   * Dispatch is refused once this resolves.
   */
  async shutdown(graceMs: number): Promise<ShutdownReport> {
    this.stopping = true;
    this.stopDrainLoop?.();
    const inFlightAtStop = this.sends.size;
    for (const key of [...this.groups.keys()]) this.flushGroup(key);
    for (const wake of [...this.sleepers]) wake();
    let cancelGrace: (() => void) | undefined;
    const grace = new Promise<void>((resolve) => {
      cancelGrace = this.timers.setTimer(resolve, graceMs);
    });
    await Promise.race([this.whenIdle(), grace]);
    cancelGrace?.();
    for (const cut of [...this.sends]) cut();
    await this.whenIdle();
    this.closed = true;
    return { inFlightAtStop, interrupted: this.interrupted, handedOver: this.handedOver };
  }

  /** Sends still in flight; the runtime reports it when a stop begins. */
  get sendsInFlight(): number {
    return this.sends.size;
  }

  private targetsOf(event: AlertEvent): RouteTarget[] {
    // The pipeline's own alert goes to the channels that can still be heard, never the failing one.
    if (isDeliveryFailedEvent(event) && event.labels.channel !== undefined) {
      return this.otherChannelsFor(event, event.labels.channel).map((channel) => ({
        channel,
        routeIndex: -1,
        groupWaitMs: 0,
      }));
    }
    // An escalation tier's message goes to that tier's channels only.
    if (event.escalation !== undefined) {
      return event.escalation.channels.map((channel) => ({ channel, routeIndex: -1, groupWaitMs: 0 }));
    }
    const targets = routeEvent(event, this.props.routes, this.props.channels);
    const lifecycle = event.acknowledgement !== undefined;
    const routed = lifecycle ? targets.map((target) => ({ ...target, groupWaitMs: 0 })) : targets;
    // Whoever escalation told hears the acknowledgement and the resolution too.
    for (const channel of event.alsoNotify ?? []) {
      if (routed.some((target) => target.channel === channel) || !this.lanes.has(channel)) continue;
      routed.push({ channel, routeIndex: -1, groupWaitMs: 0 });
    }
    return routed;
  }

  private addToGroup(key: string, channel: string, groupWaitMs: number, event: AlertEvent): void {
    const group = this.groups.get(key);
    if (group) {
      group.events.push(event);
      return;
    }
    const cancel = this.timers.setTimer(() => this.flushGroup(key), groupWaitMs);
    this.groups.set(key, { channel, events: [event], cancel });
  }

  private flushGroup(key: string): void {
    const group = this.groups.get(key);
    if (!group) return;
    this.groups.delete(key);
    group.cancel();
    void this.track(this.deliverClaimed(buildNotification(group.channel, group.events)));
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.then(
      () => this.inFlight.delete(work),
      () => this.inFlight.delete(work),
    );
    return work;
  }

  /** Delivers a notification whose event keys this dispatcher has claimed; releases them after. */
  private async deliverClaimed(notification: Notification): Promise<void> {
    let settled = false;
    try {
      const pending = await this.undelivered(notification);
      if (!pending) {
        this.stats.duplicatesSkipped++;
      } else {
        await this.deliverWithRetries(pending);
      }
      settled = true;
    } catch (error) {
      // Only a failing port (queue, log, dead-letter store) lands here; the event is not lost
      // silently, but it cannot be stored either, so say so loudly.
      this.logger.error('delivery pipeline failed', {
        channel: notification.channel,
        key: notification.key,
        error: String(error),
      });
    } finally {
      this.release(notification);
      this.settle(notification, settled);
    }
  }

  private async deliverWithRetries(notification: Notification): Promise<void> {
    const { immediateAttempts, maxAttempts, initialBackoffMs, maxBackoffMs } = this.props.delivery;
    for (let attempts = 1; ; attempts++) {
      if (this.stopping) return this.handOver(notification, attempts - 1);
      const outcome = await this.attempt(notification, attempts);
      if (outcome === STOPPING) return this.handOver(notification, attempts - 1);
      if (outcome.status === 'delivered') {
        if (attempts > 1)
          this.progress.info(notification.channel, 'notification delivered after retrying', {
            key: notification.key,
            attempts,
          });
        return this.markDelivered(notification);
      }
      if (outcome === INTERRUPTED) return this.enqueue(notification, outcome, attempts, 0);
      if (outcome.status === 'permanent' || attempts >= maxAttempts) {
        return this.deadLetter(notification, outcome, attempts);
      }
      const delay = backoffDelay(
        { initialMs: initialBackoffMs, maxMs: maxBackoffMs },
        attempts,
        this.random,
        outcome.retryAfterMs,
      );
      // Beyond the in-run budget, or asked to wait longer than we would ever wait in-run
      // (Retry-After: 3600): the durable queue holds it instead of this process.
      if (attempts >= immediateAttempts || delay > maxBackoffMs) {
        return this.enqueue(notification, outcome, attempts);
      }
      this.progress.info(notification.channel, 'delivery attempt failed; retrying', {
        key: notification.key,
        attempt: attempts,
        of: maxAttempts,
        reason: describe(outcome),
        retryInMs: delay,
      });
      await this.sleep(delay);
    }
  }

  private async drainOnce(): Promise<DrainReport> {
    const now = this.clock.now();
    const items = await this.props.queue.due(now, this.props.drainBatchSize ?? 100);
    let attempted = 0;
    let delivered = 0;
    let rescheduled = 0;
    let deadLettered = 0;
    await Promise.all(
      items.map(async (item) => {
        const keys = item.notification.report
          ? [item.notification.key]
          : item.notification.events.map((event) => eventKey(item.notification.channel, event.id));
        // Being sent right now by dispatch: leave it due, the log decides on the next drain.
        if (keys.some((key) => this.claimed.has(key))) return;
        // A stop began while this drain was reading: the item simply stays queued.
        if (this.stopping) return;
        for (const key of keys) this.claimed.add(key);
        try {
          const pending = await this.undelivered(item.notification);
          if (!pending) {
            this.stats.duplicatesSkipped++;
            await this.props.queue.complete(item.id);
            await this.props.failureAlerts?.delivered(item.notification);
            return;
          }
          attempted++;
          const attempts = item.attempts + 1;
          const outcome = await this.attempt(pending, attempts);
          if (outcome.status === 'delivered') {
            await this.markDelivered(pending);
            await this.props.queue.complete(item.id);
            delivered++;
            this.progress.info(pending.channel, 'queued notification delivered', { key: pending.key, attempts });
            await this.props.failureAlerts?.delivered(item.notification);
          } else if (outcome === STOPPING) {
            // Not attempted: the item stays queued exactly as it was.
          } else if (outcome === INTERRUPTED) {
            await this.props.queue.reschedule(item.id, attempts, this.clock.now(), describe(outcome));
            rescheduled++;
          } else if (outcome.status === 'permanent' || attempts >= this.props.delivery.maxAttempts) {
            await this.deadLetter(pending, outcome, attempts, item.id);
            deadLettered++;
          } else {
            const delay = queueRetryDelay(this.props.delivery, attempts, this.random, outcome.retryAfterMs);
            await this.props.queue.reschedule(item.id, attempts, this.clock.now() + delay, describe(outcome));
            rescheduled++;
            this.progress.info(pending.channel, 'queued retry failed; rescheduled', {
              key: pending.key,
              attempt: attempts,
              of: this.props.delivery.maxAttempts,
              reason: describe(outcome),
              retryInMs: delay,
            });
          }
        } finally {
          this.release(item.notification);
        }
      }),
    );
    return { attempted, delivered, rescheduled, deadLettered };
  }

  /**
   * One send through the channel's lane: bounded concurrency, rate shaping, Retry-After pause.
   * `number` is the notification's attempt count including this one (for the figures in /api/health).
   */
  private async attempt(notification: Notification, number: number): Promise<DeliveryOutcome> {
    const lane = this.lanes.get(notification.channel);
    if (!lane)
      return {
        status: 'permanent',
        reason: 'unknown_channel',
        detail: `no channel ${notification.channel} is configured`,
      };
    return lane.inFlight.run(async () => {
      // A stop that begins while this waits for its lane or its rate slot: no new attempt.
      if (this.stopping || !(await this.unlessStopped(lane.limiter.acquire())) || this.stopping) return STOPPING;
      this.stats.attempts++;
      if (number > 1) this.stats.retries++;
      const outcome = await this.cutOffAtGraceEnd(this.sendOnce(lane, notification));
      if (outcome === INTERRUPTED) this.interrupted++;
      if (outcome.status !== 'delivered') this.stats.failedAttempts++;
      if (outcome.status === 'retryable' && outcome.retryAfterMs) {
        lane.limiter.pauseFor(outcome.retryAfterMs);
      }
      return outcome;
    });
  }

  private async sendOnce(lane: ChannelLane, notification: Notification): Promise<DeliveryOutcome> {
    try {
      return await lane.sender.send(notification);
    } catch (error) {
      // A channel should classify its own failures; one that throws is treated as transient.
      // Only the error's name is kept: its message may carry a webhook URL.
      return {
        status: 'retryable',
        reason: 'send_threw',
        detail: error instanceof Error ? error.name : 'unknown',
      };
    }
  }

  /** The send's outcome, or INTERRUPTED if the shutdown grace ends first (the send is abandoned). */
  private cutOffAtGraceEnd(send: Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
    return new Promise((resolve) => {
      const cut = (): void => resolve(INTERRUPTED);
      this.sends.add(cut);
      void send.then((outcome) => {
        this.sends.delete(cut);
        resolve(outcome);
      });
    });
  }

  /** True once `work` resolves; false as soon as a stop begins, leaving `work` to itself. */
  private unlessStopped(work: Promise<void>): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleepers.delete(wake);
        resolve(false);
      };
      this.sleepers.add(wake);
      void work.then(() => {
        this.sleepers.delete(wake);
        resolve(true);
      });
    });
  }

  /** A backoff wait that a stop ends early (the notification is then handed to the queue). */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleepers.delete(wake);
        cancel();
        resolve();
      };
      const cancel = this.timers.setTimer(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private async undelivered(notification: Notification): Promise<Notification | undefined> {
    const keys = [notification.key, ...notification.events.map((event) => eventKey(notification.channel, event.id))];
    const delivered = new Set<string>();
    for (const key of new Set(keys)) if (await this.props.log.has(key)) delivered.add(key);
    return needsSend(notification, (key) => delivered.has(key));
  }

  private async markDelivered(notification: Notification): Promise<void> {
    await this.props.log.record(deliveredKeys(notification), notification.channel, this.clock.now());
    this.stats.delivered++;
    this.stats.eventsDelivered += notification.events.length;
  }

  /** Queues a notification without (another) attempt because a stop is under way; due at once. */
  private async handOver(notification: Notification, attempts: number): Promise<void> {
    this.handedOver++;
    await this.enqueue(notification, STOPPING, attempts, 0);
  }

  private async enqueue(
    notification: Notification,
    outcome: DeliveryOutcome,
    attempts: number,
    delayMs?: number,
  ): Promise<void> {
    const retryAfterMs = outcome.status === 'retryable' ? outcome.retryAfterMs : undefined;
    const delay = delayMs ?? queueRetryDelay(this.props.delivery, attempts, this.random, retryAfterMs);
    await this.props.queue.enqueue(notification, attempts, this.clock.now() + delay, describe(outcome));
    this.stats.queued++;
    // A stop's hand-over is reported once, in total, by the runtime; a warning per item would flood.
    if (outcome === STOPPING || outcome === INTERRUPTED) return;
    this.logger.warn('notification queued for retry', {
      channel: notification.channel,
      key: notification.key,
      attempts,
      reason: describe(outcome),
      retryInMs: delay,
    });
  }

  /** Dead-letters a notification (completing its queue item, if it came from the queue) and raises the alert. */
  private async deadLetter(
    notification: Notification,
    outcome: DeliveryOutcome,
    attempts: number,
    queueItemId?: string,
  ): Promise<void> {
    const reason = describe(outcome);
    const at = this.clock.now();
    await this.props.deadLetters.add(notification, reason, attempts, at);
    if (queueItemId !== undefined) await this.props.queue.complete(queueItemId);
    this.stats.deadLettered++;
    this.logger.error('notification dead-lettered', {
      channel: notification.channel,
      key: notification.key,
      attempts,
      reason,
    });
    // A failure to deliver a delivery-failed alert is dead-lettered but raises nothing: no loops.
    if (notification.events.every(isDeliveryFailedEvent)) return;
    const detail = outcome.status === 'delivered' ? undefined : outcome.detail;
    const alert = deliveryFailedEvent(notification, {
      reason: outcome.status === 'delivered' ? 'delivered' : outcome.reason,
      ...(detail !== undefined ? { detail } : {}),
      attempts,
      at,
    });
    if (this.props.failureAlerts) {
      // Recorded as an alert of its own (and published back into dispatch from there).
      await this.props.failureAlerts.raise(notification, alert);
      return;
    }
    for (const channel of this.otherChannelsFor(alert, notification.channel)) {
      const key = eventKey(channel, alert.id);
      if (this.claimed.has(key)) continue;
      this.claimed.add(key);
      void this.track(this.deliverClaimed(buildNotification(channel, [alert])));
    }
  }

  /**
   * Where a delivery-failed alert goes: its routes, never the failing channel; when no route
   * names another channel, every other channel, because a dead letter nobody hears of is lost.
   */
  private otherChannelsFor(alert: AlertEvent, failing: string): string[] {
    const routed = routeEvent(alert, this.props.routes, this.props.channels)
      .map((target) => target.channel)
      .filter((channel) => channel !== failing && this.lanes.has(channel));
    if (routed.length > 0) return routed;
    const quiet = new Set(
      alert.state === 'resolved'
        ? this.props.channels.filter((channel) => !channel.sendResolved).map((channel) => channel.id)
        : [],
    );
    return [...this.lanes.keys()].filter((channel) => channel !== failing && !quiet.has(channel));
  }

  private release(notification: Notification): void {
    if (notification.report) this.claimed.delete(notification.key);
    for (const event of notification.events) this.claimed.delete(eventKey(notification.channel, event.id));
  }

  /** One channel of each of the notification's events is settled; reports the events now fully settled. */
  private settle(notification: Notification, ok: boolean): void {
    const done: string[] = [];
    for (const event of notification.events) {
      const entry = this.unsettled.get(event.id);
      if (!entry) continue;
      if (!ok) entry.failed = true;
      if (--entry.remaining > 0) continue;
      this.unsettled.delete(event.id);
      if (!entry.failed) done.push(event.id);
    }
    if (done.length > 0) this.props.onSettled?.(done);
  }
}

function describe(outcome: DeliveryOutcome): string {
  if (outcome.status === 'delivered') return 'delivered';
  return outcome.detail ? `${outcome.reason}: ${outcome.detail}` : outcome.reason;
}

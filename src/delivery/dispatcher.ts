import type { AlertEvent } from '../domain/alerts/event.js';
import type { ChannelDefinition, DeliverySettings, RouteDefinition } from '../domain/config/model.js';
import { backoffDelay, queueRetryDelay } from '../domain/notification/backoff.js';
import { buildNotification, deliveredKeys, eventKey, groupKey, needsSend } from '../domain/notification/dedup.js';
import { deliveryFailedEvent, isDeliveryFailedEvent } from '../domain/notification/delivery-failed.js';
import type { DeliveryOutcome, Notification } from '../domain/notification/outcome.js';
import type { DeadLetterStore, DeliveryQueue, NotificationLog } from '../domain/notification/ports.js';
import { systemClock, type ChannelSender, type Clock, type Logger } from '../domain/ports.js';
import { routeEvent } from '../domain/routing/route.js';
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
}

export interface DeliveryStats {
  /** Notifications delivered (a group counts once). */
  delivered: number;
  /** Events inside delivered notifications. */
  eventsDelivered: number;
  /** Attempts that failed and were retried in-run. */
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

/**
 * The delivery pipeline: routes alert events to channels, optionally groups them, shapes each
 * channel's rate, retries with bounded backoff, hands what still fails to the durable queue and,
 * after the last attempt, to the dead-letter store — raising a `pflow-delivery-failed` event to
 * the other channels. Exactly once per event per channel: the notification log is read before
 * and written after every send, and an event already being handled here is not taken twice.
 */
export class NotificationDispatcher {
  private readonly clock: Clock;
  private readonly timers: DeliveryTimers;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly lanes = new Map<string, ChannelLane>();
  private readonly channelKinds: Map<string, string>;
  private readonly ungroupedKinds: ReadonlySet<string>;
  private readonly groups = new Map<string, PendingGroup>();
  /** Event keys (channel|event id) buffered, in flight or being retried in this process. */
  private readonly claimed = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private draining: Promise<DrainReport> | undefined;
  private stopDrainLoop: (() => void) | undefined;
  private closed = false;
  readonly stats: DeliveryStats = {
    delivered: 0,
    eventsDelivered: 0,
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
   */
  async dispatch(events: readonly AlertEvent[]): Promise<void> {
    if (this.closed) throw new Error('NotificationDispatcher is closed');
    const deliveries: Promise<void>[] = [];
    for (const event of events) {
      for (const target of routeEvent(event, this.props.routes, this.props.channels)) {
        const key = eventKey(target.channel, event.id);
        if (this.claimed.has(key)) {
          this.stats.duplicatesSkipped++;
          continue;
        }
        this.claimed.add(key);
        const kind = this.channelKinds.get(target.channel) ?? '';
        if (target.groupWaitMs > 0 && !this.ungroupedKinds.has(kind)) {
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
    await Promise.all(deliveries);
  }

  /**
   * Retries queued notifications that are due, one attempt each. The runtime calls this
   * periodically (or uses drainEvery); concurrent calls share one drain.
   */
  drainQueue(): Promise<DrainReport> {
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
            if (!this.closed) tick();
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
    try {
      const pending = await this.undelivered(notification);
      if (!pending) {
        this.stats.duplicatesSkipped++;
        return;
      }
      await this.deliverWithRetries(pending);
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
    }
  }

  private async deliverWithRetries(notification: Notification): Promise<void> {
    const { immediateAttempts, maxAttempts, initialBackoffMs, maxBackoffMs } = this.props.delivery;
    for (let attempts = 1; ; attempts++) {
      const outcome = await this.attempt(notification);
      if (outcome.status === 'delivered') return this.markDelivered(notification);
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
      this.stats.retries++;
      await this.timers.sleep(delay);
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
        const keys = item.notification.events.map((event) => eventKey(item.notification.channel, event.id));
        // Being sent right now by dispatch: leave it due, the log decides on the next drain.
        if (keys.some((key) => this.claimed.has(key))) return;
        for (const key of keys) this.claimed.add(key);
        try {
          const pending = await this.undelivered(item.notification);
          if (!pending) {
            this.stats.duplicatesSkipped++;
            await this.props.queue.complete(item.id);
            return;
          }
          attempted++;
          const attempts = item.attempts + 1;
          const outcome = await this.attempt(pending);
          if (outcome.status === 'delivered') {
            await this.markDelivered(pending);
            await this.props.queue.complete(item.id);
            delivered++;
          } else if (outcome.status === 'permanent' || attempts >= this.props.delivery.maxAttempts) {
            await this.deadLetter(pending, outcome, attempts);
            await this.props.queue.complete(item.id);
            deadLettered++;
          } else {
            const delay = queueRetryDelay(this.props.delivery, attempts, this.random, outcome.retryAfterMs);
            await this.props.queue.reschedule(item.id, attempts, this.clock.now() + delay, describe(outcome));
            rescheduled++;
          }
        } finally {
          this.release(item.notification);
        }
      }),
    );
    return { attempted, delivered, rescheduled, deadLettered };
  }

  /** One send through the channel's lane: bounded concurrency, rate shaping, Retry-After pause. */
  private async attempt(notification: Notification): Promise<DeliveryOutcome> {
    const lane = this.lanes.get(notification.channel);
    if (!lane)
      return {
        status: 'permanent',
        reason: 'unknown_channel',
        detail: `no channel ${notification.channel} is configured`,
      };
    return lane.inFlight.run(async () => {
      await lane.limiter.acquire();
      let outcome: DeliveryOutcome;
      try {
        outcome = await lane.sender.send(notification);
      } catch (error) {
        // A channel should classify its own failures; one that throws is treated as transient.
        // Only the error's name is kept: its message may carry a webhook URL.
        outcome = {
          status: 'retryable',
          reason: 'send_threw',
          detail: error instanceof Error ? error.name : 'unknown',
        };
      }
      if (outcome.status === 'retryable' && outcome.retryAfterMs) {
        lane.limiter.pauseFor(outcome.retryAfterMs);
      }
      return outcome;
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

  private async enqueue(notification: Notification, outcome: DeliveryOutcome, attempts: number): Promise<void> {
    const retryAfterMs = outcome.status === 'retryable' ? outcome.retryAfterMs : undefined;
    const delay = queueRetryDelay(this.props.delivery, attempts, this.random, retryAfterMs);
    await this.props.queue.enqueue(notification, attempts, this.clock.now() + delay, describe(outcome));
    this.stats.queued++;
    this.logger.warn('notification queued for retry', {
      channel: notification.channel,
      key: notification.key,
      attempts,
      reason: describe(outcome),
    });
  }

  private async deadLetter(notification: Notification, outcome: DeliveryOutcome, attempts: number): Promise<void> {
    const reason = describe(outcome);
    const at = this.clock.now();
    await this.props.deadLetters.add(notification, reason, attempts, at);
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
    return [...this.lanes.keys()].filter((channel) => channel !== failing);
  }

  private release(notification: Notification): void {
    for (const event of notification.events) this.claimed.delete(eventKey(notification.channel, event.id));
  }
}

function describe(outcome: DeliveryOutcome): string {
  if (outcome.status === 'delivered') return 'delivered';
  return outcome.detail ? `${outcome.reason}: ${outcome.detail}` : outcome.reason;
}

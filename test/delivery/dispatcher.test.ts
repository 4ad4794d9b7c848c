import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteDelivery } from '../../src/adapters/local/sqlite-delivery.js';
import { NotificationDispatcher, type NotificationDispatcherProps } from '../../src/delivery/dispatcher.js';
import type { ChannelDefinition, RouteDefinition } from '../../src/domain/config/model.js';
import { eventKey } from '../../src/domain/notification/dedup.js';
import type { DeliveryOutcome, Notification } from '../../src/domain/notification/outcome.js';
import type { ChannelSender } from '../../src/domain/ports.js';
import { captureLogger } from '../support/logger.js';
import { alertEvent, channel, fastDelivery, route } from './fixtures.js';

/**
 * A channel whose answers the test scripts. The dispatcher is what is under test here; the real
 * HTTP path is covered by the reliability test against a loopback receiver.
 */
class ScriptedChannel implements ChannelSender {
  readonly kind = 'webhook';
  readonly calls: { at: number; notification: Notification }[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    readonly id: string,
    private readonly answer: (call: number, notification: Notification) => DeliveryOutcome = () => ({
      status: 'delivered',
    }),
    private readonly latencyMs = 0,
  ) {}

  async send(notification: Notification): Promise<DeliveryOutcome> {
    const call = this.calls.push({ at: Date.now(), notification });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    this.inFlight--;
    return this.answer(call, notification);
  }

  eventIds(): string[] {
    return this.calls.flatMap((c) => c.notification.events.map((e) => e.id));
  }
}

const failing = (reason = 'http_500'): DeliveryOutcome => ({ status: 'retryable', reason, detail: 'HTTP 500: oops' });
const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

let dir: string;
let stores: SqliteDelivery[];
let dispatchers: NotificationDispatcher[];

beforeEach(() => {
  // setImmediate stays real: the SQLite notification log commits on it (after an I/O turn, not
  // after a delay), and a fake one would hold every delivery until the test advanced time.
  vi.useFakeTimers({
    now: T0,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  dir = mkdtempSync(join(tmpdir(), 'pflow-dispatch-'));
  stores = [];
  dispatchers = [];
});
afterEach(async () => {
  vi.useRealTimers();
  for (const store of stores) store.close();
  rmSync(dir, { recursive: true, force: true });
});

function openStore(): SqliteDelivery {
  const store = SqliteDelivery.open(join(dir, 'delivery.db'));
  stores.push(store);
  return store;
}

function dispatcherFor(
  senders: ScriptedChannel[],
  options: {
    routes?: RouteDefinition[];
    channels?: ChannelDefinition[];
    store?: SqliteDelivery;
    extra?: Partial<NotificationDispatcherProps>;
  } = {},
): { dispatcher: NotificationDispatcher; store: SqliteDelivery } {
  const store = options.store ?? openStore();
  const dispatcher = new NotificationDispatcher({
    routes: options.routes ?? [route([], [senders[0]!.id])],
    channels: options.channels ?? senders.map((s) => channel(s.id)),
    senders: new Map(senders.map((s) => [s.id, s])),
    delivery: fastDelivery,
    queue: store.queue,
    log: store.log,
    deadLetters: store.deadLetters,
    random: () => 0.5,
    ...options.extra,
  });
  dispatchers.push(dispatcher);
  return { dispatcher, store };
}

/** Lets fake time run while a promise settles. */
async function run<T>(work: Promise<T>, ms = 60_000): Promise<T> {
  await vi.advanceTimersByTimeAsync(ms);
  return work;
}

const offsets = (sender: ScriptedChannel) => sender.calls.map((c) => c.at - T0);

describe('NotificationDispatcher retries', () => {
  it('retries with exponential backoff and jitter, then records the delivery', async () => {
    const slack = new ScriptedChannel('slack', (call) => (call < 3 ? failing() : { status: 'delivered' }));
    const { dispatcher, store } = dispatcherFor([slack]);
    const event = alertEvent();

    await run(dispatcher.dispatch([event]));

    // random() = 0.5: half of 100 ms, then half of 200 ms.
    expect(offsets(slack)).toEqual([0, 50, 150]);
    expect(await store.log.has(eventKey('slack', event.id))).toBe(true);
    expect(await store.queue.size()).toBe(0);
    expect(dispatcher.stats).toMatchObject({ delivered: 1, retries: 2, queued: 0 });
  });

  it('honours Retry-After, and holds the whole channel meanwhile', async () => {
    const slack = new ScriptedChannel('slack', (call) =>
      call === 1 ? { status: 'retryable', reason: 'rate_limited', retryAfterMs: 700 } : { status: 'delivered' },
    );
    const { dispatcher } = dispatcherFor([slack], { extra: { maxInFlightPerChannel: 1 } });

    const first = dispatcher.dispatch([alertEvent({ n: 1 })]);
    await vi.advanceTimersByTimeAsync(100);
    const second = dispatcher.dispatch([alertEvent({ n: 2 })]);
    await run(Promise.all([first, second]));

    expect(offsets(slack)).toEqual([0, 700, 700]);
    expect(slack.eventIds().sort()).toEqual(
      [alertEvent({ n: 1 }).id, alertEvent({ n: 1 }).id, alertEvent({ n: 2 }).id].sort(),
    );
  });

  it('queues instead of waiting in-run when Retry-After exceeds the backoff cap', async () => {
    const slack = new ScriptedChannel('slack', () => ({
      status: 'retryable',
      reason: 'rate_limited',
      retryAfterMs: 30_000,
    }));
    const { dispatcher, store } = dispatcherFor([slack]);

    await run(dispatcher.dispatch([alertEvent()]), 10);

    expect(slack.calls).toHaveLength(1);
    const [queued] = await store.queue.due(T0 + 30_000, 10);
    expect(queued).toMatchObject({ attempts: 1, lastError: 'rate_limited' });
    expect(queued!.notBefore).toBe(T0 + 30_000);
  });

  it('sends a permanent failure straight to the dead-letter store and alerts the other channels', async () => {
    const slack = new ScriptedChannel('slack', () => ({
      status: 'permanent',
      reason: 'http_404',
      detail: 'HTTP 404: no_service',
    }));
    const teams = new ScriptedChannel('teams');
    const email = new ScriptedChannel('email');
    const routes = [route(['rule="api-login-down"'], ['slack']), route([], ['slack', 'teams'])];
    const { dispatcher, store } = dispatcherFor([slack, teams, email], { routes });
    const event = alertEvent();

    await run(dispatcher.dispatch([event]));
    await run(dispatcher.whenIdle());

    expect(slack.calls).toHaveLength(1);
    const [letter] = await store.deadLetters.list();
    expect(letter).toMatchObject({
      attempts: 1,
      reason: 'http_404: HTTP 404: no_service',
      notification: { channel: 'slack' },
    });
    expect(letter!.notification.events).toEqual([event]);
    // Routed by the catch-all route, minus the failing channel; email is not on that route.
    expect(email.calls).toHaveLength(0);
    expect(teams.calls).toHaveLength(1);
    const [alert] = teams.calls[0]!.notification.events;
    expect(alert).toMatchObject({
      schema: 'performanceflow.alert/v1',
      rule: { id: 'pflow-delivery-failed', severity: 'major' },
      labels: { channel: 'slack', original_rule: 'api-login-down', original_site: 'site-a' },
      annotations: { reason: 'http_404' },
    });
    expect(await store.log.has(eventKey('slack', event.id))).toBe(false);
  });

  it('sends the delivery-failed alert to every other channel when no route names one', async () => {
    const slack = new ScriptedChannel('slack', () => ({ status: 'permanent', reason: 'http_403' }));
    const teams = new ScriptedChannel('teams');
    const email = new ScriptedChannel('email');
    const { dispatcher } = dispatcherFor([slack, teams, email], { routes: [route([], ['slack'])] });

    await run(dispatcher.dispatch([alertEvent()]));
    await run(dispatcher.whenIdle());

    expect([teams.calls.length, email.calls.length, slack.calls.length]).toEqual([1, 1, 1]);
  });

  it('never loops: a delivery-failed alert that cannot be delivered raises nothing more', async () => {
    const broken = (): DeliveryOutcome => ({ status: 'permanent', reason: 'http_410' });
    const slack = new ScriptedChannel('slack', broken);
    const teams = new ScriptedChannel('teams', broken);
    const { dispatcher, store } = dispatcherFor([slack, teams], { routes: [route([], ['slack', 'teams'])] });

    await run(dispatcher.dispatch([alertEvent()]));
    await run(dispatcher.whenIdle());

    // The event failed on both; each failure alerted the other channel, whose failure stopped there.
    expect(slack.calls).toHaveLength(2);
    expect(teams.calls).toHaveLength(2);
    expect(
      (await store.deadLetters.list()).map((l) => [l.notification.channel, l.notification.events[0]!.rule.id]),
    ).toEqual(
      expect.arrayContaining([
        ['slack', 'api-login-down'],
        ['teams', 'api-login-down'],
        ['slack', 'pflow-delivery-failed'],
        ['teams', 'pflow-delivery-failed'],
      ]),
    );
    expect(await store.deadLetters.list()).toHaveLength(4);
  });

  it('moves what still fails to the durable queue, retries it from there, and dead-letters after maxAttempts', async () => {
    const slack = new ScriptedChannel('slack', () => failing());
    const teams = new ScriptedChannel('teams');
    const { dispatcher, store } = dispatcherFor([slack, teams], { routes: [route([], ['slack'])] });

    await run(dispatcher.dispatch([alertEvent()]), 1_000);
    expect(slack.calls).toHaveLength(3);
    expect(await store.queue.due(Number.MAX_SAFE_INTEGER, 10)).toMatchObject([{ attempts: 3 }]);

    // Not yet due: nothing is attempted.
    expect(await dispatcher.drainQueue()).toMatchObject({ attempted: 0 });
    const attemptsSeen: number[] = [];
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(10_000);
      const report = await run(dispatcher.drainQueue(), 0);
      expect(report.attempted).toBe(1);
      attemptsSeen.push((await store.queue.due(Number.MAX_SAFE_INTEGER, 10))[0]?.attempts ?? -1);
    }
    await run(dispatcher.whenIdle());

    expect(slack.calls).toHaveLength(fastDelivery.maxAttempts);
    expect(attemptsSeen).toEqual([4, 5, -1]);
    expect(await store.queue.size()).toBe(0);
    expect(await store.deadLetters.list()).toMatchObject([{ attempts: 6, reason: 'http_500: HTTP 500: oops' }]);
    expect(teams.eventIds()).toHaveLength(1);
    expect(dispatcher.stats).toMatchObject({ queued: 1, deadLettered: 1 });
  });
});

describe('NotificationDispatcher exactly once', () => {
  it('delivers a queued notification once after a restart on the same database, and never again on replay', async () => {
    const down = new ScriptedChannel('slack', () => failing('http_503'));
    const first = dispatcherFor([down]);
    const events = [alertEvent({ n: 1 }), alertEvent({ n: 2 })];
    await run(first.dispatcher.dispatch(events));
    await first.dispatcher.close();
    first.store.close();
    expect(down.calls).toHaveLength(6);

    const up = new ScriptedChannel('slack');
    const second = dispatcherFor([up]);
    expect(await second.store.queue.size()).toBe(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await run(second.dispatcher.drainQueue(), 0)).toMatchObject({ attempted: 2, delivered: 2 });

    // The same evaluation replayed (say, the rule Lambda retried), and the queue drained again.
    await run(second.dispatcher.dispatch(events));
    await vi.advanceTimersByTimeAsync(60_000);
    await run(second.dispatcher.drainQueue(), 0);

    expect(up.eventIds().sort()).toEqual(events.map((e) => e.id).sort());
    expect(second.dispatcher.stats.duplicatesSkipped).toBe(2);
  });

  it('skips a replayed event while its first delivery is still in flight', async () => {
    const slack = new ScriptedChannel('slack', undefined, 200);
    const { dispatcher } = dispatcherFor([slack]);
    const event = alertEvent();

    const first = dispatcher.dispatch([event]);
    const replay = dispatcher.dispatch([event, event]);
    await run(Promise.all([first, replay]));
    await run(dispatcher.dispatch([event]));

    expect(slack.calls).toHaveLength(1);
    expect(dispatcher.stats.duplicatesSkipped).toBe(3);
  });

  it('delivers to each routed channel once, and drops resolved events where sendResolved is off', async () => {
    const slack = new ScriptedChannel('slack');
    const pager = new ScriptedChannel('pager');
    const { dispatcher } = dispatcherFor([slack, pager], {
      routes: [route([], ['slack', 'pager', 'slack'])],
      channels: [channel('slack'), channel('pager', { sendResolved: false })],
    });

    await run(dispatcher.dispatch([alertEvent({ state: 'firing' }), alertEvent({ state: 'resolved' })]));

    expect(slack.calls.map((c) => c.notification.events[0]!.state)).toEqual(['firing', 'resolved']);
    expect(pager.calls.map((c) => c.notification.events[0]!.state)).toEqual(['firing']);
  });
});

describe('NotificationDispatcher grouping and shaping', () => {
  it('groups events of one rule within group_wait into one message', async () => {
    const slack = new ScriptedChannel('slack');
    const { dispatcher } = dispatcherFor([slack], { routes: [route([], ['slack'], { groupWaitMs: 30_000 })] });
    const disk = alertEvent({ n: 9, rule: { id: 'disk-full', name: 'Disk full', severity: 'warning' } });

    await dispatcher.dispatch([alertEvent({ n: 1 }), disk]);
    await vi.advanceTimersByTimeAsync(10_000);
    await dispatcher.dispatch([alertEvent({ n: 2 }), alertEvent({ n: 3 })]);
    await vi.advanceTimersByTimeAsync(19_999);
    expect(slack.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await run(dispatcher.whenIdle(), 0);

    const messages = slack.calls.map((c) => c.notification.events.map((e) => e.rule.id));
    expect(messages).toEqual([['api-login-down', 'api-login-down', 'api-login-down'], ['disk-full']]);
    expect(slack.calls[0]!.notification.key).toMatch(/^slack\|group:3:/);
    expect(dispatcher.stats).toMatchObject({ delivered: 2, eventsDelivered: 4 });

    // A group delivered is remembered per event: a replay of one of them sends nothing.
    await run(dispatcher.dispatch([alertEvent({ n: 2 })]));
    expect(slack.calls).toHaveLength(2);
  });

  it('does not group the log drop, and close() flushes pending groups', async () => {
    const slack = new ScriptedChannel('slack');
    const logdrop = new ScriptedChannel('drop');
    const { dispatcher } = dispatcherFor([slack, logdrop], {
      routes: [route([], ['slack', 'drop'], { groupWaitMs: 60_000 })],
      channels: [channel('slack'), channel('drop', { kind: 'logdrop' })],
    });

    await run(dispatcher.dispatch([alertEvent({ n: 1 }), alertEvent({ n: 2 })]), 0);
    expect(logdrop.calls.map((c) => c.notification.events.length)).toEqual([1, 1]);
    expect(slack.calls).toHaveLength(0);

    await run(dispatcher.close(), 0);
    expect(slack.calls.map((c) => c.notification.events.length)).toEqual([2]);
    expect(Date.now() - T0).toBe(0);
    await expect(dispatcher.dispatch([alertEvent()])).rejects.toThrow(/closed/);
  });

  it.each([
    { perSecond: 2, want: [0, 500, 1000, 1500, 2000] },
    { perSecond: 10, want: [0, 100, 200, 300, 400] },
    { perSecond: undefined, want: [0, 0, 0, 0, 0] },
  ])('spaces sends at $perSecond per second instead of provoking 429s', async ({ perSecond, want }) => {
    const slack = new ScriptedChannel('slack');
    const { dispatcher } = dispatcherFor([slack], {
      channels: [channel('slack', perSecond ? { rateLimitPerSecond: perSecond } : {})],
      extra: { maxInFlightPerChannel: 5 },
    });

    await run(dispatcher.dispatch([1, 2, 3, 4, 5].map((n) => alertEvent({ n }))));

    expect(offsets(slack)).toEqual(want);
  });

  it('bounds the sends in flight per channel', async () => {
    const slack = new ScriptedChannel('slack', undefined, 100);
    const { dispatcher } = dispatcherFor([slack], { extra: { maxInFlightPerChannel: 3 } });

    await run(dispatcher.dispatch(Array.from({ length: 10 }, (_, i) => alertEvent({ n: i }))));

    expect(slack.calls).toHaveLength(10);
    expect(slack.maxInFlight).toBe(3);
  });

  it('treats a channel that throws as a transient failure and keeps its message out of the outcome', async () => {
    let calls = 0;
    const throwing: ChannelSender = {
      id: 'slack',
      kind: 'slack',
      send: async () => {
        if (++calls === 1) throw new TypeError('fetch failed for https://hooks.slack.com/services/T000/B000/SECRET');
        return { status: 'delivered' };
      },
    };
    const store = openStore();
    const dispatcher = new NotificationDispatcher({
      routes: [route([], ['slack'])],
      channels: [channel('slack')],
      senders: new Map([['slack', throwing]]),
      delivery: { ...fastDelivery, immediateAttempts: 1 },
      queue: store.queue,
      log: store.log,
      deadLetters: store.deadLetters,
    });

    await run(dispatcher.dispatch([alertEvent()]));

    const [queued] = await store.queue.due(Number.MAX_SAFE_INTEGER, 1);
    expect(queued!.lastError).toBe('send_threw: TypeError');
  });
});

/** A channel whose sends never answer until the test says so (a receiver hanging for 20 s or more). */
class HangingChannel implements ChannelSender {
  readonly kind = 'webhook';
  readonly calls: Notification[] = [];
  constructor(
    readonly id: string,
    private readonly answer: (call: number) => DeliveryOutcome | 'hang' = () => 'hang',
  ) {}
  send(notification: Notification): Promise<DeliveryOutcome> {
    const call = this.calls.push(notification);
    const outcome = this.answer(call);
    return outcome === 'hang' ? new Promise(() => {}) : Promise.resolve(outcome);
  }
}

describe('NotificationDispatcher shutdown', () => {
  it('starts no attempt after the stop, cuts the hanging send at the grace and queues everything undelivered', async () => {
    // Call 1 hangs; call 2 fails, so its notification is backing off when the stop begins.
    const hook = new HangingChannel('hook', (call) => (call === 1 ? 'hang' : failing()));
    const { dispatcher, store } = dispatcherFor([hook as unknown as ScriptedChannel]);
    const hanging = dispatcher.dispatch([alertEvent({ n: 1 })]);
    const backingOff = dispatcher.dispatch([alertEvent({ n: 2 })]);
    await vi.advanceTimersByTimeAsync(10);
    expect(hook.calls).toHaveLength(2);
    expect(dispatcher.sendsInFlight).toBe(1);

    let stopped = false;
    const shutdown = dispatcher.shutdown(3_000).then((report) => {
      stopped = true;
      return report;
    });
    // An event arriving during the stop is queued without an attempt.
    const late = dispatcher.dispatch([alertEvent({ n: 3 })]);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const report = await shutdown;
    await Promise.all([hanging, backingOff, late]);

    expect(hook.calls).toHaveLength(2);
    expect(report).toEqual({ inFlightAtStop: 1, interrupted: 1, handedOver: 2 });
    const queued = await store.queue.due(Number.MAX_SAFE_INTEGER, 10);
    expect(queued.map((item) => item.notification.events[0]!.id).sort()).toEqual(
      [1, 2, 3].map((n) => alertEvent({ n }).id).sort(),
    );
    // Due at once: the next start sends them first.
    for (const item of queued) expect(item.notBefore).toBeLessThanOrEqual(T0 + 3_010);
    expect(queued.find((item) => item.notification.events[0]!.id === alertEvent({ n: 1 }).id)?.lastError).toMatch(
      /^shutdown: the send was still in flight/,
    );
    expect(dispatcher.stats).toMatchObject({ attempts: 2, failedAttempts: 2, delivered: 0 });
    await expect(dispatcher.dispatch([alertEvent({ n: 4 })])).rejects.toThrow(/closed/);
    expect(await dispatcher.drainQueue()).toMatchObject({ attempted: 0 });
  });

  it('returns as soon as the sends in flight finish, well before the grace', async () => {
    const hook = new ScriptedChannel('hook', () => ({ status: 'delivered' }), 200);
    const { dispatcher, store } = dispatcherFor([hook]);
    const sending = dispatcher.dispatch([alertEvent()]);
    await vi.advanceTimersByTimeAsync(10);
    const shutdown = dispatcher.shutdown(30_000);
    await vi.advanceTimersByTimeAsync(200);
    expect(await shutdown).toEqual({ inFlightAtStop: 1, interrupted: 0, handedOver: 0 });
    await sending;
    expect(await store.log.has(eventKey('hook', alertEvent().id))).toBe(true);
    expect(await store.queue.size()).toBe(0);
  });
});

describe('NotificationDispatcher figures and progress', () => {
  it('counts every attempt: 7 failed attempts show as 7, the first one not as a retry', async () => {
    const hook = new ScriptedChannel('hook', () => failing());
    const { dispatcher, store } = dispatcherFor([hook], {
      extra: { delivery: { ...fastDelivery, immediateAttempts: 3, maxAttempts: 7 } },
    });
    await run(dispatcher.dispatch([alertEvent()]), 1_000);
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(60_000);
      await run(dispatcher.drainQueue(), 0);
    }
    await run(dispatcher.whenIdle());

    expect(hook.calls).toHaveLength(7);
    expect(await store.deadLetters.list()).toMatchObject([{ attempts: 7 }]);
    expect(dispatcher.stats).toMatchObject({ attempts: 7, failedAttempts: 7, retries: 6, deadLettered: 1 });
  });

  it('logs each retry outcome at info, then the delivery, without the URL', async () => {
    const logger = captureLogger();
    const hook = new ScriptedChannel('hook', (call) => (call < 3 ? failing() : { status: 'delivered' }));
    const { dispatcher } = dispatcherFor([hook], { extra: { logger } });
    await run(dispatcher.dispatch([alertEvent()]));

    const info = logger.entries.filter((entry) => entry.level === 'info');
    expect(info.map((entry) => entry.message)).toEqual([
      'delivery attempt failed; retrying',
      'delivery attempt failed; retrying',
      'notification delivered after retrying',
    ]);
    expect(info[0]!.fields).toMatchObject({
      channel: 'hook',
      attempt: 1,
      of: fastDelivery.maxAttempts,
      reason: 'http_500: HTTP 500: oops',
      retryInMs: 50,
    });
    expect(info[2]!.fields).toMatchObject({ channel: 'hook', attempts: 3 });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDelivery } from '../../src/adapters/local/sqlite-delivery.js';
import { channelFactories } from '../../src/channels/registry.js';
import { webhookSettingsSchema } from '../../src/channels/webhook/settings.js';
import { NotificationDispatcher } from '../../src/delivery/dispatcher.js';
import { systemClock } from '../../src/domain/ports.js';
import { captureLogger } from '../support/logger.js';
import { mulberry32, startHttpReceiver, validateJsonPayload, type HttpReceiver } from '../support/http-receiver.js';
import { alertEvent, channel, route } from './fixtures.js';

/**
 * The reliability bar, end to end over real HTTP: the real webhook channel posting to a
 * loopback receiver that fails 30% of requests at random (seeded) and answers bursts with 429.
 * Every event must arrive exactly once, counted by event id in the requests the receiver accepted.
 */
const EVENTS = 1_000;

let dir: string;
let receiver: HttpReceiver;
let store: SqliteDelivery;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-reliability-'));
  receiver = await startHttpReceiver({ validate: validateJsonPayload });
  store = SqliteDelivery.open(join(dir, 'delivery.db'));
});
afterEach(async () => {
  store.close();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('delivery reliability against a flaky, throttling receiver', () => {
  it(`delivers all ${EVENTS} events exactly once`, async () => {
    receiver.failRandomly({ fraction: 0.3, seed: 20_261_124 });
    // Bursts beyond 8 requests are refused with Retry-After: 0; the very first request is told
    // to back off a whole second, which must hold the channel rather than just that request.
    receiver.throttle({ burst: 8, perSecond: 500, retryAfterSeconds: 0 });
    receiver.replyOnce({ status: 429, body: 'slow down', headers: { 'retry-after': '1' } });
    const logger = captureLogger();
    const webhook = channelFactories.webhook(
      'hook',
      webhookSettingsSchema.parse({ url: receiver.urlFor('/hooks/pflow-token-secret'), timeout: '5s' }),
      { clock: systemClock, logger, dataDir: dir, timezoneFor: () => 'UTC' },
    );
    const dispatcher = new NotificationDispatcher({
      routes: [route([], ['hook'])],
      channels: [channel('hook')],
      senders: new Map([['hook', webhook]]),
      delivery: { immediateAttempts: 4, initialBackoffMs: 5, maxBackoffMs: 50, maxAttempts: 40, queueRetryMs: 20 },
      queue: store.queue,
      log: store.log,
      deadLetters: store.deadLetters,
      random: mulberry32(7),
      logger,
      maxInFlightPerChannel: 16,
    });
    const events = Array.from({ length: EVENTS }, (_, n) => alertEvent({ n }));

    await dispatcher.dispatch(events);
    await drainUntilEmpty(dispatcher, store);
    await dispatcher.close();

    const accepted = receiver.requests.filter((request) => request.answeredWith === 200);
    const deliveries = new Map<string, number>();
    for (const request of accepted) {
      for (const event of (request.json as { events: { id: string }[] }).events) {
        deliveries.set(event.id, (deliveries.get(event.id) ?? 0) + 1);
      }
    }
    expect(deliveries.size).toBe(EVENTS);
    expect([...deliveries.values()].filter((count) => count !== 1)).toEqual([]);
    expect(new Set(deliveries.keys())).toEqual(new Set(events.map((e) => e.id)));
    // The receiver really was hostile: failures and throttling both happened and were retried.
    const answered = receiver.requests.map((request) => request.answeredWith);
    expect(answered.filter((status) => status === 500).length).toBeGreaterThan(EVENTS * 0.2);
    expect(answered.filter((status) => status === 429).length).toBeGreaterThan(0);
    expect(dispatcher.stats).toMatchObject({ delivered: EVENTS, deadLettered: 0 });
    expect(await store.deadLetters.list()).toEqual([]);
    expect(receiver.problems()).toEqual([]);
    expect(logger.text()).not.toContain('pflow-token-secret');
    // About 15 s of real retries and throttling; room for a shared machine under load.
  }, 40_000);
});

/** Drains the retry queue as the runtime does, waiting for each item's own notBefore. */
async function drainUntilEmpty(dispatcher: NotificationDispatcher, delivery: SqliteDelivery): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await delivery.queue.size()) > 0) {
    if (Date.now() > deadline) throw new Error(`queue still holds ${await delivery.queue.size()} items`);
    const [next] = await delivery.queue.due(Number.MAX_SAFE_INTEGER, 1);
    const wait = Math.max(0, (next?.notBefore ?? 0) - Date.now());
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await dispatcher.drainQueue();
  }
}

import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tagMappingSchema } from '../../src/domain/assets/mapping.js';
import type { TagEvent } from '../../src/domain/assets/tag-event.js';
import { MqttTagInput } from '../../src/rtls/mqtt-input.js';
import { captureLogger } from '../support/logger.js';
import { startMosquitto, type MosquittoBroker } from '../support/mosquitto.js';

const T = Date.UTC(2026, 11, 1, 10, 0, 0);

/** Resolves once `check` holds, polling the input's own progress (no fixed sleeps). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('MqttTagInput (real mosquitto on 127.0.0.1)', () => {
  let broker: MosquittoBroker;
  let input: MqttTagInput | undefined;
  let publisher: mqtt.MqttClient | undefined;

  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker.stop();
  });
  afterEach(async () => {
    await input?.stop();
    await publisher?.endAsync();
    input = undefined;
    publisher = undefined;
  });

  async function publish(topic: string, payload: string): Promise<void> {
    publisher ??= await mqtt.connectAsync(broker.url, { reconnectPeriod: 100 });
    await publisher.publishAsync(topic, payload, { qos: 1 });
  }

  it('subscribes with a wildcard, maps each message and hands the events over', async () => {
    const received: TagEvent[] = [];
    input = new MqttTagInput(
      {
        kind: 'mqtt',
        url: broker.url,
        topics: ['rtls/+/position'],
        qos: 1,
        mapping: tagMappingSchema.parse({ tag: 'tagId', time: 'ts', zone: 'pos.zone' }),
      },
      { logger: captureLogger(), sink: async (events) => void received.push(...events) },
    );
    await input.start();
    await publish('rtls/wing-3/position', JSON.stringify({ tagId: 'T-1', ts: T, pos: { zone: 'store-3' } }));
    await publish('rtls/wing-3/status', JSON.stringify({ tagId: 'T-2', ts: T }));
    await publish('rtls/wing-4/position', JSON.stringify([{ tagId: 'T-3', ts: T + 5 }]));
    await until(() => received.length === 2, 'two events');
    expect(received).toEqual([
      { tag: 'T-1', t: T, zone: 'store-3' },
      { tag: 'T-3', t: T + 5 },
    ]);
  });

  it('counts malformed messages with their reason and keeps going', async () => {
    const received: TagEvent[] = [];
    input = new MqttTagInput(
      { kind: 'mqtt', url: broker.url, topics: ['rtls/bad'], qos: 1, mapping: tagMappingSchema.parse({}) },
      { logger: captureLogger(), sink: async (events) => void received.push(...events) },
    );
    await input.start();
    await publish('rtls/bad', 'not json at all');
    await publish(
      'rtls/bad',
      JSON.stringify([
        { tag: 'T-1', t: T },
        { tag: 'T-2', t: 'later' },
      ]),
    );
    await publish('rtls/bad', JSON.stringify({ tag: 'T-3', t: T, battery: -1 }));
    await publish('rtls/bad', JSON.stringify({ tag: 'T-4', t: T }));
    await until(() => received.length === 2, 'the good events');
    expect(received.map((e) => e.tag)).toEqual(['T-1', 'T-4']);
    const stats = input.stats.snapshot();
    expect(stats).toMatchObject({ messages: 4, accepted: 2, rejected: { not_json: 1, bad_event: 2 } });
    expect(stats.lastRejections.map((r) => r.error)).toEqual([
      expect.stringMatching(/^rtls\/bad: payload is not JSON: /),
      'rtls/bad: events[1].t: expected a number of milliseconds since the epoch, got a string',
      'rtls/bad: event.battery: must be a percentage from 0 to 100',
    ]);
  });

  it('does not acknowledge what the sink could not take: the broker sends it again', async () => {
    const received: TagEvent[] = [];
    let failures = 1;
    input = new MqttTagInput(
      {
        kind: 'mqtt',
        url: broker.url,
        topics: ['rtls/retry'],
        qos: 1,
        client_id: 'pflow-test-retry',
        mapping: tagMappingSchema.parse({}),
      },
      {
        logger: captureLogger(),
        reconnectPeriodMs: 50,
        sink: async (events) => {
          if (failures > 0) {
            failures -= 1;
            throw new Error('store locked');
          }
          received.push(...events);
        },
      },
    );
    await input.start();
    await publish('rtls/retry', JSON.stringify({ tag: 'T-1', t: T, zone: 'a' }));
    await until(() => received.length === 1, 'the redelivered event');
    expect(received).toEqual([{ tag: 'T-1', t: T, zone: 'a' }]);
    expect(input.stats.snapshot()).toMatchObject({ accepted: 1, rejected: { sink_failed: 1 } });
  });

  it('reconnects after the broker restarts and goes on receiving', async () => {
    const received: TagEvent[] = [];
    const logger = captureLogger();
    input = new MqttTagInput(
      {
        kind: 'mqtt',
        url: broker.url,
        topics: ['rtls/restart'],
        qos: 1,
        client_id: 'pflow-test-restart',
        mapping: tagMappingSchema.parse({}),
      },
      { logger, reconnectPeriodMs: 50, sink: async (events) => void received.push(...events) },
    );
    await input.start();
    await publish('rtls/restart', JSON.stringify({ tag: 'T-1', t: T }));
    await until(() => received.length === 1, 'the first event');
    await publisher!.endAsync();
    publisher = undefined;
    await broker.restart();
    // The broker kept no session (persistence off): the input must subscribe again on its own.
    await until(() => input!.isConnected, 'the reconnect');
    await publish('rtls/restart', JSON.stringify({ tag: 'T-2', t: T + 1 }));
    await until(() => received.length === 2, 'the event after the restart');
    expect(received.map((e) => e.tag)).toEqual(['T-1', 'T-2']);
    expect(logger.text()).toContain('rtls mqtt input disconnected; reconnecting');
  });

  it('fails to start with the broker address when nothing listens there', async () => {
    input = new MqttTagInput(
      {
        kind: 'mqtt',
        url: 'mqtt://user:hunter2@127.0.0.1:1',
        topics: ['x'],
        qos: 0,
        mapping: tagMappingSchema.parse({}),
      },
      { logger: captureLogger(), sink: async () => {} },
    );
    const error = await input.start().catch((e: Error) => e);
    expect(String(error)).toMatch(/cannot connect to mqtt:\/\/user:\*\*\*@127\.0\.0\.1:1/);
    expect(String(error)).not.toContain('hunter2');
  });
});

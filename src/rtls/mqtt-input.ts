import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { mapMessage } from '../domain/assets/mapping.js';
import type { MqttInputSettings } from '../domain/assets/input-settings.js';
import type { Logger } from '../domain/ports.js';
import { redactUrl } from './redact-url.js';
import { InputStats, type TagEventSink } from './input-stats.js';

export interface MqttTagInputDeps {
  readonly sink: TagEventSink;
  readonly logger: Logger;
  readonly now?: () => number;
  /** How long to wait before reconnecting after the broker went away; default 1 s. */
  readonly reconnectPeriodMs?: number;
}

/**
 * Subscribes to the RTLS gateway's topics on an MQTT broker. A QoS 1/2 message is acknowledged
 * only after its events are in the sink (mqtt.js `handleMessage`), and the session is persistent
 * (`clean: false`), so a message the sink could not take is sent again by the broker after the
 * reconnect this input then forces: at least once, never lost. Duplicates that causes are the tag
 * store's to ignore (an event is keyed by site, tag and time).
 *
 * A payload that is not JSON, or an event that does not map, is refused alone and counted with
 * its reason; it is acknowledged all the same, since sending it again cannot make it better.
 */
export class MqttTagInput {
  readonly stats: InputStats;
  private client?: MqttClient;
  private connected = false;

  constructor(
    private readonly settings: MqttInputSettings,
    private readonly deps: MqttTagInputDeps,
  ) {
    this.stats = new InputStats(deps.now);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Connects and subscribes; resolves once the subscription is granted. */
  async start(): Promise<void> {
    const { settings, deps } = this;
    const client = mqtt.connect(settings.url, {
      clientId: settings.client_id ?? `pflow-rtls-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
      clean: settings.client_id === undefined,
      reconnectPeriod: deps.reconnectPeriodMs ?? 1_000,
      connectTimeout: 10_000,
      resubscribe: false,
      ...(settings.username !== undefined && { username: settings.username }),
      ...(settings.password !== undefined && { password: settings.password }),
    });
    this.client = client;
    client.handleMessage = (packet, done) => {
      this.onMessage(packet).then(
        () => done(),
        (error: unknown) => {
          // No acknowledgement: the broker keeps the message for the session and sends it again.
          this.stats.reject('sink_failed', String(error));
          deps.logger.warn('rtls mqtt input: events not taken; reconnecting so the broker sends them again', {
            topic: packet.topic,
            error: String(error),
          });
          done(error as Error);
          client.end(true, () => client.reconnect());
        },
      );
    };
    let subscribed: (() => void) | undefined;
    let failed: ((error: Error) => void) | undefined;
    // Subscribed on every connect, not once: a broker that restarted without persistence, or a
    // first connect that failed, has no subscription of ours to resume.
    client.on('connect', () => {
      if (!this.connected) deps.logger.info('rtls mqtt input connected', { url: redactUrl(settings.url) });
      this.connected = true;
      client.subscribe(settings.topics, { qos: settings.qos }, (error, granted) => {
        const refused = (granted ?? []).filter((grant) => grant.qos === 128).map((grant) => grant.topic);
        if (error || refused.length > 0) {
          const why = error
            ? new Error(`cannot subscribe: ${error.message}`)
            : new Error(`the broker refused the subscription to ${refused.join(', ')}`);
          deps.logger.error('rtls mqtt input not subscribed', { error: why.message });
          failed?.(why);
        } else subscribed?.();
      });
    });
    client.on('close', () => {
      if (this.connected)
        deps.logger.warn('rtls mqtt input disconnected; reconnecting', { url: redactUrl(settings.url) });
      this.connected = false;
    });
    client.on('error', (error) => {
      deps.logger.warn('rtls mqtt input error', { error: error.message });
      failed?.(new Error(`cannot connect to ${redactUrl(settings.url)}: ${error.message}`));
    });
    // Resolves at the first subscription; rejects at the first failure, while the client goes on
    // trying in the background until stop() (the local runtime starts anyway and logs it).
    await new Promise<void>((resolve, reject) => {
      subscribed = resolve;
      failed = reject;
    });
    subscribed = undefined;
    failed = undefined;
  }

  async stop(): Promise<void> {
    await this.client?.endAsync();
  }

  private async onMessage(packet: IPublishPacket): Promise<void> {
    this.stats.message();
    let message: unknown;
    try {
      message = JSON.parse(packet.payload.toString());
    } catch (error) {
      this.stats.reject('not_json', `${packet.topic}: payload is not JSON: ${(error as Error).message}`);
      return;
    }
    const mapped = mapMessage(message, this.settings.mapping);
    if (mapped.error !== undefined) {
      this.stats.reject('not_events', `${packet.topic}: ${mapped.error}`);
      return;
    }
    for (const rejection of mapped.rejected) this.stats.reject('bad_event', `${packet.topic}: ${rejection.error}`);
    if (mapped.events.length === 0) return;
    await this.deps.sink(mapped.events);
    this.stats.accept(mapped.events.length);
  }
}

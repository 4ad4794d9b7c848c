import type { RtlsInputSettings } from '../domain/assets/input-settings.js';
import type { Logger } from '../domain/ports.js';
import { HttpTagInput } from './http-input.js';
import type { InputStatsSnapshot, TagEventSink } from './input-stats.js';
import { MqttTagInput } from './mqtt-input.js';

/** One configured input: its settings, where its events go, and its config path for messages. */
export interface RtlsInputSpec {
  readonly settings: RtlsInputSettings;
  readonly sink: TagEventSink;
  /** e.g. `rtls.inputs[0]` or `assets.inputs[2]`. */
  readonly setting: string;
}

export interface RtlsInputSnapshot extends InputStatsSnapshot {
  /** Position in the config's list. */
  readonly input: number;
  readonly kind: RtlsInputSettings['kind'];
  /** MQTT only: whether it is connected to the broker now. */
  readonly connected?: boolean;
}

/**
 * The RTLS inputs of one config, HTTP and MQTT alike: built from their settings, started, stopped
 * and counted together. The local runtime (`assets.inputs`) and the agent (`rtls.inputs`) both
 * run theirs through this, so the two cannot drift apart in how an input is started or counted.
 */
export class RtlsInputSet {
  private readonly inputs: (HttpTagInput | MqttTagInput)[];

  constructor(
    private readonly specs: readonly RtlsInputSpec[],
    private readonly deps: { readonly logger: Logger; readonly now: () => number },
  ) {
    this.inputs = specs.map(({ settings, sink, setting }) =>
      settings.kind === 'http'
        ? new HttpTagInput(settings, { sink, logger: deps.logger, setting: `${setting}.listen`, now: deps.now })
        : new MqttTagInput(settings, { sink, logger: deps.logger, now: deps.now }),
    );
  }

  get size(): number {
    return this.inputs.length;
  }

  /**
   * Starts every input; returns the HTTP inputs' URLs in config order. An HTTP address that cannot
   * be taken fails the start (ListenError names the setting); a broker that is down now is retried
   * in the background and logged, so the rest starts.
   */
  async start(): Promise<string[]> {
    const urls: string[] = [];
    for (const [index, input] of this.inputs.entries()) {
      if (input instanceof HttpTagInput) urls.push(await input.start());
      else {
        await input.start().catch((error: unknown) =>
          this.deps.logger.warn('rtls mqtt input not connected yet; retrying', {
            input: this.specs[index]?.setting,
            error: (error as Error).message,
          }),
        );
      }
    }
    return urls;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.inputs.map((input) => input.stop()));
  }

  /** Per input, in config order: what it received, took and refused (by reason). */
  snapshots(): RtlsInputSnapshot[] {
    return this.inputs.map((input, index) => ({
      input: index,
      kind: input instanceof HttpTagInput ? 'http' : 'mqtt',
      ...(input instanceof MqttTagInput && { connected: input.isConnected }),
      ...input.stats.snapshot(),
    }));
  }
}

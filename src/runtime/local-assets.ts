import { SqliteTagStore } from '../adapters/local/sqlite-tags.js';
import type { SqliteDatabase } from '../adapters/local/sqlite.js';
import type { AssetsConfig } from '../domain/assets/config-schema.js';
import { WingSimulator } from '../domain/assets/simulator.js';
import type { TagEvent } from '../domain/assets/tag-event.js';
import type { Clock, Logger } from '../domain/ports.js';
import type { MetricSample } from '../domain/records.js';
import { HttpTagInput } from '../rtls/http-input.js';
import { MqttTagInput } from '../rtls/mqtt-input.js';
import { AssetService } from '../services/assets.js';
import { assetRoutes } from './asset-routes.js';
import type { ScheduledTask } from './scheduler.js';

/** Patient-flow series read a day of patient events: worked out every this many asset cycles, not every one. */
const FLOW_EVERY_CYCLES = 4;
const HOUR_MS = 3_600_000;

export interface LocalAssetsDeps {
  readonly db: SqliteDatabase;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where the answers go as series (the runtime's write buffer). */
  readonly writeSamples: (samples: readonly MetricSample[]) => Promise<void>;
  readonly retentionMs: number;
}

/**
 * The assets part of the local runtime: the tag store in pflow.db, the asset service, the RTLS
 * inputs of `assets.inputs`, and the task that turns the answers into series every
 * `assets.evaluate_every`, so the rule engine alerts on them like on any other series.
 */
export class LocalAssets {
  readonly store: SqliteTagStore;
  readonly service: AssetService;
  private readonly inputs: { site: string; input: HttpTagInput | MqttTagInput; kind: string }[] = [];
  private cycles = 0;

  constructor(
    private readonly config: AssetsConfig,
    private readonly deps: LocalAssetsDeps,
  ) {
    this.store = new SqliteTagStore(deps.db);
    this.service = new AssetService(config, { store: this.store, clock: deps.clock, logger: deps.logger });
    config.inputs.forEach(({ site, settings }, index) => {
      const sink = async (events: readonly TagEvent[]) => void this.ingest(site, events);
      const input =
        settings.kind === 'http'
          ? new HttpTagInput(settings, {
              sink,
              logger: deps.logger,
              setting: `assets.inputs[${index}].listen`,
              now: () => deps.clock.now(),
            })
          : new MqttTagInput(settings, { sink, logger: deps.logger, now: () => deps.clock.now() });
      this.inputs.push({ site, input, kind: settings.kind });
    });
  }

  /** Events from an input, the simulator or the ingest endpoint, for one site. */
  ingest(site: string, events: readonly TagEvent[]) {
    return this.service.ingest(site, events);
  }

  /** Starts the inputs; returns the HTTP inputs' URLs for the banner. */
  async start(): Promise<string[]> {
    const urls: string[] = [];
    for (const [index, { input }] of this.inputs.entries()) {
      if (input instanceof HttpTagInput) urls.push(await input.start());
      else {
        // A broker that is down now is retried in the background: the rest of the runtime starts.
        await input.start().catch((error: unknown) =>
          this.deps.logger.warn('rtls mqtt input not connected yet; retrying', {
            input: `assets.inputs[${index}]`,
            error: (error as Error).message,
          }),
        );
      }
    }
    return urls;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.inputs.map(({ input }) => input.stop()));
  }

  tasks(): ScheduledTask[] {
    const simulate = this.config.simulate;
    let simulator: WingSimulator | undefined;
    return [
      ...(simulate === undefined
        ? []
        : [
            {
              name: 'rtls-simulator',
              intervalMs: simulate.everyMs,
              run: async () => {
                const now = this.deps.clock.now();
                simulator ??= new WingSimulator(this.service.registry.registry, { ...simulate, startAt: now });
                this.ingest(simulate.site, simulator.tick(now));
              },
            },
          ]),
      {
        name: 'assets',
        intervalMs: this.config.evaluateEveryMs,
        run: async () => {
          this.service.refreshRegistry();
          const samples = this.service.series();
          if (this.cycles % FLOW_EVERY_CYCLES === 0) samples.push(...this.service.flowSeries());
          this.cycles += 1;
          await this.deps.writeSamples(samples);
        },
      },
      {
        name: 'assets-retention',
        intervalMs: 10 * 60_000,
        initialDelayMs: 10 * 60_000,
        run: async () => {
          const removed = this.store.applyRetention(this.deps.clock.now() - this.deps.retentionMs);
          this.deps.logger.debug('tag events retention applied', { removed });
        },
      },
    ];
  }

  routes() {
    return assetRoutes({
      service: this.service,
      clock: this.deps.clock,
      inputs: () => this.inputStats(),
      activity: (site, from, to) =>
        this.store.activity(site, from, to, HOUR_MS).map((row) => ({ ...row, t: new Date(row.t).toISOString() })),
    });
  }

  inputStats() {
    return this.inputs.map(({ site, input, kind }, index) => ({
      input: index,
      site,
      kind,
      ...(input instanceof MqttTagInput && { connected: input.isConnected }),
      ...input.stats.snapshot(),
    }));
  }

  health() {
    return { ...this.service.stats(), inputs: this.inputStats().map(({ lastRejections: _last, ...rest }) => rest) };
  }
}

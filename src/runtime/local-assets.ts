import { SqliteTagStore } from '../adapters/local/sqlite-tags.js';
import type { SqliteDatabase } from '../adapters/local/sqlite.js';
import type { AssetsConfig } from '../domain/assets/config-schema.js';
import { WingSimulator } from '../domain/assets/simulator.js';
import type { TagEvent } from '../domain/assets/tag-event.js';
import type { Clock, Logger } from '../domain/ports.js';
import type { MetricSample } from '../domain/records.js';
import { RtlsInputSet } from '../rtls/input-set.js';
import { DAY_PART_EVERY_MS, daySeries } from '../services/asset-answers.js';
import { AssetService } from '../services/assets.js';
import { assetRoutes } from './asset-routes.js';
import type { ScheduledTask } from './scheduler.js';

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
 * inputs of `assets.inputs`, and the tasks that turn the answers into series (every
 * `assets.evaluate_every`; the day's flow and utilization every 15 minutes), so the rule engine
 * alerts on them like on any other series.
 */
export class LocalAssets {
  readonly store: SqliteTagStore;
  readonly service: AssetService;
  private readonly inputs: RtlsInputSet;

  constructor(
    private readonly config: AssetsConfig,
    private readonly deps: LocalAssetsDeps,
  ) {
    this.store = new SqliteTagStore(deps.db);
    this.service = new AssetService(config, { store: this.store, clock: deps.clock, logger: deps.logger });
    this.inputs = new RtlsInputSet(
      config.inputs.map(({ site, settings }, index) => ({
        settings,
        sink: async (events: readonly TagEvent[]) => void this.ingest(site, events),
        setting: `assets.inputs[${String(index)}]`,
      })),
      { logger: deps.logger, now: () => deps.clock.now() },
    );
  }

  /** Events from an input, the simulator or the ingest endpoint, for one site. */
  ingest(site: string, events: readonly TagEvent[]) {
    return this.service.ingest(site, events);
  }

  /** Starts the inputs; returns the HTTP inputs' URLs for the banner. */
  start(): Promise<string[]> {
    return this.inputs.start();
  }

  async stop(): Promise<void> {
    await this.inputs.stop();
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
          await this.deps.writeSamples(this.service.series());
        },
      },
      {
        // The day's patient flow and utilization, on the AWS asset function's {part: "day"} cadence and
        // through the same code, so the RF-ID dashboard and the day rules read the same series here.
        name: 'assets-day',
        intervalMs: DAY_PART_EVERY_MS,
        run: async () => {
          this.service.refreshRegistry();
          await this.deps.writeSamples(daySeries(this.service, this.deps.clock.now()));
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
    return this.inputs.snapshots().map(({ input, kind, ...rest }) => ({
      input,
      site: this.config.inputs[input]?.site,
      kind,
      ...rest,
    }));
  }

  health() {
    return { ...this.service.stats(), inputs: this.inputStats().map(({ lastRejections: _last, ...rest }) => rest) };
  }
}

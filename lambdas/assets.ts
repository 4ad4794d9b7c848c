import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoTagLocations } from '../src/adapters/aws/dynamodb-tag-locations.js';
import { RegistryIndex } from '../src/domain/assets/registry.js';
import { PflowError } from '../src/domain/errors.js';
import { systemClock, type Clock, type MetricStore } from '../src/domain/ports.js';
import {
  ANSWER_PARTS,
  assetAnswerSeries,
  type AssetImportsReader,
  type TagLocationsReader,
} from '../src/services/asset-answers.js';
import { DynamoAssetImports } from '../src/adapters/aws/dynamodb-asset-imports.js';
import type { TagHistory } from '../src/services/tag-history.js';
import { requireEnv } from './shared/config.js';
import { ENV, type AssetsScheduleInput } from './shared/environment.js';
import { checkInput } from './shared/event-input.js';
import { handlerBase, wrap } from './shared/handler.js';
import { metricStoreFromEnv, tagHistoryFromEnv } from './shared/metric-store.js';

const INPUT = { part: { type: 'text', oneOf: ANSWER_PARTS }, scheduledTime: { type: 'text', optional: true } } as const;

export interface AssetsHandlerOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly store?: MetricStore;
  readonly history?: TagHistory;
  readonly locations?: TagLocationsReader;
  readonly imports?: AssetImportsReader;
}

export interface AssetsResult {
  readonly part: 'now' | 'day';
  readonly at: string;
  readonly samples: number;
}

/**
 * The asset function (only with `assets:`), on two schedules: `{part: "now"}` every minute and
 * `{part: "day"}` every 15 minutes. It reads where every tag is (the tag location table) and, for
 * `day`, the last day of tag events (the metric store's tag history), computes the answers with
 * the same AssetService as the local runtime (src/services/asset-answers.ts) and writes them to the
 * metric store as series stamped with the scheduled time, where the rules and dashboards read them.
 */
export function createAssetsHandler(options: AssetsHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const base = handlerBase('assets', env);
  const { obs } = base;
  let store = options.store;
  let history = options.history;
  let locations = options.locations;
  let imports = options.imports;

  return wrap(base, async (event: AssetsScheduleInput, _context: Context): Promise<AssetsResult> => {
    const { part, scheduledTime } = checkInput<AssetsScheduleInput>(
      event,
      INPUT,
      'assets input must be {part: "now" | "day", scheduledTime?}',
      true,
    );
    const { config } = await base.config();
    if (config.assets === undefined) {
      throw new PflowError('no_assets', 'the asset function runs only for a config with an assets: section');
    }
    const assets = config.assets;
    // The scheduled instant, not now: a retried or late invocation stamps the minute it was meant for.
    const scheduled = scheduledTime === undefined ? Number.NaN : Date.parse(scheduledTime);
    const at = Number.isNaN(scheduled) ? clock.now() : scheduled;

    const hooks = { logger: obs.port, maxSamplesProcessed: config.storage.metrics.amp.maxSamplesProcessed };
    store ??= metricStoreFromEnv(env, hooks);
    if (part === 'day') history ??= tagHistoryFromEnv(env, hooks);
    if (locations === undefined || imports === undefined) {
      const index = new RegistryIndex(assets.registry);
      const client = new DynamoDBClient({});
      const table = requireEnv(env, ENV.tagLocationTable);
      locations ??= new DynamoTagLocations(client, table, () => index, assets.settings);
      // The CSV imports (pflow assets import --aws) are read at every run: one GetItem, a Query per site imported for.
      imports ??= new DynamoAssetImports(client, table);
    }
    const samples = await assetAnswerSeries(
      assets,
      { locations, imports, ...(history && { history }), logger: obs.port },
      at,
      part,
    );
    await store.writeMetricSamples(samples);
    obs.metrics.addMetric('AssetSamplesWritten', MetricUnit.Count, samples.length);
    obs.port.info('asset answers written', { part, samples: samples.length });
    return { part, at: new Date(at).toISOString(), samples: samples.length };
  });
}

export const handler = createAssetsHandler();

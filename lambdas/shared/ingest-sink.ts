import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoBatchLedger } from '../../src/adapters/aws/dynamodb-batch-ledger.js';
import { DynamoTagLocations } from '../../src/adapters/aws/dynamodb-tag-locations.js';
import { RegistryIndex } from '../../src/domain/assets/registry.js';
import { eventZone } from '../../src/domain/assets/tracker.js';
import type { Clock, MetricStore } from '../../src/domain/ports.js';
import { IngestService } from '../../src/ingest/ingest-service.js';
import type { BatchLedger, IngestSink } from '../../src/ingest/ports.js';
import type { TagHistory } from '../../src/services/tag-history.js';
import { requireEnv } from './config.js';
import { ENV } from './environment.js';
import type { handlerBase } from './handler.js';
import { countWhenAny } from './observability.js';
import { metricStoreFromEnv, tagHistoryFromEnv } from './metric-store.js';

export interface IngestSinkOptions {
  readonly store?: MetricStore;
  /** Where tag events go; by default the table PFLOW_TAG_LOCATION_TABLE names, when it is set. */
  readonly tagLocations?: DynamoTagLocations;
  /** Where their history goes; by default the metric store's (tagHistoryFromEnv). */
  readonly tagHistory?: TagHistory;
}

/**
 * The ingest use case of a function that stores batches (ingest, collect): the batch ledger
 * (`options.ledger`, by default the table PFLOW_INGEST_BATCH_TABLE names) and ingestSinkFor's sink.
 */
export async function ingestServiceFor(
  base: ReturnType<typeof handlerBase>,
  env: NodeJS.ProcessEnv,
  clock: Clock,
  options: IngestSinkOptions & { readonly ledger?: BatchLedger },
): Promise<IngestService> {
  return new IngestService({
    ledger:
      options.ledger ??
      new DynamoBatchLedger(new DynamoDBClient({}), requireEnv(env, ENV.ingestBatchTable), () => clock.now()),
    sink: await ingestSinkFor(base, env, options),
    clock,
    logger: base.obs.port,
  });
}

/**
 * Where an agent's batch is written, for every function that stores batches (the ingest API's,
 * and the collect function's in pull mode), so a pushed and a pulled batch go to the same places:
 * the metric store, and with the tag location table (the config has `assets:`) the tag events'
 * history and current locations. Without that table the sink has no writeTagEvents: the ingest
 * refuses a batch with tag events (TAG_EVENTS_NOT_KEPT) and its sender sends it again without them.
 */
export async function ingestSinkFor(
  base: ReturnType<typeof handlerBase>,
  env: NodeJS.ProcessEnv,
  options: IngestSinkOptions,
): Promise<IngestSink> {
  const hooks = { logger: base.obs.port };
  const store = options.store ?? metricStoreFromEnv(env, hooks);
  const sink: IngestSink = {
    writeMetricSamples: (samples) => store.writeMetricSamples(samples),
    writeProbeResults: (results) => store.writeProbeResults(results),
  };
  const table = env[ENV.tagLocationTable];
  if (options.tagLocations === undefined && (table === undefined || table === '')) return sink;
  const { config } = await base.config();
  if (config.assets === undefined) {
    throw new Error(`${ENV.tagLocationTable} is set but the config has no assets: section`);
  }
  // Zones (and their x/y areas) come from the config: CSV imports add assets, never zones.
  const index = new RegistryIndex(config.assets.registry);
  const locations =
    options.tagLocations ?? new DynamoTagLocations(new DynamoDBClient({}), table!, () => index, config.assets.settings);
  const history = options.tagHistory ?? tagHistoryFromEnv(env, hooks);
  return {
    ...sink,
    writeTagEvents: async (site, events) => {
      // History first: a batch whose history failed is answered 503 and sent again whole, and both
      // writes are idempotent, so the retry repeats nothing.
      await history.writeTagEvents(
        site,
        events.map((event) => {
          const zone = event.zone === undefined ? eventZone(index, site, event) : undefined;
          return zone === undefined ? event : { ...event, resolvedZone: zone };
        }),
      );
      base.obs.metrics.addMetric('TagEventsStored', MetricUnit.Count, events.length);
      const report = await locations.apply(site, events);
      base.obs.metrics.addMetric('TagLocationsWritten', MetricUnit.Count, report.written);
      countWhenAny(base.obs.metrics, 'TagLocationRetries', report.retried);
    },
  };
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoBatchLedger } from '../src/adapters/aws/dynamodb-batch-ledger.js';
import { DynamoTagLocations } from '../src/adapters/aws/dynamodb-tag-locations.js';
import { S3LogDropReader } from '../src/channels/logdrop/s3-reader.js';
import type { LogDropSettings } from '../src/channels/logdrop/settings.js';
import { RegistryIndex } from '../src/domain/assets/registry.js';
import { eventZone } from '../src/domain/assets/tracker.js';
import { systemClock, type Clock, type MetricStore } from '../src/domain/ports.js';
import { readEvents } from '../src/ingest/events.js';
import { IngestService, type IngestAnswer } from '../src/ingest/ingest-service.js';
import type { AlertEventFeed, BatchLedger, IngestSink } from '../src/ingest/ports.js';
import type { TagHistory } from '../src/services/tag-history.js';
import type { IngestAuthorizerContext } from './ingest-authorizer.js';
import { requireEnv } from './shared/config.js';
import { ENV } from './shared/environment.js';
import { handlerBase, wrap } from './shared/handler.js';
import { metricStoreFromEnv, tagHistoryFromEnv } from './shared/metric-store.js';

export type IngestEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<IngestAuthorizerContext>;

export interface IngestHandlerOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly store?: MetricStore;
  readonly ledger?: BatchLedger;
  readonly events?: AlertEventFeed;
  /** Where tag events go; by default the table PFLOW_TAG_LOCATION_TABLE names, when it is set. */
  readonly tagLocations?: DynamoTagLocations;
  /** Where their history goes; by default the metric store's (tagHistoryFromEnv). */
  readonly tagHistory?: TagHistory;
}

/**
 * The ingest function behind the HTTP API: `POST /v1/ingest` (a batch, base64 in the event when
 * gzipped) and `GET /v1/events` (the site's alert events from the S3 log drop). The site is the
 * authorizer's, from the token; nothing in the payload can change it.
 */
export function createIngestHandler(options: IngestHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const base = handlerBase('ingest', env);
  const { obs } = base;
  let service: IngestService | undefined;
  let feed: AlertEventFeed | undefined | null = options.events;

  return wrap(base, async (event: IngestEvent): Promise<APIGatewayProxyStructuredResultV2> => {
    const principal = event.requestContext.authorizer.lambda;
    if (typeof principal?.site !== 'string' || typeof principal.tokenId !== 'string') {
      // Only reachable if the route lost its authorizer: refuse rather than guess a site.
      return reply({ status: 401, body: { error: 'no agent token context' } });
    }
    switch (event.routeKey) {
      case 'POST /v1/ingest': {
        service ??= new IngestService({
          ledger:
            options.ledger ??
            new DynamoBatchLedger(new DynamoDBClient({}), requireEnv(env, ENV.ingestBatchTable), () => clock.now()),
          sink: await sinkFor(base, env, options),
          clock,
          logger: obs.port,
        });
        const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
        const answer = await service.ingest(principal, body, event.headers['content-encoding']);
        obs.metrics.addMetric(
          answer.status === 200 ? 'IngestBatches' : `IngestRefused${answer.status}`,
          MetricUnit.Count,
          1,
        );
        if (answer.status === 200 && answer.body['duplicate'] === false) {
          obs.metrics.addMetric('IngestSamples', MetricUnit.Count, Number(answer.body['samples']));
        }
        return reply(answer);
      }
      case 'GET /v1/events': {
        if (feed === undefined) feed = (await s3Feed(base, env, clock)) ?? null;
        const query = new URLSearchParams(
          Object.entries(event.queryStringParameters ?? {}).flatMap(([k, v]): [string, string][] =>
            v === undefined ? [] : [[k, v]],
          ),
        );
        return reply(await readEvents(principal, query, feed ?? undefined, obs.port));
      }
      default:
        return reply({ status: 404, body: { error: `no such route: ${event.routeKey}` } });
    }
  });
}

/**
 * The metric store, and with the tag location table (the stack makes it when the config has
 * `assets:`) the tag events' path: their history into the metric store (the `tags` table or the
 * `pflow_tag_*` series, zones resolved from x/y), then the current location per tag. Without the
 * table the sink has no writeTagEvents and a batch with tag events is refused, as before.
 */
async function sinkFor(
  base: ReturnType<typeof handlerBase>,
  env: NodeJS.ProcessEnv,
  options: IngestHandlerOptions,
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
      if (report.retried > 0) base.obs.metrics.addMetric('TagLocationRetries', MetricUnit.Count, report.retried);
    },
  };
}

/** The stack's log-drop bucket, with the key prefix of the config's S3 log drop channel. */
async function s3Feed(base: ReturnType<typeof handlerBase>, env: NodeJS.ProcessEnv, clock: Clock) {
  const bucket = env[ENV.logDropBucket];
  if (bucket === undefined || bucket === '') return undefined;
  const { config } = await base.config();
  const channel = config.channels.find((c) => c.kind === 'logdrop' && (c.settings as LogDropSettings).target === 's3');
  if (channel === undefined) return undefined;
  const settings = channel.settings as Extract<LogDropSettings, { target: 's3' }>;
  return new S3LogDropReader(new S3Client({}), bucket, settings.prefix, clock);
}

function reply(answer: IngestAnswer): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: answer.status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(answer.body),
  };
}

export const handler = createIngestHandler();

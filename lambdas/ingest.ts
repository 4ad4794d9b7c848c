import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { S3LogDropReader } from '../src/channels/logdrop/s3-reader.js';
import type { LogDropSettings } from '../src/channels/logdrop/settings.js';
import { systemClock, type Clock } from '../src/domain/ports.js';
import { readEvents } from '../src/ingest/events.js';
import type { IngestService, IngestAnswer } from '../src/ingest/ingest-service.js';
import type { AlertEventFeed, BatchLedger } from '../src/ingest/ports.js';
import type { IngestAuthorizerContext } from './ingest-authorizer.js';
import { ENV } from './shared/environment.js';
import { handlerBase, wrap } from './shared/handler.js';
import { ingestServiceFor, type IngestSinkOptions } from './shared/ingest-sink.js';

export type IngestEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<IngestAuthorizerContext>;

export interface IngestHandlerOptions extends IngestSinkOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly ledger?: BatchLedger;
  readonly events?: AlertEventFeed;
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
        service ??= await ingestServiceFor(base, env, clock, options);
        const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
        const answer = await service.ingest(principal, body, event.headers['content-encoding']);
        if (answer.status === 200) {
          obs.metrics.addMetric('IngestBatches', MetricUnit.Count, 1);
        } else {
          // One metric for every refusal, the status a property of the line: a metric per status
          // would be one more billed metric for each status seen in an hour.
          obs.metrics.addMetadata('status', String(answer.status));
          obs.metrics.addMetric('IngestRefused', MetricUnit.Count, 1);
        }
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

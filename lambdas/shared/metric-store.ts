import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { TimestreamStore } from '../../src/adapters/aws/timestream-store.js';
import { TimestreamTagHistory } from '../../src/adapters/aws/timestream-tag-history.js';
import { TimestreamWriter, type WriteReport } from '../../src/adapters/aws/timestream-writer.js';
import { ampEndpoints, ampRegion, PrometheusStore } from '../../src/adapters/prometheus/prometheus-store.js';
import { PrometheusTagHistory } from '../../src/adapters/prometheus/tag-history.js';
import type { Logger, MetricStore } from '../../src/domain/ports.js';
import type { TagHistory } from '../../src/services/tag-history.js';
import { requireEnv } from './config.js';
import { ENV, TIMESTREAM_TABLES, TIMESTREAM_TAGS_TABLE } from './environment.js';

export type MetricsBackend = 'timestream' | 'amp';

export interface MetricStoreHooks {
  readonly logger: Logger;
  /** Each Timestream write's report (rejected records become a metric). */
  readonly onReport?: (report: WriteReport) => void;
  /** Each query statement sent (the rule cycle's query count). */
  readonly onQuery?: (statement: string) => void;
  /** AMP: the query guard from `storage.metrics.amp.max_samples_processed` (the adapter's default otherwise). */
  readonly maxSamplesProcessed?: number;
}

let timestreamClients: { write: TimestreamWriteClient; query: TimestreamQueryClient } | undefined;

/**
 * The one place a handler gets its MetricStore: the backend named by PFLOW_METRICS_BACKEND
 * (`timestream` when unset). The AMP adapter adds its branch here; nothing else in `lambdas/`
 * knows which store is behind the port.
 */
export function metricStoreFromEnv(env: NodeJS.ProcessEnv, hooks: MetricStoreHooks): MetricStore {
  const backend = (env[ENV.metricsBackend] ?? 'timestream') as MetricsBackend;
  if (backend !== 'timestream' && backend !== 'amp') {
    throw new Error(`${ENV.metricsBackend} must be "timestream" or "amp", got ${JSON.stringify(backend)}`);
  }
  // The stack bundles each function for its one backend (lib/function-bundling.ts defines
  // process.env.PFLOW_BUNDLE_METRICS_BACKEND as its name): esbuild folds these conditions and drops the
  // other adapter with its SDK clients. Written out in each `if`, because esbuild folds only a literal
  // comparison. Unbundled (tests, tsx) the variable is unset and both branches are there.
  if (backend === 'timestream' && process.env.PFLOW_BUNDLE_METRICS_BACKEND !== 'amp') {
    timestreamClients ??= { write: new TimestreamWriteClient({}), query: new TimestreamQueryClient({}) };
    return new TimestreamStore({
      writeClient: timestreamClients.write,
      queryClient: timestreamClients.query,
      database: requireEnv(env, ENV.timestreamDatabase),
      tables: TIMESTREAM_TABLES,
      logger: hooks.logger,
      ...(hooks.onReport ? { onReport: hooks.onReport } : {}),
      ...(hooks.onQuery ? { onQuery: hooks.onQuery } : {}),
    });
  }
  if (backend === 'amp' && process.env.PFLOW_BUNDLE_METRICS_BACKEND !== 'timestream') {
    const workspaceUrl = requireEnv(env, ENV.ampWorkspaceUrl);
    return new PrometheusStore({
      ...ampEndpoints(workspaceUrl),
      // Signed with the function's role (the SDK's default credential chain).
      auth: { kind: 'sigv4', region: ampRegion(workspaceUrl) },
      logger: hooks.logger,
      ...(hooks.maxSamplesProcessed !== undefined && { maxSamplesProcessed: hooks.maxSamplesProcessed }),
      ...(hooks.onQuery ? { onQuery: hooks.onQuery } : {}),
    });
  }
  throw new Error(
    `${ENV.metricsBackend} is "${backend}", but this function was bundled for "${String(process.env.PFLOW_BUNDLE_METRICS_BACKEND)}"`,
  );
}

/**
 * The tag events' history in the same metric store (README "Tag history in AWS"): the `tags` table
 * with Timestream, the `pflow_tag_*` series with AMP, written through the store's own adapter.
 */
export function tagHistoryFromEnv(env: NodeJS.ProcessEnv, hooks: MetricStoreHooks): TagHistory {
  const backend = (env[ENV.metricsBackend] ?? 'timestream') as MetricsBackend;
  if (backend === 'timestream' && process.env.PFLOW_BUNDLE_METRICS_BACKEND !== 'amp') {
    timestreamClients ??= { write: new TimestreamWriteClient({}), query: new TimestreamQueryClient({}) };
    const database = requireEnv(env, ENV.timestreamDatabase);
    return new TimestreamTagHistory({
      writer: new TimestreamWriter({
        client: timestreamClients.write,
        database,
        logger: hooks.logger,
        ...(hooks.onReport ? { onReport: hooks.onReport } : {}),
      }),
      queryClient: timestreamClients.query,
      database,
      table: TIMESTREAM_TAGS_TABLE,
      ...(hooks.onQuery ? { onQuery: hooks.onQuery } : {}),
    });
  }
  // metricStoreFromEnv refuses any other backend, and makes the AMP store for this one.
  return new PrometheusTagHistory(metricStoreFromEnv(env, hooks) as PrometheusStore);
}

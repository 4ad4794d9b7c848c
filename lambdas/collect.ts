import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { HttpPullSource } from '../src/adapters/agent/http-pull-source.js';
import { systemClock, type Clock } from '../src/domain/ports.js';
import type { IngestService } from '../src/ingest/ingest-service.js';
import type { BatchLedger } from '../src/ingest/ports.js';
import { collectFromAgent, type PullSource } from '../src/ingest/pull-collector.js';
import type { PullAgent } from '../src/domain/config/cloud.js';
import { METRICS, type CollectScheduleInput } from './shared/environment.js';
import { handlerBase, wrap } from './shared/handler.js';
import { countWhenAny } from './shared/observability.js';
import { ingestServiceFor, type IngestSinkOptions } from './shared/ingest-sink.js';

/** Asked per pull: well inside the ingest's 16 MiB once-gunzipped limit per batch. */
export const PULL_MAX_BYTES = 4 * 1024 * 1024;
/** No new pull starts with less than this left: a pull plus its writes must fit. */
const TIME_RESERVE_MS = 15_000;

export interface CollectHandlerOptions extends IngestSinkOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly ledger?: BatchLedger;
  readonly source?: (agent: PullAgent) => PullSource;
}

/**
 * The collect function: one scheduled run per agent of `aws.pull.agents`, pulling it dry through
 * the ingest use case (site from the config, idempotent per batch id) into the same sink as the
 * ingest function: the metric store, and the tag location table with `assets:`. An agent it cannot reach,
 * or a store that refuses, is logged and counted (`CollectFailed`, alarmed on), not thrown: a
 * retry of the invocation would only pull again what the next schedule pulls anyway.
 */
export function createCollectHandler(options: CollectHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const base = handlerBase('collect', env);
  const { obs } = base;
  let service: IngestService | undefined;

  return wrap(base, async (event: CollectScheduleInput, context: Context) => {
    const { config } = await base.config();
    const countFailed = (agentId: string) => {
      const failed = obs.metrics.singleMetric();
      failed.addDimension('agent', agentId);
      failed.addMetric(METRICS.collectFailed, MetricUnit.Count, 1);
    };
    const agent = config.aws?.pull?.agents.find((candidate) => candidate.id === event.agent);
    if (agent === undefined) {
      // The schedules and the config drifted: nothing to pull, and nothing a retry would fix.
      obs.port.error('collect: no such agent in aws.pull.agents', { agent: event.agent });
      countFailed(String(event.agent));
      obs.metrics.addMetric('CollectBatches', MetricUnit.Count, 0);
      return {
        agent: event.agent,
        stored: 0,
        refused: 0,
        samples: 0,
        tagEvents: 0,
        droppedTagEvents: 0,
        drained: false,
        failure: 'unknown agent',
      };
    }
    service ??= await ingestServiceFor(base, env, clock, options);
    const source =
      options.source?.(agent) ??
      new HttpPullSource({ url: agent.url, token: agent.token, maxBytes: PULL_MAX_BYTES, timeoutMs: 10_000 });
    const outcome = await collectFromAgent(
      source,
      service,
      { site: agent.site, tokenId: `pull:${agent.id}` },
      { outOfTime: () => context.getRemainingTimeInMillis() < TIME_RESERVE_MS, logger: obs.port },
    );
    obs.metrics.addMetric('CollectBatches', MetricUnit.Count, outcome.stored);
    obs.metrics.addMetric('IngestSamples', MetricUnit.Count, outcome.samples);
    countWhenAny(obs.metrics, 'IngestTagEvents', outcome.tagEvents);
    countWhenAny(obs.metrics, 'CollectRefused', outcome.refused);
    countWhenAny(obs.metrics, 'CollectDroppedTagEvents', outcome.droppedTagEvents);
    if (outcome.failure !== undefined) {
      obs.port.warn('collect: stopped early; the agent keeps what was not acknowledged', {
        agent: agent.id,
        site: agent.site,
        failure: outcome.failure,
      });
      countFailed(agent.id);
    }
    return { agent: agent.id, ...outcome };
  });
}

export const handler = createCollectHandler();

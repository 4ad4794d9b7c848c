import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { secretsManagerReader } from '../../src/adapters/aws/secrets-manager.js';
import { configLoader, type LoadedConfig } from './config.js';
import { observability, type Observability } from './observability.js';

/** What every handler gets: its logger and metrics, and the config loader (secrets resolved, cached). */
export interface HandlerBase {
  readonly env: NodeJS.ProcessEnv;
  readonly obs: Observability;
  /** Loads (once per secret value) and tells the logger which values to scrub. */
  config(): Promise<LoadedConfig>;
}

export function handlerBase(functionName: string, env: NodeJS.ProcessEnv): HandlerBase {
  const obs = observability(functionName);
  let client: SecretsManagerClient | undefined;
  const load = configLoader({
    env,
    secrets: (prefix, imported) => secretsManagerReader(prefix, (client ??= new SecretsManagerClient({})), imported),
  });
  return {
    env,
    obs,
    async config() {
      const loaded = await load();
      obs.setSecrets(loaded.secretValues);
      return loaded;
    },
  };
}

/**
 * The middy chain every function shares: Powertools Logger with the Lambda context (cold start,
 * request id) and Metrics flushed as EMF after each invocation.
 */
export function wrap<Event, Result>(
  base: HandlerBase,
  handler: (event: Event, context: Context) => Promise<Result>,
): middy.MiddyfiedHandler<Event, Result, Error, Context> {
  return middy<Event, Result, Error, Context>(handler)
    .use(injectLambdaContext(base.obs.logger))
    .use(flushMetrics(base.obs.metrics));
}

/**
 * Flushes the invocation's EMF document, or nothing when it has no counts: most counts are sent
 * only when they are not zero (countWhenAny), and Powertools' own middleware would log a warning
 * for every empty invocation. No ColdStart metric: it would be one more billed metric per function,
 * and every log line already says `cold_start` (README: Logs Insights queries).
 */
function flushMetrics(metrics: Metrics): middy.MiddlewareObj {
  const flush = () => {
    if (metrics.hasStoredMetrics()) {
      metrics.publishStoredMetrics();
    } else {
      metrics.clearDimensions();
      metrics.clearMetadata();
    }
  };
  return { after: flush, onError: flush };
}

import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
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
 * request id) and Metrics flushed as EMF after each invocation, with a cold-start metric.
 */
export function wrap<Event, Result>(
  base: HandlerBase,
  handler: (event: Event, context: Context) => Promise<Result>,
): middy.MiddyfiedHandler<Event, Result, Error, Context> {
  return middy<Event, Result, Error, Context>(handler)
    .use(injectLambdaContext(base.obs.logger))
    .use(logMetrics(base.obs.metrics, { captureColdStartMetric: true }));
}

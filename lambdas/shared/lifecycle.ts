import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoAlertHistory } from '../../src/adapters/aws/dynamodb-alert-history.js';
import { DynamoLifecycleStore } from '../../src/adapters/aws/dynamodb-lifecycle.js';
import { DynamoOnCallStore } from '../../src/adapters/aws/dynamodb-oncall.js';
import type { Clock } from '../../src/domain/ports.js';
import { OnCallService } from '../../src/services/oncall.js';
import type { DeploymentConfig } from '../../src/domain/config/model.js';
import type { ActiveAck, PendingAckUpdate } from '../../src/domain/lifecycle/ack.js';
import { toSilence } from '../../src/domain/lifecycle/runtime-silence.js';
import type { Silence } from '../../src/domain/silences.js';
import type { AckLinkSettings } from '../../src/runtime/ack-routes.js';
import { requireEnv } from './config.js';
import { ENV } from './environment.js';

export function lifecycleStoreFromEnv(
  env: NodeJS.ProcessEnv,
  client: Pick<DynamoDBClient, 'send'>,
  config: DeploymentConfig,
): DynamoLifecycleStore {
  return new DynamoLifecycleStore({
    client,
    table: requireEnv(env, ENV.lifecycleTable),
    silenceRetentionMs: config.storage.retentionMs,
  });
}

/** Alert events by site and time, in the lifecycle table: the rule function writes, the report function reads. */
export function alertHistoryFromEnv(
  env: NodeJS.ProcessEnv,
  client: Pick<DynamoDBClient, 'send'>,
  config: DeploymentConfig,
): DynamoAlertHistory {
  return new DynamoAlertHistory({
    client,
    table: requireEnv(env, ENV.lifecycleTable),
    retentionMs: config.storage.retentionMs,
    backoff: (round) => new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round)),
  });
}

/** On-call schedules (seeded from the config) and run-time overrides, in the lifecycle table. */
export function oncallStoreFromEnv(
  env: NodeJS.ProcessEnv,
  client: Pick<DynamoDBClient, 'send'>,
  config: DeploymentConfig,
): DynamoOnCallStore {
  return new DynamoOnCallStore({
    client,
    table: requireEnv(env, ENV.lifecycleTable),
    retentionMs: config.storage.retentionMs,
  });
}

export function oncallServiceFromEnv(
  env: NodeJS.ProcessEnv,
  client: Pick<DynamoDBClient, 'send'>,
  config: DeploymentConfig,
  clock: Clock,
  newId: () => string,
): OnCallService {
  return new OnCallService(oncallStoreFromEnv(env, client, config), config.oncall ?? [], clock, newId);
}

/**
 * What an evaluation holds alerts with, read once per invocation: the config's silences and the
 * run-time ones not ended yet (a pending one starts holding when its time comes), and the
 * current acknowledgements; with them, from the same read, the acknowledgement updates not yet
 * sent (the escalation function's sweep sends the ones left behind).
 */
export async function lifecycleHolds(
  store: DynamoLifecycleStore,
  config: DeploymentConfig,
  now: number,
): Promise<{ silences: Silence[]; acks: Map<string, ActiveAck>; pendingUpdates: PendingAckUpdate[] }> {
  const [runtime, { acks, pendingUpdates }] = await Promise.all([store.listSilences(now), store.ackSnapshot()]);
  return { silences: [...config.silences, ...runtime.map(toSilence)], acks, pendingUpdates };
}

/**
 * Acknowledge links in AWS: the key from the config (`acknowledge.link_key`, a `${NAME}` read from
 * Secrets Manager like every config secret), pointing at the stack's lifecycle API unless the
 * config names another origin (a custom domain). No key: messages carry no link.
 */
export function linkSettings(config: DeploymentConfig, env: NodeJS.ProcessEnv): AckLinkSettings | undefined {
  const ack = config.acknowledge;
  const baseUrl = ack?.linkBaseUrl ?? env[ENV.ackBaseUrl];
  if (ack?.linkKey === undefined || baseUrl === undefined || baseUrl === '') return undefined;
  return { key: ack.linkKey, baseUrl, ttlMs: ack.linkTtlMs };
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishBatchCommand, SNSClient, type PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { QueryCommand, TimestreamQueryClient, InternalServerException } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProbeHandler } from '../../lambdas/probe.js';
import { createRuleHandler } from '../../lambdas/rule.js';
import { DynamoAlertStateStore } from '../../src/adapters/aws/dynamodb-state.js';
import { closedPort } from '../support/closed-port.js';
import { ALERT_STATE_TABLE, createTable, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { FakeTimestream } from './fake-timestream.js';
import { emfOf, logsOf, outputOf } from './lambda-output.js';
import { bundledConfig } from '../support/bundled-config.js';
import { ruleFunctionEnv } from '../support/rule-function-env.js';

/**
 * The rule function while its metric store fails. Cycle 1 fires two rules on a down portal; then
 * the store's query fails (Timestream answers 500 at the SDK boundary; AMP answers 503 over HTTP).
 * What must hold: nothing is resolved that was not seen to recover, the `on_error` policies decide
 * (default `error` → an error event; `keep_last` → silence, the alert stays firing), the failure is
 * logged and counted (RuleQueryFailures), and the invocation itself completes — a Scheduler retry
 * would only hit the same outage, and the stalled-group alarm must keep meaning "did not run".
 */

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const HOOK_TOKEN = 'hook-secret-token-5150';
const write = mockClient(TimestreamWriteClient);
const query = mockClient(TimestreamQueryClient);
const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
const timestream = new FakeTimestream();
const published: PublishBatchRequestEntry[] = [];
let now = T0;
const clock = { now: () => now };
let dir: string;
let ddb: DynamoLocal;
let env: NodeJS.ProcessEnv;
const saved = { ...process.env };

const context = {
  functionName: 'pflow-rule-test',
  awsRequestId: 'req-rule-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const rule = (id: string, onError?: string) => ({
  id,
  name: id,
  severity: 'critical',
  measure: 'success',
  matchers: ['probe="portal"'],
  window: '2m',
  reducer: 'last',
  threshold: { op: '<', value: 1 },
  ...(onError ? { on_error: onError } : {}),
});

beforeAll(async () => {
  ddb = await startDynamoLocal();
  dir = mkdtempSync(join(tmpdir(), 'pflow-rule-'));
  const document = {
    version: 1,
    sites: [{ id: 'site-a', timezone: 'UTC' }],
    probes: [
      {
        id: 'portal',
        site: 'site-a',
        kind: 'http',
        target: `http://127.0.0.1:${await closedPort()}/`,
        interval: '1m',
        timeout: '2s',
      },
    ],
    rule_groups: [
      { name: 'availability', interval: '1m', rules: [rule('portal-down'), rule('portal-down-keep', 'keep_last')] },
    ],
    channels: [{ id: 'hook', kind: 'webhook', webhook: { url: '${HOOK_URL}' } }],
    routes: [{ channels: ['hook'] }],
  };
  writeFileSync(join(dir, 'pflow-config.json'), bundledConfig(document));
  // The same with the opt-in per-group dimensions.
  writeFileSync(
    join(dir, 'pflow-config-detailed.json'),
    bundledConfig({ ...document, aws: { detailed_metrics: true } }),
  );
  env = ruleFunctionEnv(dir, ddb.endpoint);
  Object.assign(process.env, env);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: `https://hooks.example.org/${HOOK_TOKEN}` });
  write.on(WriteRecordsCommand).callsFake((input) => timestream.write(input));
  sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => {
    published.push(...input.PublishBatchRequestEntries);
    return { Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id })), Failed: [] };
  });
});

afterEach(() => vi.unstubAllGlobals());

afterAll(async () => {
  for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
  for (const mock of [write, query, sns, secrets]) mock.restore();
  await ddb.close();
  rmSync(dir, { recursive: true, force: true });
});

const events = (entries: readonly PublishBatchRequestEntry[]) =>
  entries.map((entry) => {
    const event = JSON.parse(entry.Message!) as { rule: { id: string }; state: string; previousState: string };
    return [event.rule.id, event.previousState, event.state];
  });

async function storedStates(): Promise<Record<string, string>> {
  const store = new DynamoAlertStateStore({
    client: ddb.client,
    table: ALERT_STATE_TABLE,
    groupOf: () => 'availability',
  });
  const states = await store.loadStates('site-a', ['portal-down', 'portal-down-keep']);
  return Object.fromEntries([...states.values()].map((state) => [state.ruleId, state.state]));
}

describe('rule function with a failing metric store', () => {
  it('applies each rule’s on_error, resolves nothing, logs and counts the failure, and completes the cycle', async () => {
    query.on(QueryCommand).callsFake((input: { QueryString: string }) => timestream.query(input.QueryString));
    const probe = createProbeHandler({ env, clock });
    const timestreamRule = createRuleHandler({ env, clock });

    // Cycle 1: the portal is down (connection refused) and the store answers: both rules fire.
    await probe({ site: 'site-a', probeIds: ['portal'] }, context);
    now += 1_000;
    await timestreamRule({ site: 'site-a', group: 'availability' }, context);
    expect(events(published)).toEqual([
      ['portal-down', 'ok', 'firing'],
      ['portal-down-keep', 'ok', 'firing'],
    ]);
    expect(await storedStates()).toEqual({ 'portal-down': 'firing', 'portal-down-keep': 'firing' });

    // Cycle 2: Timestream answers 500 (the SDK's retries are its middleware, below this boundary).
    now += 60_000;
    query.reset();
    query
      .on(QueryCommand)
      .rejects(
        new InternalServerException({ message: 'Timestream is having a bad day', $metadata: { httpStatusCode: 500 } }),
      );
    published.length = 0;
    const outage = await outputOf(async () => {
      const report = await timestreamRule({ site: 'site-a', group: 'availability' }, context);
      expect(report).toMatchObject({ site: 'site-a', group: 'availability', queries: 1, failedQueries: 1 });
    });
    expect(query.commandCalls(QueryCommand)).toHaveLength(1);
    // on_error: error → one error event; keep_last → nothing; no rule is resolved by an outage.
    expect(events(published)).toEqual([['portal-down', 'firing', 'error']]);
    expect(await storedStates()).toEqual({ 'portal-down': 'error', 'portal-down-keep': 'firing' });

    const failure = logsOf(outage.lines).find((line) => line.message === 'rule group fetch failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      service: 'pflow-rule',
      function_request_id: 'req-rule-1',
      group: 'availability',
      table: 'probes',
      error: expect.stringContaining('Timestream is having a bad day'),
    });
    expect(outage.raw).not.toContain(HOOK_TOKEN);
    const emf = emfOf(outage.lines);
    const cycle = emf.find((doc) => 'RuleQueryFailures' in doc)!;
    expect(cycle).toMatchObject({
      service: 'pflow-rule',
      site: 'site-a',
      group: 'availability',
      RuleQueries: 1,
      RuleQueryFailures: 1,
    });
    // Per service: the site and group are properties of the line (Logs Insights), not dimensions;
    // the conflict count, 0, is not sent at all.
    expect(cycle._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
    expect(cycle).not.toHaveProperty('RuleConflicts');
    expect(cycle._aws.CloudWatchMetrics[0]!.Metrics.map((metric) => metric.Name)).toEqual([
      'RuleCycleDurationMs',
      'RuleQueries',
      'RuleQueryFailures',
    ]);
    // The error event the cycle published is a log line, not a metric.
    expect(logsOf(outage.lines).find((line) => line.message === 'alert events published')).toMatchObject({
      level: 'INFO',
      site: 'site-a',
      group: 'availability',
      notifications: 1,
    });
    // The cycle ran to its end, so the stalled-group alarm stays quiet: it is for a group that did not run.
    const completed = emf.find((doc) => 'RuleGroupCompleted' in doc)!;
    expect(completed).toMatchObject({
      service: 'pflow-rule',
      site: 'site-a',
      group: 'availability',
      RuleGroupCompleted: 1,
    });
    expect(completed._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'site', 'group']]);

    // Cycle 3: the store is back and the portal still down: the errored rule fires again, the
    // kept one stays firing without a second notification.
    now += 60_000;
    query.reset();
    query.on(QueryCommand).callsFake((input: { QueryString: string }) => timestream.query(input.QueryString));
    await probe({ site: 'site-a', probeIds: ['portal'] }, context);
    published.length = 0;
    const back = await timestreamRule({ site: 'site-a', group: 'availability' }, context);
    expect(back).toMatchObject({ failedQueries: 0 });
    expect(events(published)).toEqual([['portal-down', 'error', 'firing']]);
    expect(await storedStates()).toEqual({ 'portal-down': 'firing', 'portal-down-keep': 'firing' });
  });

  it('does the same when AMP answers 503 (Prometheus query API over signed HTTP)', async () => {
    // The states from the first test are firing/firing; AMP has no local stand-in, so its HTTP is
    // answered at fetch, the boundary the adapter signs and sends through.
    // Only the query API fails: the history write's retries would back off in real time here.
    const requests: string[] = [];
    vi.stubGlobal('fetch', async (url: URL | string) => {
      requests.push(String(url));
      if (!String(url).endsWith('/api/v1/query')) return new Response(null, { status: 204 });
      return new Response('{"status":"error","errorType":"unavailable","error":"overloaded"}', { status: 503 });
    });
    const ampRule = createRuleHandler({
      env: {
        ...env,
        PFLOW_METRICS_BACKEND: 'amp',
        PFLOW_AMP_WORKSPACE_URL: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/',
      },
      clock,
    });
    now += 60_000;
    published.length = 0;
    const outage = await outputOf(async () => {
      const report = await ampRule({ site: 'site-a', group: 'availability' }, context);
      expect(report).toMatchObject({ failedQueries: 1 });
    });
    // One query for the probes table, not retried within the cycle; then the error event's history.
    expect(requests).toEqual([
      'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/query',
      'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write',
    ]);
    expect(events(published)).toEqual([['portal-down', 'firing', 'error']]);
    expect(await storedStates()).toEqual({ 'portal-down': 'error', 'portal-down-keep': 'firing' });
    expect(logsOf(outage.lines).find((line) => line.message === 'rule group fetch failed')).toMatchObject({
      level: 'ERROR',
      error: expect.stringContaining('503'),
    });
    expect(emfOf(outage.lines).find((doc) => 'RuleQueryFailures' in doc)).toMatchObject({ RuleQueryFailures: 1 });
  });
});

describe('rule function when the lifecycle table refuses the alert history', () => {
  it('still notifies and writes the metric store history, and logs and counts the lost write', async () => {
    // A lifecycle table whose sort key is a number: silences and acknowledgements (pk-only queries)
    // read fine, but every history item (a string sort key) is refused by DynamoDB.
    const table = 'pflow-lifecycle-numeric-sk';
    await createTable(ddb.client, table, { pk: 'S', sk: 'N' });
    query.reset();
    query.on(QueryCommand).callsFake((input: { QueryString: string }) => timestream.query(input.QueryString));
    const probe = createProbeHandler({ env, clock });
    const refusing = createRuleHandler({ env: { ...env, PFLOW_LIFECYCLE_TABLE: table }, clock });
    // The portal is still down and the store answers again: the errored rule fires (a state change).
    now += 60_000;
    await probe({ site: 'site-a', probeIds: ['portal'] }, context);
    now += 1_000;
    published.length = 0;
    const alertsBefore = (timestream.tables.get('alerts') ?? []).length;
    const output = await outputOf(async () => {
      await refusing({ site: 'site-a', group: 'availability' }, context);
    });

    expect(events(published)).toEqual([['portal-down', 'error', 'firing']]);
    expect((timestream.tables.get('alerts') ?? []).length).toBe(alertsBefore + 1);
    expect(
      logsOf(output.lines).find(
        (line) => line.message === 'alert history not written; notifications go out regardless',
      ),
    ).toMatchObject({
      level: 'ERROR',
      store: 'lifecycle table',
      site: 'site-a',
      group: 'availability',
      events: 1,
    });
    expect(emfOf(output.lines).find((doc) => 'AlertHistoryWriteFailed' in doc)).toMatchObject({
      AlertHistoryWriteFailed: 1,
    });
  });
});

describe('rule function with aws.detailed_metrics', () => {
  it('sends the cycle counts per service and per group, the site still a property', async () => {
    query.reset();
    query.on(QueryCommand).callsFake((input: { QueryString: string }) => timestream.query(input.QueryString));
    const detailed = createRuleHandler({ env: { ...env, PFLOW_CONFIG_FILE: 'pflow-config-detailed.json' }, clock });
    now += 60_000;
    const output = await outputOf(async () => {
      await detailed({ site: 'site-a', group: 'availability' }, context);
    });
    const cycle = emfOf(output.lines).find((doc) => 'RuleCycleDurationMs' in doc)!;
    // {service} for the alarms and the default view, {service, group} for the breakdown.
    expect(cycle._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service'], ['service', 'group']]);
    expect(cycle).toMatchObject({ service: 'pflow-rule', site: 'site-a', group: 'availability', RuleQueries: 1 });
    // Nothing said about a key in two places (Powertools warns when a property and a dimension share a name).
    expect(output.raw).not.toContain('EMF key');
  });
});

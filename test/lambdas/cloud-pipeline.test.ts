import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishBatchCommand, SNSClient, type PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverHandler } from '../../lambdas/deliver.js';
import { createProbeHandler } from '../../lambdas/probe.js';
import { createRuleHandler } from '../../lambdas/rule.js';
import { SERVICES } from '../../lambdas/shared/environment.js';
import { DynamoAlertHistory } from '../../src/adapters/aws/dynamodb-alert-history.js';
import {
  ALERT_STATE_TABLE,
  LIFECYCLE_TABLE,
  NOTIFICATION_LOG_TABLE,
  startDynamoLocal,
  type DynamoLocal,
} from '../support/dynamodb-local.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';
import { FakeTimestream } from './fake-timestream.js';
import { bundledConfig } from '../support/bundled-config.js';

/**
 * The whole cloud pipeline in one process, on the local runtime's end-to-end scenario (a loopback
 * portal goes down, fires, comes back, resolves): probe handler → Timestream (answered from what
 * was written) → rule handler with DynamoDB state on dynalite → the captured SNS publish, filtered
 * by the channel queue's policy into an SQS event → channel handler → a webhook receiver on loopback.
 * Time is a manual clock, one Scheduler minute per cycle.
 */

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/pflow-hook-dlq';
const write = mockClient(TimestreamWriteClient);
const query = mockClient(TimestreamQueryClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);

let dir: string;
let ddb: DynamoLocal;
let receiver: HttpReceiver;
let target: Server;
let targetUp = true;
const timestream = new FakeTimestream();
const published: PublishBatchRequestEntry[] = [];
let now = T0;
const clock = { now: () => now };

function context(remainingMs = 60_000): Context {
  return {
    functionName: 'pflow-test',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

/** What the channel queue receives: the messages whose `channels` attribute names it (its filter policy). */
function sqsEventFor(channel: string, entries: readonly PublishBatchRequestEntry[], receiveCount = 1): SQSEvent {
  return {
    Records: entries
      .filter((entry) =>
        (JSON.parse(entry.MessageAttributes?.channels?.StringValue ?? '[]') as string[]).includes(channel),
      )
      .map((entry, index) => ({
        messageId: `m-${entry.Id}-${index}`,
        receiptHandle: `rh-${index}`,
        body: entry.Message!,
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: String(now),
          SenderId: 'sns',
          ApproximateFirstReceiveTimestamp: String(now),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:pflow-hook',
        awsRegion: 'eu-west-1',
      })),
  };
}

beforeAll(async () => {
  ddb = await startDynamoLocal();
  receiver = await startHttpReceiver();
  target = createServer((_request, response) => {
    response.statusCode = targetUp ? 200 : 503;
    response.setHeader('connection', 'close');
    response.end(targetUp ? 'ok' : 'down');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const port = (target.address() as AddressInfo).port;

  dir = mkdtempSync(join(tmpdir(), 'pflow-cloud-'));
  // The document as the stack bundles it: JSON, the `${NAME}` left for Secrets Manager.
  writeFileSync(
    join(dir, 'pflow-config.json'),
    bundledConfig({
      version: 1,
      sites: [{ id: 'site-e2e', timezone: 'Europe/Amsterdam' }],
      probes: [
        {
          id: 'e2e-portal',
          site: 'site-e2e',
          kind: 'http',
          target: `http://127.0.0.1:${port}/health`,
          interval: '1m',
          timeout: '2s',
        },
      ],
      rule_groups: [
        {
          name: 'availability',
          interval: '1m',
          rules: [
            {
              id: 'e2e-portal-down',
              name: 'E2E portal down',
              severity: 'critical',
              measure: 'success',
              matchers: ['probe="e2e-portal"'],
              window: '2m',
              reducer: 'last',
              threshold: { op: '<', value: 1 },
              annotations: { summary: 'The portal answers {{ $value }}' },
            },
          ],
        },
      ],
      channels: [{ id: 'hook', kind: 'webhook', webhook: { url: '${HOOK_URL}' } }],
      routes: [{ channels: ['hook'] }],
    }),
  );

  write.on(WriteRecordsCommand).callsFake((input) => timestream.write(input));
  query.on(QueryCommand).callsFake((input: { QueryString: string }) => timestream.query(input.QueryString));
  sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => {
    published.push(...input.PublishBatchRequestEntries);
    return { Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id })), Failed: [] };
  });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  secrets
    .on(GetSecretValueCommand, { SecretId: 'pflow/HOOK_URL' })
    .resolves({ SecretString: receiver.urlFor('/hooks/secret-token-123456') });
});

afterAll(async () => {
  for (const mock of [write, query, sns, sqs, secrets]) mock.restore();
  await ddb?.close();
  await receiver?.close();
  target?.closeAllConnections();
  await new Promise((resolve) => target?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('the cloud pipeline in one process', () => {
  it('fires when the target goes down and resolves when it comes back, once per channel', async () => {
    const env = {
      LAMBDA_TASK_ROOT: dir,
      PFLOW_CONFIG_FILE: 'pflow-config.json',
      PFLOW_SECRETS_PREFIX: 'pflow/',
      PFLOW_METRICS_BACKEND: 'timestream',
      PFLOW_TIMESTREAM_DATABASE: 'pflow',
      PFLOW_ALERT_STATE_TABLE: ALERT_STATE_TABLE,
      PFLOW_LIFECYCLE_TABLE: LIFECYCLE_TABLE,
      PFLOW_NOTIFICATION_LOG_TABLE: NOTIFICATION_LOG_TABLE,
      PFLOW_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:pflow-alerts',
      PFLOW_CHANNEL_ID: 'hook',
      PFLOW_DEAD_LETTER_QUEUE_URL: DLQ,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    };
    const saved = { ...process.env };
    Object.assign(process.env, env); // the SDK clients read region, credentials and the DynamoDB endpoint here
    try {
      // Each function as the stack names it: each loader reads only its own part's secrets.
      const probe = createProbeHandler({ env: { ...env, POWERTOOLS_SERVICE_NAME: SERVICES.probe }, clock });
      const rule = createRuleHandler({ env: { ...env, POWERTOOLS_SERVICE_NAME: SERVICES.rule }, clock });
      const deliver = createDeliverHandler({ env: { ...env, POWERTOOLS_SERVICE_NAME: SERVICES.deliver }, clock });
      const secretReads = () => secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);

      const cycle = async () => {
        const readsBefore = secretReads().length;
        await probe({ site: 'site-e2e', probeIds: ['e2e-portal'] }, context());
        now += 1_000;
        const before = published.length;
        const requestsBefore = ddb.requests.length;
        const report = await rule({ site: 'site-e2e', group: 'availability' }, context());
        // The cycle's state reads, counted where dynalite receives them: one Query for the group.
        expect(
          ddb.requests
            .slice(requestsBefore)
            .filter((request) => request.table === ALERT_STATE_TABLE && request.operation === 'Query'),
        ).toHaveLength(1);
        const fresh = published.slice(before);
        // The webhook's URL is the hook channel's: neither the probe nor the rule function reads it.
        expect(secretReads()).toHaveLength(readsBefore);
        const response = await deliver(sqsEventFor('hook', fresh), context());
        expect(response.batchItemFailures).toEqual([]);
        now += 59_000;
        return { report, fresh };
      };

      const up = await cycle();
      expect(secretReads()).toContain('pflow/HOOK_URL');
      expect(up.report).toMatchObject({ queries: 1, notifications: 0, conflicts: 0 });
      // One statement per table per site per cycle, scoped to the site.
      expect(timestream.statements.at(-1)).toMatch(/FROM "pflow"\."probes" WHERE .* AND site IN \('site-e2e'\)/);

      targetUp = false;
      const down = await cycle();
      expect(down.fresh).toHaveLength(1);
      expect(down.fresh[0]!.MessageAttributes).toMatchObject({
        site: { DataType: 'String', StringValue: 'site-e2e' },
        severity: { DataType: 'String', StringValue: 'critical' },
        state: { DataType: 'String', StringValue: 'firing' },
        rule: { DataType: 'String', StringValue: 'e2e-portal-down' },
        channels: { DataType: 'String.Array', StringValue: '["hook"]' },
      });
      await receiver.waitForRequests(1);
      const firing = receiver.requests[0]!.json as { events?: unknown[] } & Record<string, unknown>;
      expect(JSON.stringify(firing)).toContain('e2e-portal-down');
      expect(receiver.requests[0]!.path).toBe('/hooks/secret-token-123456');

      // SQS redelivers the same message (at least once): the notification log keeps it to one send.
      const again = await deliver(sqsEventFor('hook', down.fresh, 2), context());
      expect(again.batchItemFailures).toEqual([]);
      expect(receiver.requests).toHaveLength(1);

      const stillDown = await cycle();
      expect(stillDown.fresh).toEqual([]);
      // The firing instance is kept in the site's partition of its group, under its instance key.
      const { Items = [] } = await ddb.client.send(new ScanCommand({ TableName: ALERT_STATE_TABLE }));
      expect(Items.map((item) => [item.siteGroup?.S, item.instanceKey?.S?.split('/')[0], item.ruleId?.S])).toEqual([
        ['site-e2e/availability', 'e2e-portal-down', 'e2e-portal-down'],
      ]);

      targetUp = true;
      const back = await cycle();
      expect(back.fresh.map((entry) => entry.MessageAttributes?.state?.StringValue)).toEqual(['resolved']);
      await receiver.waitForRequests(2);
      expect(receiver.requests).toHaveLength(2);
      expect(JSON.stringify(receiver.requests[1]!.json)).toContain('resolved');

      // History went to the alerts table; nothing was dead-lettered.
      expect(
        (timestream.tables.get('alerts') ?? []).map((r) => r.MeasureValues?.find((m) => m.Name === 'state')?.Value),
      ).toEqual(['firing', 'resolved']);
      // …and, whole, to the site's history in the lifecycle table, where the daily report reads it.
      const kept = await new DynamoAlertHistory({ client: ddb.client, table: LIFECYCLE_TABLE }).alertEventsBetween(
        'site-e2e',
        T0,
        now,
      );
      expect(kept.map((event) => [event.rule.id, event.state])).toEqual([
        ['e2e-portal-down', 'firing'],
        ['e2e-portal-down', 'resolved'],
      ]);
      expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    } finally {
      for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }, 60_000);
});

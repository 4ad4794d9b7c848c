import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SNSEvent, SQSEvent } from 'aws-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishBatchCommand, PublishCommand, SNSClient, type PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverHandler } from '../../lambdas/deliver.js';
import { createMetaAlarmHandler } from '../../lambdas/meta-alarm.js';
import { createProbeHandler } from '../../lambdas/probe.js';
import { NOTIFICATION_LOG_TABLE, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';
import { alertEvent } from '../support/alert-event.js';
import { bundledConfig } from '../support/bundled-config.js';

/** Each handler driven with the event shapes AWS sends: Scheduler input, SQS batches, CloudWatch alarms via SNS. */

const write = mockClient(TimestreamWriteClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/pflow-hook-dlq';

let dir: string;
let ddb: DynamoLocal;
let receiver: HttpReceiver;
let hanging: Server;
const sockets: Socket[] = [];
let env: NodeJS.ProcessEnv;
const saved = { ...process.env };

const context = (remainingMs = 60_000) =>
  ({
    functionName: 'pflow-test',
    awsRequestId: 'req',
    getRemainingTimeInMillis: () => remainingMs,
  }) as unknown as Context;

function sqsEvent(bodies: string[], receiveCount = 1): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `m${index}`,
      receiptHandle: `rh${index}`,
      body,
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: '1',
        SenderId: 'sns',
        ApproximateFirstReceiveTimestamp: '1',
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
  hanging = createServer((socket) => sockets.push(socket)); // accepts, never answers
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  const port = (hanging.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'pflow-handlers-'));
  writeFileSync(
    join(dir, 'pflow-config.json'),
    bundledConfig({
      version: 1,
      sites: [{ id: 'site-a', timezone: 'UTC' }],
      probes: Array.from({ length: 20 }, (_, i) => ({
        id: `hang-${i}`,
        site: 'site-a',
        kind: 'http',
        target: `http://127.0.0.1:${port}/`,
        interval: '1m',
        timeout: '30s',
      })),
      channels: [
        { id: 'hook', kind: 'webhook', webhook: { url: '${HOOK_URL}' } },
        { id: 'mail', kind: 'console' },
        { id: 'drop', kind: 'console' },
        { id: 'pager', kind: 'sns', sns: {} },
      ],
      routes: [{ channels: ['hook'] }],
      delivery: { max_attempts: 3 },
      aws: {},
    }),
  );
  env = {
    LAMBDA_TASK_ROOT: dir,
    PFLOW_SECRETS_PREFIX: 'pflow/',
    PFLOW_TIMESTREAM_DATABASE: 'pflow',
    PFLOW_NOTIFICATION_LOG_TABLE: NOTIFICATION_LOG_TABLE,
    PFLOW_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:pflow-alerts',
    PFLOW_CHANNEL_ID: 'hook',
    PFLOW_DEAD_LETTER_QUEUE_URL: DLQ,
    PFLOW_DEAD_LETTER_QUEUES: JSON.stringify({ 'pflow-hook-dlq': 'hook' }),
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
  };
  Object.assign(process.env, env);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: receiver.urlFor('/hooks/secret-token-abcdef') });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq' });
  write.on(WriteRecordsCommand).resolves({});
});

afterAll(async () => {
  for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
  for (const mock of [write, sns, sqs, secrets]) mock.restore();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => hanging.close(resolve));
  await receiver.close();
  await ddb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('probe handler (Scheduler input)', () => {
  it('writes every result well inside its timeout when every target hangs', async () => {
    const probe = createProbeHandler({ env, deadlineMarginMs: 1_000 });
    const started = Date.now();
    const summary = await probe(
      { site: 'site-a', probeIds: [...Array.from({ length: 20 }, (_, i) => `hang-${i}`), 'gone'] },
      context(2_500),
    );
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(summary).toEqual({ site: 'site-a', probes: 20, failed: 20, cut: 20, unknown: ['gone'] });
    const records = write.commandCalls(WriteRecordsCommand).flatMap((call) => call.args[0].input.Records ?? []);
    expect(records).toHaveLength(20);
    expect(records[0]!.MeasureValues).toContainEqual({ Name: 'failure_reason', Value: 'timeout', Type: 'VARCHAR' });
  });

  it('refuses a malformed Scheduler input, naming the field', async () => {
    const probe = createProbeHandler({ env });
    await expect(probe({ site: 'site-a' } as never, context())).rejects.toThrow(
      /probe input must be \{site, probeIds\[\]\}: probeIds/,
    );
  });
});

describe('deliver handler (SQS batch)', () => {
  it('dead-letters malformed and permanently failing messages at once, retries the transient ones', async () => {
    sqs.resetHistory();
    receiver.replyWith((request) =>
      request.body.includes('perm-')
        ? { status: 404, body: 'no such hook' }
        : request.body.includes('busy-')
          ? { status: 503 }
          : { status: 200 },
    );
    const deliver = createDeliverHandler({ env });
    const response = await deliver(
      sqsEvent([
        '{not json',
        JSON.stringify(alertEvent({ id: 'ok-1' })),
        JSON.stringify(alertEvent({ id: 'perm-1' })),
        JSON.stringify(alertEvent({ id: 'busy-1' })),
      ]),
      context(),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm3' }]);
    const dead = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(dead.map((input) => [input.QueueUrl, input.MessageAttributes?.pflow_reason?.StringValue])).toEqual(
      expect.arrayContaining([
        [DLQ, 'malformed: not JSON (9 bytes)'],
        [DLQ, expect.stringMatching(/^http_404: HTTP 404: no such hook/)],
      ]),
    );
    expect(JSON.stringify(dead)).not.toContain('secret-token-abcdef');

    // The last allowed receive of a still-failing message goes to the dead-letter queue with its reason.
    sqs.resetHistory();
    const last = await deliver(sqsEvent([JSON.stringify(alertEvent({ id: 'busy-1' }))], 3), context());
    expect(last.batchItemFailures).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageAttributes?.pflow_attempts?.StringValue).toBe(
      '3',
    );
  });
});

describe('deliver handler for an sns channel without topic_arn', () => {
  it('publishes to the topic the stack made for it (PFLOW_CHANNEL_TOPIC_ARN), and names the variable when it is missing', async () => {
    sns.resetHistory();
    sns.on(PublishCommand).resolves({ MessageId: 'sms-1' });
    const topic = 'arn:aws:sns:eu-west-1:123456789012:pflow-pager';
    const deliver = createDeliverHandler({
      env: { ...env, PFLOW_CHANNEL_ID: 'pager', PFLOW_CHANNEL_TOPIC_ARN: topic },
    });
    const response = await deliver(sqsEvent([JSON.stringify(alertEvent({ id: 'sms-evt-1' }))]), context());
    expect(response.batchItemFailures).toEqual([]);
    const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ TopicArn: topic, Subject: expect.any(String), Message: expect.any(String) });

    await expect(
      createDeliverHandler({ env: { ...env, PFLOW_CHANNEL_ID: 'pager' } })(
        sqsEvent([JSON.stringify(alertEvent({ id: 'sms-evt-2' }))]),
        context(),
      ),
    ).rejects.toThrow(/PFLOW_CHANNEL_TOPIC_ARN/);
  });
});

describe('meta-alarm handler (CloudWatch alarm via SNS)', () => {
  const alarm = (message: Record<string, unknown>): SNSEvent => ({
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:pflow-alarms:sub',
        Sns: {
          Type: 'Notification',
          MessageId: 'n1',
          TopicArn: 'arn:aws:sns:eu-west-1:123456789012:pflow-alarms',
          Subject: 'ALARM',
          Message: JSON.stringify(message),
          Timestamp: '2026-12-01T08:00:00.000Z',
          SignatureVersion: '1',
          Signature: '',
          SigningCertUrl: '',
          UnsubscribeUrl: '',
          MessageAttributes: {},
        },
      },
    ],
  });

  it('turns a dead-letter depth alarm into pflow-delivery-failed, kept off the failing channel', async () => {
    const entries: PublishBatchRequestEntry[] = [];
    sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => {
      entries.push(...input.PublishBatchRequestEntries);
      return { Failed: [] };
    });
    const handler = createMetaAlarmHandler({ env });
    const result = await handler(
      alarm({
        AlarmName: 'pflow-hook-dead-letters',
        NewStateValue: 'ALARM',
        OldStateValue: 'OK',
        NewStateReason:
          'Threshold Crossed: 1 datapoint [2.0 (01/12/26 07:59:00)] was greater than or equal to the threshold (1.0).',
        StateChangeTime: '2026-12-01T08:00:00.000+0000',
        Trigger: {
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Namespace: 'AWS/SQS',
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          Threshold: 1,
          Dimensions: [{ name: 'QueueName', value: 'pflow-hook-dlq' }],
        },
      }),
      context(),
    );
    expect(result).toEqual({ published: 1, ignored: 0 });
    const event = JSON.parse(entries[0]!.Message!);
    expect(event).toMatchObject({
      site: 'pflow',
      rule: { id: 'pflow-delivery-failed' },
      state: 'firing',
      value: 2,
      threshold: { op: '>=', value: 1 },
      labels: { channel: 'hook', queue: 'pflow-hook-dlq' },
      evaluatedAt: '2026-12-01T08:00:00.000Z',
    });
    // The only route names the failing channel, so every other channel hears of it.
    expect(entries[0]!.MessageAttributes?.channels).toEqual({
      DataType: 'String.Array',
      StringValue: '["mail","drop","pager"]',
    });
  });

  it('maps any other alarm to an ordinary alert that resolves on OK, and ignores what is not an alarm', async () => {
    const entries: PublishBatchRequestEntry[] = [];
    sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => {
      entries.push(...input.PublishBatchRequestEntries);
      return { Failed: [] };
    });
    const handler = createMetaAlarmHandler({ env });
    await handler(
      alarm({
        AlarmName: 'Probe function errors',
        NewStateValue: 'OK',
        OldStateValue: 'ALARM',
        StateChangeTime: '2026-12-01T09:00:00.000+0000',
      }),
      context(),
    );
    expect(JSON.parse(entries[0]!.Message!)).toMatchObject({
      rule: { id: 'pflow-meta-probe-function-errors', name: 'Probe function errors', severity: 'major' },
      state: 'resolved',
      previousState: 'firing',
    });
    expect(await handler(alarm({ hello: 'world' }), context())).toEqual({ published: 0, ignored: 1 });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDeliverHandler } from '../../lambdas/deliver.js';
import { createReportHandler } from '../../lambdas/report.js';
import { TimestreamStore } from '../../src/adapters/aws/timestream-store.js';
import type { ProbeResult } from '../../src/domain/probe-result.js';
import type { DailyDigest } from '../../src/domain/report/digest.js';
import { REPORT_MESSAGE_SCHEMA, type ReportMessage } from '../../src/domain/report/message.js';
import { DynamoAlertHistory } from '../../src/adapters/aws/dynamodb-alert-history.js';
import { DynamoLifecycleStore } from '../../src/adapters/aws/dynamodb-lifecycle.js';
import { alertEvent } from '../support/alert-event.js';
import {
  LIFECYCLE_TABLE,
  NOTIFICATION_LOG_TABLE,
  startDynamoLocal,
  type DynamoLocal,
} from '../support/dynamodb-local.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';
import { captureLogger } from '../support/logger.js';
import { FakeTimestream } from './fake-timestream.js';
import { emfOf, outputOf } from './lambda-output.js';
import { bundledConfig } from '../support/bundled-config.js';

/**
 * The daily report in AWS, end to end at the AWS boundaries: probe results written through the
 * Timestream adapter (answered by the fake), the report function invoked as Scheduler invokes it,
 * the SNS publish asserted exactly, and that message handed to the Slack channel's deliver
 * function — real Slack webhook receiver and notification log (dynalite) on loopback — which
 * renders it as the local report does, once, however often the queue delivers it.
 */

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:pflow-alerts';
const HOOK_SECRET = 'T1/B1/slack-token-7431';
const write = mockClient(TimestreamWriteClient);
const query = mockClient(TimestreamQueryClient);
const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
const timestream = new FakeTimestream();
const published: PublishCommandInput[] = [];
const context = {
  functionName: 'pflow-report',
  awsRequestId: 'req-report-1',
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;
let dir: string;
let ddb: DynamoLocal;
let slack: HttpReceiver;
let env: NodeJS.ProcessEnv;
const saved = { ...process.env };
const clock = { now: () => Date.parse('2026-12-02T09:00:00Z') };

function result(probe: string, time: number, success: boolean, durationMs: number): ProbeResult {
  return {
    site: 'site-a',
    probe,
    kind: 'http',
    target: `https://${probe}.example/`,
    labels: {},
    time,
    success,
    durationMs,
    phases: {},
    ...(success ? { statusCode: 200 } : { failure: { reason: 'status_mismatch', message: 'HTTP 503' } }),
  };
}

beforeAll(async () => {
  ddb = await startDynamoLocal();
  slack = await startHttpReceiver();
  dir = mkdtempSync(join(tmpdir(), 'pflow-report-'));
  writeFileSync(
    join(dir, 'pflow-config.json'),
    bundledConfig({
      version: 1,
      sites: [
        { id: 'site-a', name: 'Site A', timezone: 'Europe/Amsterdam' },
        { id: 'site-b', timezone: 'UTC' },
      ],
      probes: [
        { id: 'portal', site: 'site-a', kind: 'http', target: 'https://portal.example/' },
        { id: 'epd', site: 'site-a', kind: 'http', target: 'https://epd.example/' },
      ],
      channels: [{ id: 'ops-slack', kind: 'slack', slack: { url: '${SLACK_URL}' } }],
      routes: [{ channels: ['ops-slack'] }],
      reports: [{ id: 'morning', at: '07:00', sites: ['site-a'], channels: ['ops-slack'] }],
    }),
  );
  env = {
    LAMBDA_TASK_ROOT: dir,
    PFLOW_SECRETS_PREFIX: 'pflow/',
    PFLOW_TIMESTREAM_DATABASE: 'pflow',
    PFLOW_ALERT_TOPIC_ARN: TOPIC,
    PFLOW_CHANNEL_ID: 'ops-slack',
    PFLOW_NOTIFICATION_LOG_TABLE: NOTIFICATION_LOG_TABLE,
    PFLOW_LIFECYCLE_TABLE: LIFECYCLE_TABLE,
    PFLOW_DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/pflow-slack-dlq',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
  };
  Object.assign(process.env, env);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: slack.urlFor(`/services/${HOOK_SECRET}`) });
  write.on(WriteRecordsCommand).callsFake((input) => timestream.write(input));
  query.on(QueryCommand).callsFake((input: { QueryString: string }) => timestream.query(input.QueryString));
  sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    published.push(input);
    return { MessageId: `m-${published.length}` };
  });

  // 2026-12-01 in Amsterdam (UTC+1): the portal fails from 10:00 to 10:30 local, epd is always up.
  const store = new TimestreamStore({
    writeClient: new TimestreamWriteClient({}),
    queryClient: new TimestreamQueryClient({}),
    database: 'pflow',
    logger: captureLogger(),
  });
  const dayStart = Date.parse('2026-11-30T23:00:00Z');
  const results: ProbeResult[] = [];
  for (let t = dayStart; t < dayStart + 86_400_000; t += 300_000) {
    const down = t >= Date.parse('2026-12-01T09:00:00Z') && t < Date.parse('2026-12-01T09:30:00Z');
    results.push(result('portal', t, !down, down ? 2_000 : 120), result('epd', t, true, 450));
  }
  await store.writeProbeResults(results);
});

beforeEach(() => {
  published.length = 0;
});

afterAll(async () => {
  for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
  for (const mock of [write, query, sns, secrets, sqs]) mock.restore();
  await slack.close();
  await ddb.close();
  rmSync(dir, { recursive: true, force: true });
});

function sqsEvent(body: string, receiveCount = 1): SQSEvent {
  return {
    Records: [
      {
        messageId: 'r1',
        receiptHandle: 'rh1',
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
        eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:pflow-slack',
        awsRegion: 'eu-west-1',
      },
    ],
  };
}

describe('report function', () => {
  it('reports the local day before the scheduled time, publishes it once for the report’s channels, and Slack gets it once', async () => {
    const handler = createReportHandler({ env, clock });
    // Scheduler's 07:00 Europe/Amsterdam on 2 December is 06:00 UTC.
    const output = await outputOf(async () => {
      const answer = await handler(
        { report: 'morning', site: 'site-a', scheduledTime: '2026-12-02T06:00:00Z' },
        context,
      );
      expect(answer).toEqual({
        report: 'morning',
        site: 'site-a',
        day: '2026-12-01',
        channels: ['ops-slack'],
        messageId: 'm-1',
      });
    });

    expect(published).toHaveLength(1);
    const [publish] = published;
    expect(publish!.TopicArn).toBe(TOPIC);
    expect(publish!.MessageAttributes).toEqual({
      site: { DataType: 'String', StringValue: 'site-a' },
      report: { DataType: 'String', StringValue: 'morning' },
      channels: { DataType: 'String.Array', StringValue: '["ops-slack"]' },
    });
    const message = JSON.parse(publish!.Message!) as ReportMessage;
    expect(message.schema).toBe(REPORT_MESSAGE_SCHEMA);
    expect(message.report).toBe('morning');
    const digest: DailyDigest = message.digest;
    expect(digest.site).toEqual({ id: 'site-a', name: 'Site A', timezone: 'Europe/Amsterdam' });
    expect(digest.day).toBe('2026-12-01');
    expect(digest.window.dayStart).toBe('2026-11-30T23:00:00.000Z');
    // 288 five-minute results a probe; 6 of the portal's failed.
    expect(digest.availability.map((a) => [a.probe, a.day.results, a.day.failed])).toEqual([
      ['portal', 288, 6],
      ['epd', 288, 0],
    ]);
    expect(digest.slowest[0]?.probe).toBe('epd');

    const emf = emfOf(output.lines).find((doc) => 'ReportPublished' in doc)!;
    expect(emf).toMatchObject({ service: 'pflow-report', report: 'morning', site: 'site-a', ReportPublished: 1 });
    expect(emf._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'report', 'site']]);
    expect(emfOf(output.lines).find((doc) => 'ReportProbes' in doc)).toMatchObject({
      service: 'pflow-report',
      ReportProbes: 2,
      ReportBytes: Buffer.byteLength(publish!.Message!),
    });

    // The channel's deliver function: rendered as Slack's report, sent once across redeliveries.
    const deliver = createDeliverHandler({ env, clock });
    const first = await deliver(sqsEvent(publish!.Message!), context);
    const again = await deliver(sqsEvent(publish!.Message!, 2), context);
    expect(first).toEqual({ batchItemFailures: [] });
    expect(again).toEqual({ batchItemFailures: [] });
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]!.path).toBe(`/services/${HOOK_SECRET}`);
    const payload = slack.requests[0]!.json as { text: string; attachments: { blocks: { type: string }[] }[] };
    expect(payload.text).toBe(
      'Daily report: Site A, Tuesday 1 December 2026: Availability 98.95% today · 98.95% over 7 days · 0 alerts fired',
    );
    expect(payload.attachments[0]!.blocks[0]!.type).toBe('header');
    expect(JSON.stringify(payload)).toContain('portal');
  });

  it('lists the alerts fired with their durations and who acknowledged them, from the lifecycle table', async () => {
    // 2026-11-20 in Amsterdam (UTC+1), as the rule function and the lifecycle API wrote them.
    const event = (id: string, overrides: Parameters<typeof alertEvent>[0]) =>
      alertEvent({ id, site: 'site-a', labels: { probe: 'portal' }, ...overrides });
    const portal = { id: 'portal-down', name: 'Portal down', severity: 'critical' as const };
    const epd = { id: 'epd-slow', name: 'EPD slow', severity: 'warning' as const };
    const fp = '00000000000000aa';
    await new DynamoAlertHistory({ client: ddb.client, table: LIFECYCLE_TABLE }).write([
      event(`site-a/portal-down/${fp}/1/firing`, {
        rule: portal,
        state: 'firing',
        startsAt: '2026-11-20T08:55:00.000Z',
        evaluatedAt: '2026-11-20T09:00:00.000Z',
        annotations: { summary: 'Portal is not answering' },
      }),
      event(`site-a/portal-down/${fp}/1/resolved`, {
        rule: portal,
        state: 'resolved',
        previousState: 'firing',
        startsAt: '2026-11-20T08:55:00.000Z',
        endsAt: '2026-11-20T09:40:00.000Z',
        evaluatedAt: '2026-11-20T09:40:00.000Z',
      }),
      // Fired late in the evening and still firing when the day ended: nobody acknowledged it.
      event(`site-a/epd-slow/${fp}/2/firing`, {
        rule: epd,
        state: 'firing',
        startsAt: '2026-11-20T22:00:00.000Z',
        evaluatedAt: '2026-11-20T22:00:00.000Z',
        annotations: {},
      }),
      // Another site's alert is not in site-a's report.
      alertEvent({
        id: `site-b/portal-down/${fp}/3/firing`,
        site: 'site-b',
        rule: portal,
        evaluatedAt: '2026-11-20T10:00:00.000Z',
      }),
    ]);
    await new DynamoLifecycleStore({ client: ddb.client, table: LIFECYCLE_TABLE }).acknowledge({
      alertKey: `portal-down/${fp}`,
      incarnation: Date.parse('2026-11-20T08:55:00.000Z'),
      by: 'ana@hospital.example',
      reason: 'looking into it',
      at: Date.parse('2026-11-20T09:10:00.000Z'),
      source: 'link',
    });

    const handler = createReportHandler({ env, clock });
    await handler({ report: 'morning', site: 'site-a', day: '2026-11-20' }, context);
    const digest = (JSON.parse(published[0]!.Message!) as ReportMessage).digest;
    expect(digest.alerts).toEqual([
      {
        rule: portal,
        labels: { probe: 'portal' },
        summary: 'Portal is not answering',
        startsAt: '2026-11-20T08:55:00.000Z',
        endsAt: '2026-11-20T09:40:00.000Z',
        durationMs: 45 * 60_000,
        acknowledgedBy: 'ana@hospital.example',
        acknowledgedAt: '2026-11-20T09:10:00.000Z',
      },
      {
        rule: epd,
        labels: { probe: 'portal' },
        summary: null,
        startsAt: '2026-11-20T22:00:00.000Z',
        endsAt: null,
        // To the end of the local day (23:00 UTC).
        durationMs: 60 * 60_000,
        acknowledgedBy: null,
        acknowledgedAt: null,
      },
    ]);
  });

  it('gives a 25-hour day on the autumn DST change, and takes a day by hand', async () => {
    const handler = createReportHandler({ env, clock });
    // 07:00 CET on 26 October is 06:00 UTC; the day before it is the 25-hour day of the change.
    const dst = await handler({ report: 'morning', site: 'site-a', scheduledTime: '2026-10-26T06:00:00Z' }, context);
    expect(dst.day).toBe('2026-10-25');
    expect((JSON.parse(published[0]!.Message!) as ReportMessage).digest.window.hours).toBe(25);
    const byHand = await handler({ report: 'morning', site: 'site-a', day: '2026-11-15' }, context);
    expect(byHand.day).toBe('2026-11-15');
  });

  it('refuses an input that names no configured report, a site the report is not for, or a bad day', async () => {
    const handler = createReportHandler({ env, clock });
    await expect(handler({ report: 'evening', site: 'site-a' }, context)).rejects.toThrow(
      'report "evening" is not in the config',
    );
    await expect(handler({ report: 'morning', site: 'site-b' }, context)).rejects.toThrow(
      'report "morning" is not sent for site "site-b"',
    );
    await expect(handler({ report: 'morning', site: 'site-a', day: '1 Dec' }, context)).rejects.toThrow(
      /day must be a date as YYYY-MM-DD/,
    );
    expect(published).toEqual([]);
  });
});

describe('deliver function and report messages', () => {
  it('dead-letters a report message whose digest is not one, naming what is wrong', async () => {
    sqs.reset();
    const sent: unknown[] = [];
    sqs.onAnyCommand().callsFake((input) => {
      sent.push(input);
      return {};
    });
    const deliver = createDeliverHandler({ env, clock });
    const before = slack.requests.length;
    await deliver(
      sqsEvent(JSON.stringify({ schema: REPORT_MESSAGE_SCHEMA, report: 'morning', digest: { schema: 'x' } })),
      context,
    );
    expect(slack.requests.length).toBe(before);
    expect(JSON.stringify(sent)).toContain('digest.schema is not performanceflow.daily-report/v1');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverHandler } from '../../../lambdas/deliver.js';
import { METRICS_NAMESPACE } from '../../../lambdas/shared/observability.js';
import { alertEvent } from '../../support/alert-event.js';
import { NOTIFICATION_LOG_TABLE, startDynamoLocal, type DynamoLocal } from '../../support/dynamodb-local.js';
import { startHttpReceiver, type HttpReceiver } from '../../support/http-receiver.js';
import { startSmtpServer, type SmtpTestServer } from '../../support/smtp-server.js';
import { emfOf, logsOf, outputOf } from '../lambda-output.js';
import { bundledConfig } from '../../support/bundled-config.js';

/**
 * What a deliver function writes to stdout — CloudWatch Logs — when its config holds secrets and its
 * receivers echo them back: the handler composed as in production (middy, Powertools Logger with the
 * Lambda context, Powertools Metrics flushed as EMF), the Slack webhook and SMTP relay real servers on
 * loopback that put the secret into their refusals. No secret may appear on any line, and the
 * metrics must be the EMF documents the README lists.
 */

const SLACK_TOKEN = 'T0PFLOW01/B0PFLOW02/xoxSecretToken4242';
const SMTP_PASSWORD = 'hunter2-smtp-Pa55word';
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/pflow-dlq';

const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);
let dir: string;
let ddb: DynamoLocal;
let slack: HttpReceiver;
let smtp: SmtpTestServer;
let env: NodeJS.ProcessEnv;
const saved = { ...process.env };

const context = {
  functionName: 'pflow-deliver-test',
  awsRequestId: 'req-obs-1',
  getRemainingTimeInMillis: () => 30_000,
};

/** An event whose rendered message names it (Slack's payload carries the summary, not the id). */
const eventNamed = (id: string) => JSON.stringify(alertEvent({ id, annotations: { summary: `${id} is down` } }));

function sqsEvent(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `m${index}`,
      receiptHandle: `rh${index}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1',
        SenderId: 'sns',
        ApproximateFirstReceiveTimestamp: '1',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:pflow-queue',
      awsRegion: 'eu-west-1',
    })),
  };
}

beforeAll(async () => {
  ddb = await startDynamoLocal();
  // A Slack that refuses the hook and quotes the URL it was called on (the token is its path).
  slack = await startHttpReceiver();
  slack.replyWith((request) =>
    request.body.includes('perm-')
      ? { status: 404, body: `no_service: ${request.path}` }
      : request.body.includes('busy-')
        ? { status: 503, body: `try later ${request.path}` }
        : { status: 200, body: 'ok' },
  );
  // A relay that takes the login and then refuses the sender, quoting the password it was given.
  smtp = await startSmtpServer({ auth: { username: 'pflow', password: SMTP_PASSWORD } });
  smtp.refuse('mail', 550, `5.7.1 sender refused for pflow:${SMTP_PASSWORD}`);

  dir = mkdtempSync(join(tmpdir(), 'pflow-obs-'));
  const document = {
    version: 1,
    sites: [{ id: 'site-a', timezone: 'UTC' }],
    channels: [
      { id: 'slack-ops', kind: 'slack', slack: { url: '${SLACK_WEBHOOK_URL}' } },
      {
        id: 'mail-ops',
        kind: 'email',
        email: {
          transport: 'smtp',
          from: 'PerformanceFlow <alerts@example.org>',
          to: ['oncall@example.org'],
          host: '127.0.0.1',
          port: smtp.port,
          username: 'pflow',
          password: '${SMTP_PASSWORD}',
        },
      },
    ],
    routes: [{ channels: ['slack-ops', 'mail-ops'] }],
    delivery: { max_attempts: 3 },
  };
  writeFileSync(join(dir, 'pflow-config.json'), bundledConfig(document));
  writeFileSync(
    join(dir, 'pflow-config-detailed.json'),
    bundledConfig({ ...document, aws: { detailed_metrics: true } }),
  );
  env = {
    LAMBDA_TASK_ROOT: dir,
    PFLOW_SECRETS_PREFIX: 'pflow/',
    PFLOW_NOTIFICATION_LOG_TABLE: NOTIFICATION_LOG_TABLE,
    PFLOW_DEAD_LETTER_QUEUE_URL: DLQ,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    // What Lambda sets on an on-demand container; Powertools reports a cold start only then.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  };
  Object.assign(process.env, env);
  secrets
    .on(GetSecretValueCommand, { SecretId: 'pflow/SLACK_WEBHOOK_URL' })
    .resolves({ SecretString: slack.urlFor(`/services/${SLACK_TOKEN}`) })
    .on(GetSecretValueCommand, { SecretId: 'pflow/SMTP_PASSWORD' })
    .resolves({ SecretString: SMTP_PASSWORD });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq' });
});

afterAll(async () => {
  for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
  sqs.restore();
  secrets.restore();
  await slack.close();
  await smtp.close();
  await ddb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('deliver function logs and metrics (stdout and stderr, as CloudWatch Logs receives them)', () => {
  it('never writes a webhook token, and emits the README metrics as EMF, the cold start in the log lines', async () => {
    const deliver = createDeliverHandler({ env: { ...env, PFLOW_CHANNEL_ID: 'slack-ops' } });
    const { raw, lines } = await outputOf(() =>
      deliver(
        sqsEvent([eventNamed('ok-1'), eventNamed('perm-1'), eventNamed('busy-1'), '{not json']),
        context as unknown as Context,
      ),
    );

    // The hostility happened: Slack saw the token and quoted it back in its refusals.
    expect(slack.requests.map((request) => request.path)).toContain(`/services/${SLACK_TOKEN}`);
    // Not one line carries the token, or any part of the URL path that holds it.
    expect(raw).not.toContain('xoxSecretToken4242');
    expect(raw).not.toContain('T0PFLOW01/B0PFLOW02');
    expect(JSON.stringify(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input))).not.toContain(
      'xoxSecretToken4242',
    );

    // Log lines: Powertools JSON with the Lambda context, at the levels the README describes.
    const logs = logsOf(lines);
    const deadLettered = logs.filter((line) => line.message === 'notification dead-lettered');
    expect(deadLettered).toHaveLength(1);
    expect(deadLettered[0]).toMatchObject({
      level: 'ERROR',
      service: 'pflow-deliver',
      cold_start: true,
      function_name: 'pflow-deliver-test',
      function_request_id: 'req-obs-1',
      channel: 'slack-ops',
      // The refusal quoted the URL; it reached the log with the token scrubbed.
      reason: expect.stringMatching(/^http_404: .*\[REDACTED\]/),
    });
    expect(logs.find((line) => line.message === 'notification failed; the queue will retry it')).toMatchObject({
      level: 'WARN',
      reason: expect.stringMatching(/^http_503/),
    });
    expect(logs.find((line) => line.message === 'malformed message dead-lettered')).toMatchObject({ level: 'ERROR' });

    // EMF, all in our namespace: dead letters per channel in a document of their own (for Alert
    // history), then delivered and retried per service with the channel as a property; only the
    // counts that are not zero (delivered always). No ColdStart metric: the log lines say cold_start.
    const emf = emfOf(lines);
    expect(emf.map((doc) => doc._aws.CloudWatchMetrics)).toEqual([
      [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['service', 'channel']],
          Metrics: [{ Name: 'NotificationsDeadLettered', Unit: 'Count' }],
        },
      ],
      [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['service']],
          Metrics: [
            { Name: 'NotificationsDelivered', Unit: 'Count' },
            { Name: 'NotificationsRetried', Unit: 'Count' },
          ],
        },
      ],
    ]);
    expect(emf[0]).toMatchObject({ service: 'pflow-deliver', channel: 'slack-ops', NotificationsDeadLettered: 2 });
    expect(emf[1]).toMatchObject({
      service: 'pflow-deliver',
      channel: 'slack-ops',
      NotificationsDelivered: 1,
      NotificationsRetried: 1,
    });
    expect(emf[1]).not.toHaveProperty('NotificationsDuplicate');
    for (const doc of emf) expect(doc._aws.Timestamp).toBeTypeOf('number');
    expect(raw).not.toContain('ColdStart');
  });

  it('never writes an SMTP password, even when the relay quotes it back', async () => {
    sqs.resetHistory();
    const deliver = createDeliverHandler({ env: { ...env, PFLOW_CHANNEL_ID: 'mail-ops' } });
    const { raw, lines } = await outputOf(() =>
      deliver(sqsEvent([eventNamed('mail-1')]), context as unknown as Context),
    );

    expect(smtp.authAttempts).toContainEqual({ username: 'pflow', password: SMTP_PASSWORD });
    expect(raw).not.toContain(SMTP_PASSWORD);
    expect(raw).not.toContain(Buffer.from(`\0pflow\0${SMTP_PASSWORD}`).toString('base64'));
    const dead = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(dead).toHaveLength(1);
    expect(JSON.stringify(dead)).not.toContain(SMTP_PASSWORD);
    expect(lines.find((line) => line.message === 'notification dead-lettered')).toMatchObject({
      level: 'ERROR',
      channel: 'mail-ops',
      reason: expect.stringMatching(/550 .*\[REDACTED\]/),
    });
    expect(emfOf(lines).find((doc) => 'NotificationsDeadLettered' in doc)).toMatchObject({
      channel: 'mail-ops',
      NotificationsDeadLettered: 1,
    });
    // Nothing delivered is still a datapoint of the delivered count (0).
    expect(emfOf(lines).find((doc) => 'NotificationsDelivered' in doc)).toMatchObject({
      channel: 'mail-ops',
      NotificationsDelivered: 0,
    });
  });

  it('with aws.detailed_metrics, sends delivered and retried per service and per channel', async () => {
    const deliver = createDeliverHandler({
      env: { ...env, PFLOW_CHANNEL_ID: 'slack-ops', PFLOW_CONFIG_FILE: 'pflow-config-detailed.json' },
    });
    const { raw, lines } = await outputOf(() =>
      deliver(sqsEvent([eventNamed('busy-detailed')]), context as unknown as Context),
    );
    const retried = emfOf(lines).find((doc) => 'NotificationsRetried' in doc)!;
    expect(retried._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service'], ['service', 'channel']]);
    expect(retried).toMatchObject({
      service: 'pflow-deliver',
      channel: 'slack-ops',
      NotificationsDelivered: 0,
      NotificationsRetried: 1,
    });
    expect(raw).not.toContain('EMF key');
  });
});

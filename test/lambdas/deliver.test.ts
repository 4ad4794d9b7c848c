import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverHandler, perInvocationRate } from '../../lambdas/deliver.js';
import { alertEvent } from '../support/alert-event.js';
import { NOTIFICATION_LOG_TABLE, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';
import { drive, ManualTime } from '../support/manual-time.js';
import { bundledConfig } from '../support/bundled-config.js';

/**
 * Slack's pace in AWS: the event source runs at most PFLOW_CHANNEL_MAX_CONCURRENCY invocations at
 * once (2, SQS's floor), so each invocation's limiter takes rate ÷ 2 — one send every 2 s for
 * Slack's 1/s — and the two together stay within it. Time is a manual clock; the Slack webhook and
 * the notification log (dynalite) are real, on loopback.
 */

const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
let dir: string;
let ddb: DynamoLocal;
let slack: HttpReceiver;
let env: NodeJS.ProcessEnv;
const saved = { ...process.env };
const context = { functionName: 'pflow-slack', awsRequestId: 'req', getRemainingTimeInMillis: () => 30_000 };

function sqsEvent(ids: string[]): SQSEvent {
  return {
    Records: ids.map((id, index) => ({
      messageId: `m${index}`,
      receiptHandle: `rh${index}`,
      body: JSON.stringify(alertEvent({ id })),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1',
        SenderId: 'sns',
        ApproximateFirstReceiveTimestamp: '1',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:pflow-slack',
      awsRegion: 'eu-west-1',
    })),
  };
}

beforeAll(async () => {
  ddb = await startDynamoLocal();
  slack = await startHttpReceiver();
  dir = mkdtempSync(join(tmpdir(), 'pflow-deliver-'));
  writeFileSync(
    join(dir, 'pflow-config.json'),
    bundledConfig({
      version: 1,
      sites: [{ id: 'site-a', timezone: 'UTC' }],
      channels: [{ id: 'ops-slack', kind: 'slack', slack: { url: '${SLACK_URL}' } }],
      routes: [{ channels: ['ops-slack'] }],
    }),
  );
  env = {
    LAMBDA_TASK_ROOT: dir,
    PFLOW_SECRETS_PREFIX: 'pflow/',
    PFLOW_CHANNEL_ID: 'ops-slack',
    PFLOW_CHANNEL_MAX_CONCURRENCY: '2',
    PFLOW_NOTIFICATION_LOG_TABLE: NOTIFICATION_LOG_TABLE,
    PFLOW_DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/pflow-slack-dlq',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
  };
  Object.assign(process.env, env);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: slack.urlFor('/services/T1/B1/token') });
});

afterAll(async () => {
  for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
  secrets.restore();
  sqs.restore();
  await slack.close();
  await ddb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('deliver function pacing (Slack)', () => {
  it('sends one message every 2 s per invocation at max concurrency 2, and keeps the pace across warm invocations', async () => {
    const time = new ManualTime(Date.parse('2026-12-01T08:00:00Z'));
    const sentAt: number[] = [];
    const deliver = createDeliverHandler({
      env,
      clock: time.clock,
      timers: time.timers,
      // The moment each send starts, on the manual clock; the request itself goes to the real webhook.
      fetch: (input, init) => {
        sentAt.push(time.clock.monotonic!());
        return fetch(input, init);
      },
    });
    const start = time.clock.monotonic!();

    const first = await drive(time, deliver(sqsEvent(['e1', 'e2', 'e3', 'e4']), context as unknown as Context));
    expect(first.batchItemFailures).toEqual([]);
    expect(slack.requests).toHaveLength(4);
    expect(sentAt.map((t) => t - start)).toEqual([0, 2_000, 4_000, 6_000]);

    // The next invocation in the same container, 500 ms after the last send, waits for its slot.
    await time.advance(500);
    const second = await drive(time, deliver(sqsEvent(['e5', 'e6']), context as unknown as Context));
    expect(second.batchItemFailures).toEqual([]);
    expect(sentAt.map((t) => t - start)).toEqual([0, 2_000, 4_000, 6_000, 8_000, 10_000]);
    // Two invocations at this pace: at most one message a second to the webhook, Slack's limit.
  });

  it('divides any channel rate by the concurrency, and names the variable when it is not a whole number', () => {
    expect(perInvocationRate(1, { PFLOW_CHANNEL_MAX_CONCURRENCY: '2' })).toBe(0.5);
    expect(perInvocationRate(4, { PFLOW_CHANNEL_MAX_CONCURRENCY: '5' })).toBe(0.8);
    expect(perInvocationRate(undefined, { PFLOW_CHANNEL_MAX_CONCURRENCY: '2' })).toBeUndefined();
    expect(perInvocationRate(1, {})).toBe(1);
    expect(() => perInvocationRate(1, { PFLOW_CHANNEL_MAX_CONCURRENCY: 'two' })).toThrow(
      /PFLOW_CHANNEL_MAX_CONCURRENCY must be a whole number of at least 1, got "two"/,
    );
  });
});

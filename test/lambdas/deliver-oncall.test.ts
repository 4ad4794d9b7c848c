import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverHandler } from '../../lambdas/deliver.js';
import { DynamoOnCallStore } from '../../src/adapters/aws/dynamodb-oncall.js';
import { alertEvent } from '../support/alert-event.js';
import {
  createLifecycleTable,
  NOTIFICATION_LOG_TABLE,
  startDynamoLocal,
  type DynamoLocal,
} from '../support/dynamodb-local.js';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.js';
import { drive, ManualTime } from '../support/manual-time.js';
import { bundledConfig } from '../support/bundled-config.js';

/**
 * `oncall:<team>` resolved by the deliver function when it sends: the config's rotation with the
 * run-time overrides read from the lifecycle table (dynalite) just before each message, so an
 * override made through the API pages its member from the next message on, in a warm container
 * too. The Slack webhook is a real loopback receiver; time is a manual clock.
 */

const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
const LIFECYCLE = 'pflow-lifecycle-oncall';
let dir: string;
let ddb: DynamoLocal;
let slack: HttpReceiver;
let env: NodeJS.ProcessEnv;
const saved = { ...process.env };
const context = { functionName: 'pflow-slack', awsRequestId: 'req', getRemainingTimeInMillis: () => 30_000 };

function sqsEvent(id: string): SQSEvent {
  return {
    Records: [
      {
        messageId: id,
        receiptHandle: `rh-${id}`,
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
      },
    ],
  };
}

/** The Slack member ids the last message mentioned. */
function lastMentions(): string[] {
  const text = JSON.stringify(slack.requests.at(-1)!.json);
  return [...text.matchAll(/<@([UW][A-Z0-9]+)>/g)].map((match) => match[1]!);
}

beforeAll(async () => {
  ddb = await startDynamoLocal();
  await createLifecycleTable(ddb.client, LIFECYCLE);
  slack = await startHttpReceiver();
  dir = mkdtempSync(join(tmpdir(), 'pflow-deliver-oncall-'));
  writeFileSync(
    join(dir, 'pflow-config.json'),
    bundledConfig({
      version: 1,
      sites: [{ id: 'site-a', timezone: 'Europe/Amsterdam' }],
      channels: [{ id: 'ward-slack', kind: 'slack', slack: { url: '${SLACK_URL}', mention: ['oncall:ward-it'] } }],
      routes: [{ channels: ['ward-slack'] }],
      oncall: [
        {
          team: 'ward-it',
          site: 'site-a',
          rotation: 'daily',
          handover: '09:00',
          start: '2026-03-27',
          members: [
            { name: 'Ana', slack: 'U0ANAANA01' },
            { name: 'Bo', slack: 'U0BOBOBO02' },
            { name: 'Cas', slack: 'U0CASCAS03' },
          ],
        },
      ],
    }),
  );
  env = {
    LAMBDA_TASK_ROOT: dir,
    PFLOW_SECRETS_PREFIX: 'pflow/',
    PFLOW_CHANNEL_ID: 'ward-slack',
    PFLOW_NOTIFICATION_LOG_TABLE: NOTIFICATION_LOG_TABLE,
    PFLOW_LIFECYCLE_TABLE: LIFECYCLE,
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

describe('deliver function: oncall:<team> at send time, overrides from the lifecycle table', () => {
  it('mentions the rotation’s member, then an override’s from the next message on, then the rotation again', async () => {
    // Saturday 28 March 2026, 13:00 CET: Bo's day in the rotation.
    const time = new ManualTime(Date.parse('2026-03-28T12:00:00Z'));
    const deliver = createDeliverHandler({ env, clock: time.clock, timers: time.timers });
    const send = async (id: string) => {
      const result = await drive(time, deliver(sqsEvent(id), context as unknown as Context));
      expect(result.batchItemFailures).toEqual([]);
      return lastMentions();
    };
    expect(await send('e1')).toEqual(['U0BOBOBO02']);

    // An override made through the lifecycle API (the same store), across the spring-forward night.
    const store = new DynamoOnCallStore({ client: ddb.client, table: LIFECYCLE });
    await store.addOverride({
      id: 'ovr-1',
      team: 'ward-it',
      member: 'Ana',
      startsAt: Date.parse('2026-03-28T08:00:00Z'), // 09:00 CET
      endsAt: Date.parse('2026-03-29T07:00:00Z'), // 09:00 CEST
      author: 'lead',
      createdAt: time.clock.now(),
    });
    expect(await send('e2')).toEqual(['U0ANAANA01']);

    // 08:59 CEST Sunday: still the override; 09:00 CEST: the rotation's Sunday member, Cas.
    await time.advance(Date.parse('2026-03-29T06:59:00Z') - time.clock.now());
    expect(await send('e3')).toEqual(['U0ANAANA01']);
    await time.advance(60_000);
    expect(await send('e4')).toEqual(['U0CASCAS03']);
  });

  it('pages the rotation’s member when the overrides cannot be read', async () => {
    const time = new ManualTime(Date.parse('2026-03-28T12:00:00Z'));
    const deliver = createDeliverHandler({
      env: { ...env, PFLOW_LIFECYCLE_TABLE: 'no-such-table' },
      clock: time.clock,
      timers: time.timers,
    });
    const result = await drive(time, deliver(sqsEvent('f1'), context as unknown as Context));
    expect(result.batchItemFailures).toEqual([]);
    expect(lastMentions()).toEqual(['U0BOBOBO02']);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishBatchCommand, SNSClient, type PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLifecycleApiHandler } from '../../lambdas/lifecycle-api.js';
import { DynamoLifecycleStore } from '../../src/adapters/aws/dynamodb-lifecycle.js';
import { DynamoAlertStateStore } from '../../src/adapters/aws/dynamodb-state.js';
import { LifecycleApiClient, lifecycleApiTarget } from '../../src/cli/lifecycle-api-client.js';
import {
  runAwsAlertsAck,
  runAwsSilenceAdd,
  runAwsSilenceExpire,
  runAwsSilenceList,
} from '../../src/cli/lifecycle-aws.js';
import { bundledConfig } from '../support/bundled-config.js';
import { ALERT_STATE_TABLE, LIFECYCLE_TABLE, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { GATEWAY_CALLER, GATEWAY_SOURCE_IP, throughLifecycleFunction } from '../support/lifecycle-api-gateway.js';
import { startSigV4Loopback, type SigV4Loopback } from '../support/sigv4-loopback.js';

/**
 * `pflow alerts ack|unack --aws` and `pflow silence … --aws` end to end on this machine: the CLI
 * signs each call, a loopback checks the signature as API Gateway's IAM authorizer would and hands
 * the request to the real lifecycle API function, over dynalite; SNS is stubbed at the SDK
 * boundary. So the CLI's requests and the function's answers are checked against each other.
 */

const T0 = Date.parse('2026-12-02T08:00:00.000Z');
const MINUTE = 60_000;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const sns = mockClient(SNSClient);
const published: PublishBatchRequestEntry[] = [];
let now = T0;
let dir: string;
let ddb: DynamoLocal;
let api: SigV4Loopback;
let client: LifecycleApiClient;
let lifecycle: DynamoLifecycleStore;
const saved = { ...process.env };

function output() {
  const lines = { stdout: '', stderr: '' };
  return {
    lines,
    out: { stdout: (t: string) => void (lines.stdout += t), stderr: (t: string) => void (lines.stderr += t) },
  };
}

beforeAll(async () => {
  ddb = await startDynamoLocal();
  dir = mkdtempSync(join(tmpdir(), 'pflow-lifecycle-aws-'));
  writeFileSync(
    join(dir, 'pflow-config.json'),
    bundledConfig({
      version: 1,
      sites: [{ id: 'site-a', timezone: 'UTC' }],
      probes: [{ id: 'portal', site: 'site-a', kind: 'http', target: 'https://portal.example/', interval: '1m' }],
      rule_groups: [
        {
          name: 'availability',
          interval: '1m',
          rules: [
            {
              id: 'portal-down',
              name: 'Portal down',
              severity: 'critical',
              measure: 'success',
              matchers: ['probe="portal"'],
              window: '2m',
              reducer: 'last',
              threshold: { op: '<', value: 1 },
            },
          ],
        },
      ],
      channels: [{ id: 'ward', kind: 'webhook', webhook: { url: 'https://hooks.example.org/ward' } }],
      routes: [{ channels: ['ward'] }],
    }),
  );
  const env = {
    LAMBDA_TASK_ROOT: dir,
    PFLOW_ALERT_STATE_TABLE: ALERT_STATE_TABLE,
    PFLOW_LIFECYCLE_TABLE: LIFECYCLE_TABLE,
    PFLOW_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:pflow-alerts',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
  };
  Object.assign(process.env, env);
  sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => {
    published.push(...input.PublishBatchRequestEntries);
    return { Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id })), Failed: [] };
  });
  await new DynamoAlertStateStore({
    client: ddb.client,
    table: ALERT_STATE_TABLE,
    groupOf: () => 'availability',
  }).compareAndSet([
    {
      expectedVersion: 0,
      next: {
        key: 'portal-down/f00d',
        ruleId: 'portal-down',
        site: 'site-a',
        fingerprint: 'f00d',
        labels: { site: 'site-a', probe: 'portal' },
        state: 'firing',
        since: T0 - 20 * MINUTE,
        firingSince: T0 - 21 * MINUTE,
        lastValue: 0,
        notifiedState: 'firing',
        lastNotifiedAt: T0 - 20 * MINUTE,
        lastEvaluatedAt: T0 - MINUTE,
        version: 1,
      },
    },
  ]);
  lifecycle = new DynamoLifecycleStore({ client: ddb.client, table: LIFECYCLE_TABLE });
  api = await startSigV4Loopback({ credentials, region: 'eu-west-1', service: 'execute-api' });
  api.answer = throughLifecycleFunction(
    createLifecycleApiHandler({ env, clock: { now: () => now }, newSilenceId: () => 'sil-0a1b2c3d4e5f' }),
  );
  const target = lifecycleApiTarget({ apiUrl: api.url, region: 'eu-west-1' }, {});
  if ('problem' in target) throw new Error(target.problem);
  client = new LifecycleApiClient(target, { credentials: async () => credentials });
});

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  sns.restore();
  await api.close();
  await ddb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pflow alerts|silence … --aws through the lifecycle API function', () => {
  it('acks by rule id (one update, audited with the IAM caller), refuses an unknown alert and bad input, unacks', async () => {
    const { lines, out } = output();
    const ack = (alert: string, by: string, undo = false) =>
      runAwsAlertsAck(client, { alert, by, reason: 'restarting the portal', undo }, out);
    expect(await ack('portal-down', 'ana')).toBe(0);
    now += MINUTE;
    expect(await ack('portal-down/f00d', 'bo')).toBe(0);
    expect(lines.stdout).toBe(
      'acknowledged portal-down/f00d by ana\n' +
        'portal-down/f00d was already acknowledged by ana: restarting the portal (yours is recorded too)\n',
    );
    expect(published.map((entry) => JSON.parse(entry.Message!).acknowledgement?.by)).toEqual(['ana']);
    expect((await lifecycle.ackSnapshot()).pendingUpdates).toEqual([]);

    lines.stdout = '';
    expect(await ack('nope', 'ana')).toBe(1);
    expect(await ack('portal-down', '  ')).toBe(1);
    expect(lines.stderr).toBe(
      'no active alert nope: name an alert key rule/fingerprint, or a rule id with one active alert\n' +
        'by: who acknowledges is required\n',
    );
    expect(await ack('portal-down', 'ana', true)).toBe(0);
    expect(lines.stdout).toBe('unacknowledged portal-down/f00d: reminders and escalation resume\n');
    expect((await lifecycle.audit('portal-down/f00d')).map((r) => [r.action, r.by, r.source, r.remote])).toEqual([
      ['unack', 'ana', 'api', `${GATEWAY_SOURCE_IP} ${GATEWAY_CALLER}`],
      ['ack', 'bo', 'api', `${GATEWAY_SOURCE_IP} ${GATEWAY_CALLER}`],
      ['ack', 'ana', 'api', `${GATEWAY_SOURCE_IP} ${GATEWAY_CALLER}`],
    ]);
  });

  it('adds, lists and expires a silence; a bad one names its fields', async () => {
    now = T0;
    const { lines, out } = output();
    expect(
      await runAwsSilenceAdd(
        client,
        { match: ['probe="portal"'], author: 'ana', comment: 'portal upgrade', for: '2h' },
        out,
      ),
    ).toBe(0);
    const line =
      'sil-0a1b2c3d4e5f  active  2026-12-02T08:00:00.000Z → 2026-12-02T10:00:00.000Z  probe="portal"  by ana: portal upgrade\n';
    expect(lines).toEqual({ stdout: 'sil-0a1b2c3d4e5f\n', stderr: line });
    expect(
      await runAwsSilenceAdd(client, { match: ['probe=~"["'], author: 'ana', comment: 'x', for: '90d' }, out),
    ).toBe(1);
    expect(
      lines.stderr
        .split('\n')
        .slice(1, -2)
        .map((problem) => problem.split(':')[0]),
    ).toEqual(['matchers[0]', 'duration']);
    expect(lines.stderr.endsWith('nothing was silenced\n')).toBe(true);

    lines.stdout = '';
    expect(await runAwsSilenceList(client, { all: false, json: false }, out)).toBe(0);
    expect(lines.stdout).toBe(line);
    now += MINUTE;
    expect(await runAwsSilenceExpire(client, { id: 'sil-0a1b2c3d4e5f', by: 'bo' }, out)).toBe(0);
    lines.stdout = '';
    expect(await runAwsSilenceList(client, { all: true, json: false }, out)).toBe(0);
    expect(lines.stdout).toBe(
      'sil-0a1b2c3d4e5f  expired  2026-12-02T08:00:00.000Z → 2026-12-02T10:00:00.000Z (expired 2026-12-02T08:01:00.000Z by bo)  probe="portal"  by ana: portal upgrade\n',
    );
    lines.stderr = '';
    expect(await runAwsSilenceExpire(client, { id: 'sil-0a1b2c3d4e5f', by: 'bo' }, out)).toBe(1);
    expect(lines.stderr).toBe('silence sil-0a1b2c3d4e5f has already ended\n');
  });
});

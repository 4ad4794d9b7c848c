import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishBatchCommand, SNSClient, type PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEscalateHandler } from '../../lambdas/escalate.js';
import { createLifecycleApiHandler, type LifecycleApiEvent } from '../../lambdas/lifecycle-api.js';
import { DynamoLifecycleStore } from '../../src/adapters/aws/dynamodb-lifecycle.js';
import { DynamoAlertStateStore } from '../../src/adapters/aws/dynamodb-state.js';
import { signAckLink } from '../../src/domain/lifecycle/ack-link.js';
import type { AlertInstanceState } from '../../src/domain/rules/types.js';
import { createLifecycleTable, createTable, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { logsOf, outputOf } from './lambda-output.js';
import { bundledConfig } from '../support/bundled-config.js';

/**
 * The lifecycle API function with the events API Gateway's HTTP API sends (payload format 2.0):
 * form posts base64-encoded, the IAM authorizer's caller in the request context on `/api/*`.
 * DynamoDB is dynalite; SNS and Secrets Manager are stubbed at the SDK boundary.
 */

const T0 = Date.parse('2026-12-02T08:00:00.000Z');
const MINUTE = 60_000;
const LINK_KEY = 'k3y-for-signing-ack-links-0123456789abcdef';
const DOMAIN = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
const CALLER = 'arn:aws:iam::123456789012:user/ana';
const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
const published: PublishBatchRequestEntry[] = [];
/** Set to make SNS fail the next publish: the function dies between committing and publishing. */
let snsDown = false;
let now = T0;
const clock = { now: () => now };
let dir: string;
let ddb: DynamoLocal;
let env: NodeJS.ProcessEnv;
let table: string;
let tables = 0;
let lifecycle: DynamoLifecycleStore;
let handler: ReturnType<typeof createLifecycleApiHandler>;
let state: AlertInstanceState;
const saved = { ...process.env };

const context = {
  functionName: 'pflow-lifecycle-api-test',
  awsRequestId: 'req-lifecycle-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

interface EventOptions {
  readonly form?: Record<string, string>;
  readonly json?: unknown;
  readonly iam?: boolean;
  readonly query?: string;
}

/** A payload 2.0 event as API Gateway builds it for the route the request matched. */
function apiEvent(method: string, path: string, routeKey: string, options: EventOptions = {}): LifecycleApiEvent {
  const form = options.form === undefined ? undefined : new URLSearchParams(options.form).toString();
  const json = options.json === undefined ? undefined : JSON.stringify(options.json);
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: {
      host: DOMAIN,
      'user-agent': 'Mozilla/5.0',
      ...(form !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
      ...(json !== undefined && { 'content-type': 'application/json' }),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: DOMAIN,
      domainPrefix: 'a1b2c3d4e5',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.23', userAgent: 'Mozilla/5.0' },
      requestId: 'Abc123=',
      routeKey,
      stage: '$default',
      time: '02/Dec/2026:08:00:00 +0000',
      timeEpoch: now,
      ...(options.iam && {
        authorizer: {
          iam: {
            accessKey: 'AKIAEXAMPLE',
            accountId: '123456789012',
            callerId: 'AIDAEXAMPLE',
            cognitoIdentity: null,
            principalOrgId: null,
            userArn: CALLER,
            userId: 'AIDAEXAMPLE',
          },
        },
      }),
    } as LifecycleApiEvent['requestContext'],
    // Form posts reach the function base64-encoded; JSON as text.
    isBase64Encoded: form !== undefined,
    ...(form !== undefined && { body: Buffer.from(form).toString('base64') }),
    ...(json !== undefined && { body: json }),
    ...(routeKey.includes('{token}') && { pathParameters: { token: path.split('/').pop()! } }),
  };
}

async function call(event: LifecycleApiEvent): Promise<APIGatewayProxyStructuredResultV2> {
  return (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
}

function link(overrides: { nonce?: string; expiresAt?: number; incarnation?: number; alertKey?: string } = {}) {
  return signAckLink(
    {
      alertKey: overrides.alertKey ?? state.key,
      site: 'site-a',
      incarnation: overrides.incarnation ?? state.firingSince!,
      expiresAt: overrides.expiresAt ?? T0 + 24 * 60 * MINUTE,
      nonce: overrides.nonce ?? 'nonce-1',
    },
    LINK_KEY,
  );
}

function updates(): { by?: string; channels: string[] }[] {
  return published.map((entry) => {
    const event = JSON.parse(entry.Message!) as { acknowledgement?: { by: string } };
    return {
      ...(event.acknowledgement && { by: event.acknowledgement.by }),
      channels: JSON.parse(entry.MessageAttributes!['channels']!.StringValue!) as string[],
    };
  });
}

beforeAll(async () => {
  ddb = await startDynamoLocal();
  dir = mkdtempSync(join(tmpdir(), 'pflow-lifecycle-api-'));
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
      channels: [
        { id: 'ward', kind: 'webhook', webhook: { url: 'https://hooks.example.org/ward' } },
        { id: 'oncall', kind: 'webhook', webhook: { url: 'https://hooks.example.org/oncall' } },
      ],
      routes: [{ channels: ['ward'], escalate: [{ after: '10m', channels: ['oncall'] }] }],
      acknowledge: { link_key: '${PFLOW_ACK_LINK_KEY}', link_ttl: '24h' },
    }),
  );
  secrets.on(GetSecretValueCommand, { SecretId: 'pflow/PFLOW_ACK_LINK_KEY' }).resolves({ SecretString: LINK_KEY });
  sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => {
    if (snsDown) throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
    published.push(...input.PublishBatchRequestEntries);
    return { Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id })), Failed: [] };
  });
});

beforeEach(async () => {
  now = T0;
  published.length = 0;
  snsDown = false;
  table = `lifecycle-api-${++tables}`;
  await createLifecycleTable(ddb.client, table);
  const stateTable = `state-${tables}`;
  await createTable(ddb.client, stateTable, { siteGroup: 'S', instanceKey: 'S' });
  env = {
    LAMBDA_TASK_ROOT: dir,
    PFLOW_SECRETS_PREFIX: 'pflow/',
    PFLOW_ALERT_STATE_TABLE: stateTable,
    PFLOW_LIFECYCLE_TABLE: table,
    PFLOW_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:pflow-alerts',
    PFLOW_ACK_BASE_URL: `https://${DOMAIN}/`,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
  };
  Object.assign(process.env, env);
  lifecycle = new DynamoLifecycleStore({ client: ddb.client, table });
  // A firing alert whose first message went to ward and whose tier 1 told oncall.
  state = {
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
    escalation: { route: 0, since: T0 - 20 * MINUTE, tiers: 1, told: ['oncall'] },
    version: 1,
  };
  await new DynamoAlertStateStore({
    client: ddb.client,
    table: stateTable,
    groupOf: () => 'availability',
  }).compareAndSet([{ next: state, expectedVersion: 0 }]);
  handler = createLifecycleApiHandler({ env, clock, newSilenceId: () => 'sil-0a1b2c3d4e5f' });
});

afterAll(async () => {
  for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
  for (const mock of [sns, secrets]) mock.restore();
  await ddb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('acknowledge link: GET shows the page, only its POST acknowledges', () => {
  it('GET answers the confirmation page and records nothing', async () => {
    const page = await call(apiEvent('GET', `/ack/${link()}`, 'GET /ack/{token}'));
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    expect(String(page.headers!['content-security-policy'])).toMatch(/^default-src 'none';.*frame-ancestors 'none'/);
    expect(page.body).toContain('<form method="post">');
    expect(page.body).toContain('<strong>portal-down</strong> at site <strong>site-a</strong>');
    expect(await lifecycle.audit()).toEqual([]);
    expect(await lifecycle.currentAcks()).toEqual(new Map());
    expect(published).toEqual([]);
  });

  it('POST acknowledges once (audit from the link, with the address), tells ward and oncall; the same link again is refused', async () => {
    const token = link();
    const answer = await call(
      apiEvent('POST', `/ack/${token}`, 'POST /ack/{token}', { form: { by: 'Ana', reason: 'restarting the portal' } }),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('Acknowledged by Ana.');
    expect(await lifecycle.audit()).toMatchObject([
      {
        action: 'ack',
        alertKey: state.key,
        by: 'Ana',
        source: 'link',
        remote: '198.51.100.23',
        incarnation: T0 - 21 * MINUTE,
      },
    ]);
    expect(updates()).toEqual([{ by: 'Ana', channels: ['ward', 'oncall'] }]);

    const again = await call(
      apiEvent('POST', `/ack/${token}`, 'POST /ack/{token}', { form: { by: 'Eve', reason: 'x' } }),
    );
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('already used');
    expect(await lifecycle.audit()).toHaveLength(1);
  });

  it('two people acknowledging at once: both audited, one update', async () => {
    const answers = await Promise.all(
      ['Ana', 'Bo'].map((by, i) =>
        call(
          apiEvent('POST', `/ack/${link({ nonce: `n-${i}` })}`, 'POST /ack/{token}', { form: { by, reason: 'on it' } }),
        ),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    expect((await lifecycle.audit()).map((r) => r.by).sort()).toEqual(['Ana', 'Bo']);
    expect(updates()).toHaveLength(1);
    // The one update is marked sent: the escalation function's sweep has nothing to send.
    expect((await lifecycle.ackSnapshot()).pendingUpdates).toEqual([]);
    now += 5 * MINUTE;
    expect(await createEscalateHandler({ env, clock })({}, context)).toMatchObject({ ackUpdatesSent: 0 });
    expect(updates()).toHaveLength(1);
  });

  it('refuses tampered, expired and cross-alert links, and links of an earlier firing, recording nothing', async () => {
    const token = link();
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const cases: [string, number, string][] = [
      [tampered, 403, 'not valid'],
      [
        signAckLink(
          { alertKey: state.key, site: 'site-a', incarnation: state.firingSince!, expiresAt: T0 + 1, nonce: 'n' },
          'some-other-key-of-at-least-32-characters',
        ),
        403,
        'not valid',
      ],
      [link({ expiresAt: T0 - 1 }), 410, 'expired'],
      [link({ incarnation: T0 - 90 * MINUTE }), 410, 'no longer firing'],
      [link({ alertKey: 'portal-down/other' }), 410, 'no longer firing'],
    ];
    for (const [bad, status, text] of cases) {
      for (const method of ['GET', 'POST']) {
        const answer = await call(
          apiEvent(
            method,
            `/ack/${bad}`,
            `${method} /ack/{token}`,
            method === 'POST' ? { form: { by: 'Eve', reason: 'x' } } : {},
          ),
        );
        expect({ method, status: answer.statusCode }).toEqual({ method, status });
        expect(answer.body).toContain(text);
      }
    }
    expect(await lifecycle.audit()).toEqual([]);
    expect(published).toEqual([]);
  });

  it('an empty name or reason acknowledges nothing', async () => {
    const answer = await call(
      apiEvent('POST', `/ack/${link()}`, 'POST /ack/{token}', { form: { by: '', reason: '' } }),
    );
    expect(answer.statusCode).toBe(400);
    expect(await lifecycle.audit()).toEqual([]);
  });
});

describe('/api/* behind IAM', () => {
  it('refuses a request that reached the function without an IAM caller', async () => {
    const answer = await call(
      apiEvent('POST', '/api/alerts/ack', 'ANY /api/{proxy+}', {
        json: { alert: 'portal-down', by: 'ana', reason: 'x' },
      }),
    );
    expect(answer.statusCode).toBe(401);
    expect(await lifecycle.audit()).toEqual([]);
  });

  it('acks and unacks by rule id, audited with the address and the IAM caller; lists the audit', async () => {
    const ack = await call(
      apiEvent('POST', '/api/alerts/ack', 'ANY /api/{proxy+}', {
        iam: true,
        json: { alert: 'portal-down', by: 'ana', reason: 'restarting', expires: '4h' },
      }),
    );
    expect(ack.statusCode).toBe(200);
    expect(JSON.parse(ack.body!)).toMatchObject({
      outcome: 'acknowledged',
      alert: state.key,
      acknowledgedBy: 'ana',
      expiresAt: new Date(T0 + 4 * 60 * MINUTE).toISOString(),
    });
    expect(updates()).toEqual([{ by: 'ana', channels: ['ward', 'oncall'] }]);

    now += MINUTE;
    const unack = await call(
      apiEvent('POST', '/api/alerts/unack', 'ANY /api/{proxy+}', {
        iam: true,
        json: { alert: state.key, by: 'ana', reason: 'handing over' },
      }),
    );
    expect(JSON.parse(unack.body!)).toEqual({ outcome: 'unacknowledged', alertKey: state.key });

    const audit = await call(
      apiEvent('GET', '/api/acks', 'ANY /api/{proxy+}', { iam: true, query: `alert=${encodeURIComponent(state.key)}` }),
    );
    expect(JSON.parse(audit.body!).acks).toMatchObject([
      { action: 'unack', by: 'ana', source: 'api', remote: `198.51.100.23 ${CALLER}` },
      {
        action: 'ack',
        by: 'ana',
        at: new Date(T0).toISOString(),
        incarnation: new Date(T0 - 21 * MINUTE).toISOString(),
      },
    ]);
  });

  it('names every problem of a bad ack and stores nothing', async () => {
    const answer = await call(
      apiEvent('POST', '/api/alerts/ack', 'ANY /api/{proxy+}', { iam: true, json: { alert: 'portal-down' } }),
    );
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body!).problems).toEqual(['by: who acknowledges is required', 'reason: why is required']);
    expect(await lifecycle.audit()).toEqual([]);
  });

  it('adds, lists and expires run-time silences', async () => {
    const added = await call(
      apiEvent('POST', '/api/silences', 'ANY /api/{proxy+}', {
        iam: true,
        json: { matchers: ['probe="portal"'], author: 'ana', comment: 'portal upgrade', duration: '2h' },
      }),
    );
    expect(added.statusCode).toBe(201);
    expect(JSON.parse(added.body!).silence).toEqual({
      id: 'sil-0a1b2c3d4e5f',
      status: 'active',
      matchers: ['probe="portal"'],
      startsAt: new Date(T0).toISOString(),
      endsAt: new Date(T0 + 120 * MINUTE).toISOString(),
      author: 'ana',
      comment: 'portal upgrade',
      createdAt: new Date(T0).toISOString(),
    });
    const listed = await call(apiEvent('GET', '/api/silences', 'ANY /api/{proxy+}', { iam: true }));
    expect(JSON.parse(listed.body!).silences.map((s: { id: string }) => s.id)).toEqual(['sil-0a1b2c3d4e5f']);

    now += MINUTE;
    const expire = (by: string) =>
      call(apiEvent('POST', '/api/silences/sil-0a1b2c3d4e5f/expire', 'ANY /api/{proxy+}', { iam: true, json: { by } }));
    expect((await expire('bo')).statusCode).toBe(200);
    expect((await expire('bo')).statusCode).toBe(409);
    const missing = await call(
      apiEvent('POST', '/api/silences/sil-nope/expire', 'ANY /api/{proxy+}', { iam: true, json: { by: 'bo' } }),
    );
    expect(missing.statusCode).toBe(404);
    expect(
      JSON.parse((await call(apiEvent('GET', '/api/silences', 'ANY /api/{proxy+}', { iam: true }))).body!).silences,
    ).toEqual([]);
    const all = await call(apiEvent('GET', '/api/silences', 'ANY /api/{proxy+}', { iam: true, query: 'all=1' }));
    expect(JSON.parse(all.body!).silences[0]).toMatchObject({ status: 'expired', expiredBy: 'bo' });
  });

  it('refuses a bad silence naming each field, storing nothing', async () => {
    const run = await outputOf(async () => {
      const answer = await call(
        apiEvent('POST', '/api/silences', 'ANY /api/{proxy+}', {
          iam: true,
          json: { matchers: ['probe=~"["'], duration: '90d' },
        }),
      );
      expect(answer.statusCode).toBe(400);
      const problems = JSON.parse(answer.body!).problems as string[];
      expect(problems.map((p) => p.split(':')[0])).toEqual(['matchers[0]', 'author', 'comment', 'duration']);
    });
    expect(logsOf(run.lines).filter((line) => line.message === 'silence added')).toEqual([]);
    expect(await lifecycle.listSilences()).toEqual([]);
  });

  it('answers 404 for anything else', async () => {
    expect((await call(apiEvent('GET', '/api/nothing', 'ANY /api/{proxy+}', { iam: true }))).statusCode).toBe(404);
    expect((await call(apiEvent('DELETE', `/ack/${link()}`, 'ANY /{proxy+}'))).statusCode).toBe(404);
  });
});

describe('the acknowledgement outbox in AWS', () => {
  it('a function that dies after committing the ack and before publishing: the escalation function sends the update once', async () => {
    snsDown = true;
    await expect(
      call(
        apiEvent('POST', '/api/alerts/ack', 'ANY /api/{proxy+}', {
          iam: true,
          json: { alert: 'portal-down', by: 'ana', reason: 'restarting' },
        }),
      ),
    ).rejects.toThrow('Service Unavailable');
    snsDown = false;
    expect(published).toEqual([]);
    // The acknowledgement holds, with its update pending and claimed by the request that died.
    expect((await lifecycle.currentAcks()).get(state.key)).toMatchObject({ by: 'ana' });
    const [pending] = (await lifecycle.ackSnapshot()).pendingUpdates;
    expect(pending).toMatchObject({ alertKey: state.key, claimedAt: T0 });
    expect(pending!.update.id).toMatch(/\/ack$/);

    const escalate = createEscalateHandler({ env, clock });
    // Within the claim (the request could still be publishing), the sweep leaves it alone.
    now = T0 + 20_000;
    expect(await escalate({}, context)).toMatchObject({ ackUpdatesSent: 0 });
    expect(published).toEqual([]);

    // Two sweeps at once (a Scheduler retry overlapping the next minute): one update message.
    now = T0 + 40_000;
    const reports = await Promise.all([escalate({}, context), createEscalateHandler({ env, clock })({}, context)]);
    expect(reports.map((report) => report.ackUpdatesSent).sort()).toEqual([0, 1]);
    expect(updates()).toEqual([{ by: 'ana', channels: ['ward', 'oncall'] }]);
    expect(published.map((entry) => JSON.parse(entry.Message!).id)).toEqual([pending!.update.id]);
    expect((await lifecycle.ackSnapshot()).pendingUpdates).toEqual([]);

    now += 10 * MINUTE;
    expect(await escalate({}, context)).toMatchObject({ ackUpdatesSent: 0 });
    expect(published).toHaveLength(1);
    // One audit record for the one acknowledgement.
    expect((await lifecycle.audit()).map((record) => record.by)).toEqual(['ana']);
  });
});

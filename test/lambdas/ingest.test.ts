import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIngestAuthorizerHandler } from '../../lambdas/ingest-authorizer.js';
import { createIngestHandler, type IngestEvent } from '../../lambdas/ingest.js';
import { DynamoAgentTokens } from '../../src/adapters/aws/dynamodb-agent-tokens.js';
import { DynamoBatchLedger } from '../../src/adapters/aws/dynamodb-batch-ledger.js';
import { DynamoTagLocations } from '../../src/adapters/aws/dynamodb-tag-locations.js';
import { DEFAULT_ASSET_SETTINGS, RegistryIndex } from '../../src/domain/assets/registry.js';
import { logDropObjectKey, renderJsonLines } from '../../src/channels/logdrop/render.js';
import { S3LogDropReader } from '../../src/channels/logdrop/s3-reader.js';
import { createToken } from '../../src/ingest/token.js';
import { alertEvent } from '../support/alert-event.js';
import { createTable, createTagLocationTable, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { startS3Local, type S3Local } from '../support/s3-local.js';
import { bundledConfig } from '../support/bundled-config.js';
import { emfOf, outputOf } from './lambda-output.js';

/**
 * The ingest function and its authorizer driven with the events API Gateway's HTTP API sends
 * (payload format 2.0; a gzipped body arrives base64-encoded). DynamoDB is dynalite, S3 is s3rver,
 * Timestream (no local stand-in) is a stub whose exact requests are asserted.
 */

const T0 = Date.parse('2026-12-01T08:00:00Z');
const timestream = mockClient(TimestreamWriteClient);
const context = {
  functionName: 'pflow-ingest',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 25_000,
} as unknown as Context;
const env = { PFLOW_METRICS_BACKEND: 'timestream', PFLOW_TIMESTREAM_DATABASE: 'pflow', AWS_REGION: 'eu-central-1' };
let ddb: DynamoLocal;
let s3: S3Local;
let tokens: DynamoAgentTokens;
const siteA = createToken('site-a', 'lab-01', T0);
const revoked = createToken('site-a', 'old', T0);

const headers = (token: string) => ({
  accept: '*/*',
  authorization: `Bearer ${token}`,
  'content-encoding': 'gzip',
  'content-length': '312',
  'content-type': 'application/json',
  host: 'abc123defg.execute-api.eu-central-1.amazonaws.com',
  'user-agent': 'pflow-agent/0.1.0',
  'x-amzn-trace-id': 'Root=1-674c1a00-0123456789abcdef01234567',
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-port': '443',
  'x-forwarded-proto': 'https',
});

function requestContext(method: string, path: string) {
  return {
    accountId: '123456789012',
    apiId: 'abc123defg',
    domainName: 'abc123defg.execute-api.eu-central-1.amazonaws.com',
    domainPrefix: 'abc123defg',
    http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'pflow-agent/0.1.0' },
    requestId: 'CmVZ8gXhliAEJ8w=',
    routeKey: `${method} ${path}`,
    stage: '$default',
    time: '01/Dec/2026:08:00:00 +0000',
    timeEpoch: T0,
  };
}

function ingestEvent(body: unknown, site = 'site-a', tokenId = siteA.record.tokenId): IngestEvent {
  return {
    version: '2.0',
    routeKey: 'POST /v1/ingest',
    rawPath: '/v1/ingest',
    rawQueryString: '',
    headers: headers(siteA.token),
    requestContext: { ...requestContext('POST', '/v1/ingest'), authorizer: { lambda: { site, tokenId } } },
    body: gzipSync(Buffer.from(JSON.stringify(body))).toString('base64'),
    isBase64Encoded: true,
  } as IngestEvent;
}

function authorizerEvent(header: string | undefined, route = 'POST /v1/ingest'): APIGatewayRequestAuthorizerEventV2 {
  const [method, path] = route.split(' ') as [string, string];
  const all =
    header === undefined ? { ...headers(''), authorization: undefined } : { ...headers(''), authorization: header };
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:eu-central-1:123456789012:abc123defg/$default/${method}${path}`,
    identitySource: header === undefined ? [] : [header],
    routeKey: route,
    rawPath: path,
    rawQueryString: '',
    cookies: [],
    headers: all as Record<string, string>,
    queryStringParameters: {},
    requestContext: requestContext(method, path),
    pathParameters: {},
    stageVariables: {},
  } as unknown as APIGatewayRequestAuthorizerEventV2;
}

const batch = (batchId: string) => ({
  v: 1,
  batchId,
  agent: { id: 'lab-01', version: '0.1.0' },
  samples: [{ name: 'pflow_agent_up', labels: { agent: 'lab-01', site: 'site-b' }, t: T0, v: 1 }],
});

beforeAll(async () => {
  ddb = await startDynamoLocal();
  s3 = await startS3Local({ buckets: ['pflow-logdrop'] });
  await createTable(ddb.client, 'tokens', { tokenHash: 'S' });
  await createTagLocationTable(ddb.client, 'tag-locations');
  await createTable(ddb.client, 'batches', { site: 'S', batchId: 'S' });
  tokens = new DynamoAgentTokens(ddb.client, 'tokens');
  await tokens.add(siteA.record);
  await tokens.add(revoked.record);
  await tokens.revoke(revoked.record.tokenId, T0);
});
afterAll(async () => {
  await ddb.close();
  await s3.close();
});
beforeEach(() => timestream.reset());

describe('ingest authorizer (HTTP API request authorizer, simple responses)', () => {
  // Built per call: the token table client exists only once beforeAll has run. `env` names no
  // config file: the authorizer loads none, and the stack grants it no secret (LOADS_NO_CONFIG).
  const handler = (event: APIGatewayRequestAuthorizerEventV2, ctx: Context) =>
    createIngestAuthorizerHandler({ env, tokens })(event, ctx);

  it('passes the token site and id on', async () => {
    expect(await handler(authorizerEvent(`Bearer ${siteA.token}`), context)).toEqual({
      isAuthorized: true,
      context: { site: 'site-a', tokenId: siteA.record.tokenId },
    });
  });

  it.each([
    ['an unknown token', `Bearer ${createToken('site-a', 'x', T0).token}`],
    ['a revoked token', `Bearer ${revoked.token}`],
    ['a malformed header', 'Bearer nope'],
    ['no header', undefined],
  ])('refuses %s', async (_, header) => {
    expect(await handler(authorizerEvent(header), context)).toEqual({ isAuthorized: false, context: {} });
  });

  it('decides on the Authorization header alone, which is what the stage caches it by', async () => {
    const header = `Bearer ${siteA.token}`;
    const ingest = await handler(authorizerEvent(header, 'POST /v1/ingest'), context);
    const events = await handler(authorizerEvent(header, 'GET /v1/events'), context);
    expect(events).toEqual(ingest);
  });
});

describe('ingest function (payload format 2.0)', () => {
  // The ledger needs the dynalite client, which exists only after beforeAll.
  const build = () =>
    createIngestHandler({
      env,
      clock: { now: () => T0 },
      ledger: new DynamoBatchLedger(ddb.client, 'batches', () => T0),
    });

  it('writes a base64 gzipped batch to Timestream under the authorizer’s site, then answers duplicates', async () => {
    const ingest = build();
    timestream.on(WriteRecordsCommand).resolves({});
    const answer = await ingest(ingestEvent(batch('b-1')), context);
    expect(answer).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify({ batchId: 'b-1', duplicate: false, samples: 1, probeResults: 0, tagEvents: 0 }),
    });
    const writes = timestream.commandCalls(WriteRecordsCommand).map((call) => call.args[0].input);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.DatabaseName).toBe('pflow');
    expect(writes[0]!.TableName).toBe('metrics');
    const dimensions = JSON.stringify([writes[0]!.CommonAttributes, writes[0]!.Records]);
    expect(dimensions).toContain('"Name":"site","Value":"site-a"');
    expect(dimensions).not.toContain('site-b');

    const retry = await ingest(ingestEvent(batch('b-1')), context);
    expect(JSON.parse(retry.body!)).toMatchObject({ duplicate: true });
    expect(timestream.commandCalls(WriteRecordsCommand)).toHaveLength(1);
  });

  it('answers 503 when Timestream refuses, records nothing, and stores the retry', async () => {
    const ingest = build();
    timestream
      .on(WriteRecordsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const answer = await ingest(ingestEvent(batch('b-2')), context);
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body!)).toEqual({ error: 'store unavailable' });
    timestream.on(WriteRecordsCommand).resolves({});
    const retry = await ingest(ingestEvent(batch('b-2')), context);
    expect(JSON.parse(retry.body!)).toMatchObject({ duplicate: false, samples: 1 });
  });

  it('refuses a malformed batch with 400 and the path of the problem', async () => {
    const ingest = build();
    let answer!: Awaited<ReturnType<typeof ingest>>;
    const output = await outputOf(async () => {
      answer = await ingest(ingestEvent({ ...batch('b-3'), samples: [{ name: 'x', labels: {}, t: T0 }] }), context);
    });
    expect(answer.statusCode).toBe(400);
    // One IngestRefused metric whatever the status, which is a property of the line.
    const refused = emfOf(output.lines).find((doc) => 'IngestRefused' in doc)!;
    expect(refused).toMatchObject({ service: 'pflow-ingest', status: '400', IngestRefused: 1 });
    expect(refused._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
    expect(JSON.parse(answer.body!)).toEqual({
      error: 'invalid batch',
      problems: ['samples[0].v: must be a number or one of "NaN", "+Inf", "-Inf"'],
    });
    expect(timestream.commandCalls(WriteRecordsCommand)).toHaveLength(0);
  });

  it('serves GET /v1/events of the authorizer’s site from the S3 log drop, by cursor', async () => {
    const client = s3.client();
    const old = T0 - 120_000;
    for (const [site, n] of [
      ['site-a', 3],
      ['site-b', 1],
    ] as const) {
      await client.send(
        new PutObjectCommand({
          Bucket: 'pflow-logdrop',
          Key: logDropObjectKey('logdrop', site, old, 'aaaa'),
          Body: renderJsonLines(Array.from({ length: n }, (_, i) => alertEvent({ id: `${site}-${i}`, site }))),
        }),
      );
    }
    // Too young to be sure no older key is still being written: left for the next call.
    await client.send(
      new PutObjectCommand({
        Bucket: 'pflow-logdrop',
        Key: logDropObjectKey('logdrop', 'site-a', T0 - 1_000, 'bbbb'),
        Body: renderJsonLines([alertEvent({ id: 'site-a-young', site: 'site-a' })]),
      }),
    );
    const ingest = createIngestHandler({
      env,
      clock: { now: () => T0 },
      events: new S3LogDropReader(client, 'pflow-logdrop', 'logdrop', { now: () => T0 }),
    });
    const get = async (query: Record<string, string>) => {
      const event = {
        ...ingestEvent({}),
        routeKey: 'GET /v1/events',
        rawPath: '/v1/events',
        body: undefined,
        isBase64Encoded: false,
        queryStringParameters: query,
      } as IngestEvent;
      const answer = await ingest(event, context);
      return {
        status: answer.statusCode,
        body: JSON.parse(answer.body!) as { events: { id: string }[]; next: string },
      };
    };
    const first = await get({ limit: '2' });
    expect(first.body.events.map((e) => e.id)).toEqual(['site-a-0', 'site-a-1']);
    const second = await get({ after: first.body.next });
    expect(second.body.events.map((e) => e.id)).toEqual(['site-a-2']);
    const third = await get({ after: second.body.next });
    expect(third.body).toEqual({ events: [], next: second.body.next });
  });
});

describe('ingest function with the tag location table (config with assets:)', () => {
  const saved = { ...process.env };
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pflow-ingest-tags-'));
    // The document as the stack bundles it: zones with an x/y area, so the registry is the config's.
    writeFileSync(
      join(dir, 'pflow-config.json'),
      bundledConfig({
        version: 1,
        sites: [{ id: 'site-a' }],
        assets: {
          zones: [
            { id: 'store-3', site: 'site-a', floor: '3', kind: 'storage' },
            { id: 'room-301', site: 'site-a', floor: '3', kind: 'clinical', area: { x1: 0, y1: 0, x2: 10, y2: 10 } },
          ],
          items: [{ id: 'pump-1', site: 'site-a', tag: 'T-1', type: 'infusion-pump' }],
        },
      }),
    );
    // The SDK client the handler makes itself reads its endpoint and credentials from process.env.
    Object.assign(process.env, {
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    });
  });
  afterAll(() => {
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION'])
      if (!(key in saved)) delete process.env[key];
    rmSync(dir, { recursive: true, force: true });
  });

  const tagBatch = (batchId: string, tagEvents: unknown[]) => ({
    v: 1,
    batchId,
    agent: { id: 'lab-01', version: '0.1.0' },
    tagEvents,
  });

  it('writes each tag’s newest location under the token’s site, and a late batch moves nothing back', async () => {
    const ingest = createIngestHandler({
      env: {
        ...env,
        LAMBDA_TASK_ROOT: dir,
        PFLOW_CONFIG_FILE: 'pflow-config.json',
        PFLOW_TAG_LOCATION_TABLE: 'tag-locations',
      },
      clock: { now: () => T0 },
      ledger: new DynamoBatchLedger(ddb.client, 'batches', () => T0),
    });
    const first = await ingest(
      ingestEvent(
        tagBatch('t-1', [
          { tag: 'T-1', t: T0, zone: 'store-3', battery: 90 },
          { tag: 'T-1', t: T0 + 60_000, x: 4, y: 4, floor: '3' },
        ]),
      ),
      context,
    );
    expect(JSON.parse(first.body!)).toEqual({
      batchId: 't-1',
      duplicate: false,
      samples: 0,
      probeResults: 0,
      tagEvents: 2,
    });
    const late = await ingest(ingestEvent(tagBatch('t-2', [{ tag: 'T-1', t: T0 + 30_000, zone: 'store-3' }])), context);
    expect(late.statusCode).toBe(200);
    const reader = new DynamoTagLocations(
      ddb.client,
      'tag-locations',
      () => new RegistryIndex({ zones: [], assets: [], parLevels: [] }),
      DEFAULT_ASSET_SETTINGS,
    );
    expect(await reader.get('site-a', 'T-1')).toEqual({
      state: {
        site: 'site-a',
        tag: 'T-1',
        lastSeen: T0 + 60_000,
        zone: 'room-301',
        since: T0 + 60_000,
        previousZone: 'store-3',
        previousSince: T0,
        floor: '3',
        battery: 90,
        batteryAt: T0,
      },
      version: 1,
    });
    // The history went to the metric store's tags table first, the x/y event with its resolved zone.
    const writes = timestream.commandCalls(WriteRecordsCommand).map((call) => call.args[0].input);
    expect(writes.map((w) => w.TableName)).toEqual(['tags', 'tags']);
    expect(writes[0]).toMatchObject({
      DatabaseName: 'pflow',
      CommonAttributes: {
        Dimensions: [
          { Name: 'site', Value: 'site-a' },
          { Name: 'tag', Value: 'T-1' },
        ],
        MeasureName: 'tag_event',
      },
      Records: [
        {
          MeasureValues: [
            { Name: 'zone', Value: 'store-3', Type: 'VARCHAR' },
            { Name: 'battery', Value: '90', Type: 'DOUBLE' },
          ],
          Time: String(T0),
        },
        {
          MeasureValues: [
            { Name: 'zone', Value: 'room-301', Type: 'VARCHAR' },
            { Name: 'x', Value: '4', Type: 'DOUBLE' },
            { Name: 'y', Value: '4', Type: 'DOUBLE' },
            { Name: 'floor', Value: '3', Type: 'VARCHAR' },
          ],
          Time: String(T0 + 60_000),
        },
      ],
    });
    // The late event is history all the same (utilization and flow count it), one record alone.
    expect(writes[1]!.Records).toEqual([
      {
        Dimensions: [
          { Name: 'site', Value: 'site-a', DimensionValueType: 'VARCHAR' },
          { Name: 'tag', Value: 'T-1', DimensionValueType: 'VARCHAR' },
        ],
        MeasureName: 'tag_event',
        MeasureValueType: 'MULTI',
        MeasureValues: [{ Name: 'zone', Value: 'store-3', Type: 'VARCHAR' }],
        Time: String(T0 + 30_000),
        TimeUnit: 'MILLISECONDS',
      },
    ]);
  });

  it('still refuses tag events where the stack made no tag location table', async () => {
    const ingest = createIngestHandler({
      env,
      clock: { now: () => T0 },
      ledger: new DynamoBatchLedger(ddb.client, 'batches', () => T0),
    });
    const answer = await ingest(ingestEvent(tagBatch('t-3', [{ tag: 'T-1', t: T0, zone: 'store-3' }])), context);
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body!).problems).toEqual([
      'tagEvents: this deployment keeps no tag events (its config has no assets: section)',
    ]);
  });
});

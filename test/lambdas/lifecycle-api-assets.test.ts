import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createLifecycleApiHandler, type LifecycleApiEvent } from '../../lambdas/lifecycle-api.js';
import { WING_AT, WING_TABLE, seedWing, wingConfigBundle } from '../support/asset-wing.js';
import { bundledConfig } from '../support/bundled-config.js';
import { LIFECYCLE_TABLE, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { gatewayEventOf } from '../support/lifecycle-api-gateway.js';

/**
 * The lifecycle API's `GET /api/assets` (where is it, in AWS) with the events API Gateway sends:
 * the example wing's tag location table on dynalite, the local API's answer and errors.
 */

const context = { functionName: 'pflow-lifecycle-api', awsRequestId: 'req-assets-1' } as unknown as Context;
const clock = { now: () => WING_AT };
let ddb: DynamoLocal;
let dir: string;
let env: NodeJS.ProcessEnv;
const saved = { ...process.env };

function event(path: string, options: { method?: string; iam?: boolean; json?: unknown } = {}): LifecycleApiEvent {
  const built = gatewayEventOf({
    method: options.method ?? 'GET',
    url: path,
    headers: {
      host: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
      ...(options.json !== undefined && { 'content-type': 'application/json' }),
    },
    body: options.json === undefined ? '' : JSON.stringify(options.json),
    credential: { accessKeyId: 'AKIDEXAMPLE', date: '20261202', region: 'eu-west-1', service: 'execute-api' },
    signedHeaders: ['host'],
  });
  if (options.iam === false) delete (built.requestContext as { authorizer?: unknown }).authorizer;
  return built;
}

async function call(handler: ReturnType<typeof createLifecycleApiHandler>, e: LifecycleApiEvent) {
  const result = (await handler(e, context)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(String(result.body)) as Record<string, any> };
}

function handlerWith(configBundle: string) {
  const root = mkdtempSync(join(dir, 'root-'));
  writeFileSync(join(root, 'pflow-config.json'), configBundle);
  return createLifecycleApiHandler({ env: { ...env, LAMBDA_TASK_ROOT: root }, clock });
}

beforeAll(async () => {
  ddb = await startDynamoLocal();
  await seedWing(ddb.client);
  dir = mkdtempSync(join(tmpdir(), 'pflow-lifecycle-assets-'));
  env = {
    PFLOW_LIFECYCLE_TABLE: LIFECYCLE_TABLE,
    PFLOW_TAG_LOCATION_TABLE: WING_TABLE,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
  };
  Object.assign(process.env, env);
});

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  await ddb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('lifecycle API GET /api/assets', () => {
  it('answers where is it from the tag location table, ISO times as the local API', async () => {
    const handler = handlerWith(wingConfigBundle());
    const reply = await call(handler, event('/api/assets?asset=pump-306'));
    expect(reply).toEqual({
      status: 200,
      body: {
        assets: [
          {
            asset: 'pump-306',
            site: 'site-a',
            tag: 'T-0306',
            type: 'infusion-pump',
            department: 'ward-3',
            homeZone: 'store-3',
            status: 'left_building',
            available: false,
            zone: 'exit-main',
            since: '2026-12-02T08:46:00.000Z',
            zoneName: 'Main entrance',
            zoneKind: 'exit',
            floor: '0',
            lastSeen: '2026-12-02T08:50:00.000Z',
            battery: 80,
            lowBattery: false,
          },
        ],
      },
    });
    const chairs = await call(handler, event('/api/assets?type=wheelchair&available=true'));
    expect(chairs.body.assets.map((a: { asset: string }) => a.asset)).toEqual(['chair-01']);
    // A site with no tags answers its assets never seen (none here), not an error.
    expect(await call(handler, event('/api/assets?site=site-b'))).toEqual({ status: 200, body: { assets: [] } });
  });

  it('refuses a bad parameter by name, POST, and a call without the IAM caller', async () => {
    const handler = handlerWith(wingConfigBundle());
    expect(await call(handler, event('/api/assets?status=lost'))).toEqual({
      status: 400,
      body: { error: 'status: one of present, missing, left_building, never_seen' },
    });
    expect(await call(handler, event('/api/assets?limit=0'))).toEqual({
      status: 400,
      body: { error: 'limit: a whole number from 1' },
    });
    expect((await call(handler, event('/api/assets', { method: 'POST' }))).status).toBe(404);
    expect((await call(handler, event('/api/assets', { iam: false }))).status).toBe(401);
  });

  it('answers 404 naming the missing section when the config has no assets:', async () => {
    const document = parse(readFileSync('config/example.yaml', 'utf8')) as Record<string, unknown>;
    delete document.assets;
    expect(await call(handlerWith(bundledConfig(document)), event('/api/assets'))).toEqual({
      status: 404,
      body: { error: "this deployment's config has no assets: section" },
    });
  });

  it('POST /api/assets/import: refuses a body without the CSV or with a bad site, and a config without assets:', async () => {
    const handler = handlerWith(wingConfigBundle());
    const post = (json: unknown) => event('/api/assets/import', { method: 'POST', json });
    expect(await call(handler, post({ site: 'site-a' }))).toEqual({
      status: 400,
      body: { error: 'invalid request', problems: ["csv: the file's text is required"] },
    });
    expect(await call(handler, post({ csv: 'id,tag,type\nbed-9,T-0999,bed\n', site: 7 }))).toEqual({
      status: 400,
      body: { error: 'invalid request', problems: ['site: a site id'] },
    });
    expect(await call(handler, post({ csv: 'id,tag,type\nbed-9,T-0999,bed\n', site: 'site-z' }))).toMatchObject({
      status: 400,
      body: { error: 'invalid CSV' },
    });
    const document = parse(readFileSync('config/example.yaml', 'utf8')) as Record<string, unknown>;
    delete document.assets;
    expect((await call(handlerWith(bundledConfig(document)), post({ csv: 'id,tag,type\n' }))).status).toBe(404);
  });
});

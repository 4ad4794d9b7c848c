import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportHandler } from '../../lambdas/report.js';
import { DynamoAssetImports } from '../../src/adapters/aws/dynamodb-asset-imports.js';
import { DynamoTagLocations } from '../../src/adapters/aws/dynamodb-tag-locations.js';
import { DEFAULT_ASSET_SETTINGS, RegistryIndex } from '../../src/domain/assets/registry.js';
import type { ReportMessage } from '../../src/domain/report/message.js';
import { bundledConfig } from '../support/bundled-config.js';
import {
  createTagLocationTable,
  LIFECYCLE_TABLE,
  startDynamoLocal,
  type DynamoLocal,
} from '../support/dynamodb-local.js';
import { FakeTimestream } from './fake-timestream.js';
import { outputOf } from './lambda-output.js';

/**
 * The daily report's asset section in AWS: read from the tag location table (dynalite), as
 * `pflow report` reads it from the local tracker. The metric store (Timestream, answered by the
 * fake) holds nothing; the SNS publish is asserted.
 */

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:pflow-alerts';
const NOW = Date.parse('2026-12-02T06:00:00Z');
const MIN = 60_000;
const sns = mockClient(SNSClient);
const query = mockClient(TimestreamQueryClient);
const timestream = new FakeTimestream();
const published: PublishCommandInput[] = [];
const context = { functionName: 'pflow-report', awsRequestId: 'r-1' } as unknown as Context;
let ddb: DynamoLocal;
let dir: string;
const saved = { ...process.env };

const assets = {
  zones: [
    { id: 'store-3', site: 'site-a', name: 'Store 3', kind: 'storage' },
    { id: 'room-301', site: 'site-a', name: 'Room 301', kind: 'clinical' },
  ],
  items: [
    { id: 'pump-1', site: 'site-a', tag: 'T-1', type: 'infusion-pump' },
    { id: 'pump-2', site: 'site-a', tag: 'T-2', type: 'infusion-pump' },
  ],
  par_levels: [{ site: 'site-a', zone: 'store-3', type: 'infusion-pump', min: 2 }],
};

beforeAll(async () => {
  ddb = await startDynamoLocal();
  await createTagLocationTable(ddb.client, 'tag-locations');
  // pump-1 silent in the store for an hour (missing); pump-2 in a room with a low battery.
  const locations = new DynamoTagLocations(
    ddb.client,
    'tag-locations',
    () => new RegistryIndex({ zones: [], assets: [], parLevels: [] }),
    DEFAULT_ASSET_SETTINGS,
  );
  await locations.apply('site-a', [
    { tag: 'T-1', t: NOW - 60 * MIN, zone: 'store-3' },
    { tag: 'T-2', t: NOW - MIN, zone: 'room-301', battery: 9 },
  ]);
  dir = mkdtempSync(join(tmpdir(), 'pflow-report-assets-'));
  writeFileSync(
    join(dir, 'pflow-config.json'),
    bundledConfig({
      version: 1,
      sites: [{ id: 'site-a', timezone: 'UTC' }],
      channels: [{ id: 'hook', kind: 'slack', slack: { url: 'https://hooks.slack.com/services/T1/B1/x' } }],
      routes: [{ channels: ['hook'] }],
      reports: [{ id: 'morning', at: '06:00', sites: ['site-a'], channels: ['hook'] }],
      assets,
    }),
  );
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
  });
  query.on(QueryCommand).callsFake((input: { QueryString: string }) => timestream.query(input.QueryString));
  sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    published.push(input);
    return { MessageId: `m-${published.length}` };
  });
});
afterAll(async () => {
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION'])
    if (!(key in saved)) delete process.env[key];
  sns.restore();
  query.restore();
  rmSync(dir, { recursive: true, force: true });
  await ddb?.close();
});

describe('report function with assets: (tag location table, CSV imports)', () => {
  it('reports the missing assets, low batteries and par shortages from where the tags are now', async () => {
    const handler = createReportHandler({
      env: {
        LAMBDA_TASK_ROOT: dir,
        PFLOW_TIMESTREAM_DATABASE: 'pflow',
        PFLOW_ALERT_TOPIC_ARN: TOPIC,
        PFLOW_LIFECYCLE_TABLE: LIFECYCLE_TABLE,
        PFLOW_TAG_LOCATION_TABLE: 'tag-locations',
      },
      clock: { now: () => NOW },
    });
    await outputOf(() => handler({ report: 'morning', site: 'site-a' }, context));
    expect(published).toHaveLength(1);
    const message = JSON.parse(published[0]!.Message!) as ReportMessage;
    const assetsSection = message.digest.assets!;
    expect(assetsSection.missing.map((l) => l.asset)).toEqual(['pump-1']);
    expect(assetsSection.lowBattery.map((l) => l.asset)).toEqual(['pump-2']);
    expect(assetsSection.leftBuilding).toEqual([]);
    // Neither pump is available in store-3 (one missing, one in a room): short by 2.
    expect(assetsSection.shortages).toMatchObject([{ zone: 'store-3', type: 'infusion-pump' }]);
  });

  it('counts the assets imported with pflow assets import --aws like the configured ones', async () => {
    await new DynamoAssetImports(ddb.client, 'tag-locations').replace(
      ['site-a'],
      [{ id: 'pump-9', site: 'site-a', tag: 'T-9', type: 'infusion-pump', source: 'import' }],
      'imp-1',
      NOW - 10 * MIN,
    );
    await new DynamoTagLocations(
      ddb.client,
      'tag-locations',
      () => new RegistryIndex({ zones: [], assets: [], parLevels: [] }),
      DEFAULT_ASSET_SETTINGS,
    ).apply('site-a', [{ tag: 'T-9', t: NOW - 2 * MIN, zone: 'room-301', battery: 5 }]);
    const handler = createReportHandler({
      env: {
        LAMBDA_TASK_ROOT: dir,
        PFLOW_TIMESTREAM_DATABASE: 'pflow',
        PFLOW_ALERT_TOPIC_ARN: TOPIC,
        PFLOW_LIFECYCLE_TABLE: LIFECYCLE_TABLE,
        PFLOW_TAG_LOCATION_TABLE: 'tag-locations',
      },
      clock: { now: () => NOW },
    });
    published.length = 0;
    await outputOf(() => handler({ report: 'morning', site: 'site-a' }, context));
    const message = JSON.parse(published[0]!.Message!) as ReportMessage;
    expect(message.digest.assets!.lowBattery.map((l) => l.asset)).toEqual(['pump-2', 'pump-9']);
  });
});

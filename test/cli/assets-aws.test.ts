import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLifecycleApiHandler } from '../../lambdas/lifecycle-api.js';
import {
  AWS_IMPORT_MAX_BODY_BYTES,
  runAwsAssetsFind,
  runAwsAssetsImport,
  type AwsAssetsFindOptions,
} from '../../src/cli/assets-aws.js';
import { LifecycleApiClient, lifecycleApiTarget } from '../../src/cli/lifecycle-api-client.js';
import { WING_AT, WING_TABLE, seedWing, wingConfigBundle } from '../support/asset-wing.js';
import { LIFECYCLE_TABLE, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { throughLifecycleFunction } from '../support/lifecycle-api-gateway.js';
import { startSigV4Loopback, type SigV4Loopback } from '../support/sigv4-loopback.js';

/**
 * `pflow assets find --aws` end to end on this machine: the CLI signs the call, a loopback checks
 * the signature as API Gateway's IAM authorizer would and hands the request to the real lifecycle
 * API function, which reads the tag location table on dynalite. Same question, same printout as
 * the local command.
 */

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const clock = { now: () => WING_AT };
let dir: string;
let ddb: DynamoLocal;
let api: SigV4Loopback;
let client: LifecycleApiClient;
const saved = { ...process.env };

function output() {
  const lines = { stdout: '', stderr: '' };
  return {
    lines,
    out: { stdout: (t: string) => void (lines.stdout += t), stderr: (t: string) => void (lines.stderr += t) },
  };
}

async function find(options: Omit<AwsAssetsFindOptions, 'clock'>) {
  const { lines, out } = output();
  const code = await runAwsAssetsFind(client, { ...options, clock }, out);
  return { code, ...lines };
}

beforeAll(async () => {
  ddb = await startDynamoLocal();
  await seedWing(ddb.client);
  dir = mkdtempSync(join(tmpdir(), 'pflow-assets-aws-'));
  writeFileSync(join(dir, 'pflow-config.json'), wingConfigBundle());
  const env = {
    LAMBDA_TASK_ROOT: dir,
    PFLOW_LIFECYCLE_TABLE: LIFECYCLE_TABLE,
    PFLOW_TAG_LOCATION_TABLE: WING_TABLE,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
  };
  Object.assign(process.env, env);
  api = await startSigV4Loopback({ credentials, region: 'eu-west-1', service: 'execute-api' });
  let imports = 0;
  api.answer = throughLifecycleFunction(
    createLifecycleApiHandler({ env, clock, newImportId: () => `imp-${++imports}` }),
  );
  const target = lifecycleApiTarget({ apiUrl: api.url, region: 'eu-west-1' }, {});
  if ('problem' in target) throw new Error(target.problem);
  client = new LifecycleApiClient(target, { credentials: async () => credentials });
});

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  await api?.close();
  await ddb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pflow assets find --aws through the lifecycle API function', () => {
  it('finds the nearest available infusion pump on floor 3 with one signed GET /api/assets', async () => {
    const before = api.requests.length;
    const found = await find({ type: 'infusion-pump', floor: '3', available: true, limit: 1 });
    expect(found).toEqual({
      code: 0,
      stdout:
        'pump-301  infusion-pump  present available  Equipment store 3 (floor 3) since 2026-12-02T08:00:00.000Z, last seen 60 s ago, battery 80%\n',
      stderr: '',
    });
    const [request] = api.requests.slice(before);
    expect(request!.method).toBe('GET');
    expect(request!.url).toBe('/api/assets?type=infusion-pump&floor=3&available=true&limit=1');
    expect(request!.credential).toMatchObject({ region: 'eu-west-1', service: 'execute-api' });
  });

  it('lists every pump, available first, then present, missing, left the building and never seen', async () => {
    const found = await find({ type: 'infusion-pump' });
    expect(found.code).toBe(0);
    expect(found.stdout.split('\n').filter(Boolean)).toEqual([
      'pump-301  infusion-pump  present available  Equipment store 3 (floor 3) since 2026-12-02T08:00:00.000Z, last seen 60 s ago, battery 80%',
      'pump-302  infusion-pump  present  Room 301 (floor 3) since 2026-12-02T08:15:00.000Z, last seen 60 s ago, battery 9% LOW',
      'pump-306  infusion-pump  left_building  Main entrance (floor 0) since 2026-12-02T08:46:00.000Z, last seen 600 s ago, battery 80%',
      'pump-303  infusion-pump  missing  Clean utility 3 (floor 3) since 2026-12-02T08:00:00.000Z, last seen 2400 s ago, battery 80%',
      'pump-304  infusion-pump  never_seen  never seen',
      'pump-305  infusion-pump  never_seen  never seen',
    ]);
  });

  it('prints the same JSON as the local command (epoch ms), by asset id and by status', async () => {
    const one = await find({ id: 'pump-302', json: true });
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(
      `${JSON.stringify(
        [
          {
            asset: 'pump-302',
            site: 'site-a',
            tag: 'T-0302',
            type: 'infusion-pump',
            department: 'ward-3',
            homeZone: 'store-3',
            status: 'present',
            available: false,
            zone: 'room-301',
            since: WING_AT - 45 * 60_000,
            zoneName: 'Room 301',
            zoneKind: 'clinical',
            floor: '3',
            lastSeen: WING_AT - 60_000,
            battery: 9,
            lowBattery: true,
          },
        ],
        null,
        2,
      )}\n`,
    );
    const missing = await find({ status: 'missing', site: 'site-a' });
    expect(missing.stdout).toMatch(/^pump-303 {2}infusion-pump {2}missing /);
    expect(missing.stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('exits 1 with "no asset matches" when nothing matches, and names a bad option the API refused', async () => {
    expect(await find({ type: 'ventilator' })).toEqual({ code: 1, stdout: 'no asset matches\n', stderr: '' });
    expect(await find({ type: 'infusion-pump', limit: Number.NaN })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'limit: a whole number from 1\n',
    });
  });

  it('says what to check when IAM refuses the credentials', async () => {
    const target = lifecycleApiTarget({ apiUrl: api.url, region: 'eu-west-1' }, {});
    if ('problem' in target) throw new Error(target.problem);
    const stranger = new LifecycleApiClient(target, {
      credentials: async () => ({ ...credentials, secretAccessKey: 'not-the-key' }),
    });
    const { lines, out } = output();
    expect(await runAwsAssetsFind(stranger, { type: 'infusion-pump', clock }, out)).toBe(1);
    expect(lines.stderr.split('\n')[0]).toMatch(/^the lifecycle API refused your AWS credentials \(403/);
  });

  it('refuses a file too large for one request before sending anything, and says to split it by site', async () => {
    const file = join(dir, 'huge.csv');
    const row = 'bed-000000,T-000000,bed,store-3\n';
    const rows = Math.ceil(AWS_IMPORT_MAX_BODY_BYTES / row.length) + 1;
    writeFileSync(file, 'id,tag,type,home_zone\n' + row.repeat(rows));
    const sentBefore = api.requests.length;
    const huge = output();
    expect(await runAwsAssetsImport(client, { file, site: 'site-a' }, huge.out)).toBe(1);
    expect(huge.lines.stdout).toBe('');
    const csv = 'id,tag,type,home_zone\n' + row.repeat(rows);
    const bytes = JSON.stringify({ csv, site: 'site-a' }).length;
    expect(huge.lines.stderr).toBe(
      `${file}: ${bytes.toLocaleString('en-US')} bytes as a request, over the 5,242,880 one import may send` +
        ' to a deployment; split it by site (--site) and import each part, nothing imported\n',
    );
    expect(api.requests.length).toBe(sentBefore);
  });

  it('imports a CSV into the deployment: every bad row by line and nothing stored, then a good file that find answers for', async () => {
    const file = join(dir, 'beds.csv');
    writeFileSync(
      file,
      'id,tag,type,home_zone\nbed-1,T-0901,bed,store-3\nbed-2,T-0301,bed,\nbed-3,T-0903,Bed,nowhere\n',
    );
    const bad = output();
    expect(await runAwsAssetsImport(client, { file, site: 'site-a' }, bad.out)).toBe(1);
    expect(bad.lines).toEqual({
      stdout: '',
      stderr: [
        'line 3: tag: "T-0301" is already on pump-301 in the config',
        'line 4: type: must be lower-case letters, digits or hyphens, e.g. infusion-pump',
        'line 4: home_zone: no zone "nowhere" at site "site-a"',
        `${file}: 3 errors, nothing imported`,
        '',
      ].join('\n'),
    });
    expect(await find({ type: 'bed' })).toEqual({ code: 1, stdout: 'no asset matches\n', stderr: '' });

    writeFileSync(file, 'id,tag,type,home_zone\nbed-1,T-0901,bed,store-3\nbed-2,T-0902,bed,\n');
    const good = output();
    expect(await runAwsAssetsImport(client, { file, site: 'site-a' }, good.out)).toBe(0);
    writeFileSync(file, 'id,tag,type,home_zone,site\nbed-1,T-0901,bed,store-3,site-a\n');
    expect(await runAwsAssetsImport(client, { file }, good.out)).toBe(0);
    expect(good.lines).toEqual({
      stdout:
        `${file}: OK — 2 assets imported for site-a (replacing 0 imported before)\n` +
        `${file}: OK — 1 asset imported for site-a (replacing 2 imported before)\n`,
      stderr: '',
    });
    expect(await find({ type: 'bed' })).toEqual({
      code: 0,
      stdout:
        'bed-1  bed  present available  Clean utility 3 (floor 3) since 2026-12-02T08:40:00.000Z, last seen 180 s ago, battery 80%\n',
      stderr: '',
    });
    const request = api.requests.find((r) => r.method === 'POST')!;
    expect(request.url).toBe('/api/assets/import');
    expect(JSON.parse(request.body)).toEqual({
      csv: 'id,tag,type,home_zone\nbed-1,T-0901,bed,store-3\nbed-2,T-0301,bed,\nbed-3,T-0903,Bed,nowhere\n',
      site: 'site-a',
    });
  });
});

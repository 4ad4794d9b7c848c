import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLifecycleApiHandler } from '../../lambdas/lifecycle-api.js';
import { LifecycleApiClient, lifecycleApiTarget } from '../../src/cli/lifecycle-api-client.js';
import { awsOnCall, runOnCallWho, runOverrideAdd, runOverrideList, runOverrideRemove } from '../../src/cli/oncall.js';
import { startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { throughLifecycleFunction } from '../support/lifecycle-api-gateway.js';
import { startSigV4Loopback, type SigV4Loopback } from '../support/sigv4-loopback.js';
import { bundledConfig } from '../support/bundled-config.js';

/**
 * `pflow oncall who|override … --aws` end to end on this machine: the CLI signs each call (SigV4,
 * execute-api), a loopback server checks the signature as API Gateway's IAM authorizer would and
 * hands the request to the real lifecycle API function as a payload 2.0 event, which keeps the
 * overrides in the lifecycle table (dynalite). Credentials are made up; nothing leaves the machine.
 */

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const CALLER = 'arn:aws:iam::123456789012:user/lead';
/** The fake clock: Saturday 28 March 2026, 13:00 CET; the night after, Amsterdam springs forward. */
let now = Date.parse('2026-03-28T12:00:00Z');
let dir: string;
let ddb: DynamoLocal;
let api: SigV4Loopback;
let client: LifecycleApiClient;
const saved = { ...process.env };
const TABLE = 'pflow-lifecycle';

function output() {
  const lines = { stdout: '', stderr: '' };
  return {
    lines,
    out: { stdout: (t: string) => void (lines.stdout += t), stderr: (t: string) => void (lines.stderr += t) },
  };
}

beforeAll(async () => {
  ddb = await startDynamoLocal();
  dir = mkdtempSync(join(tmpdir(), 'pflow-oncall-aws-'));
  writeFileSync(
    join(dir, 'pflow-config.json'),
    bundledConfig({
      version: 1,
      sites: [{ id: 'site-a', timezone: 'Europe/Amsterdam' }],
      oncall: [
        {
          team: 'ward-it',
          site: 'site-a',
          rotation: 'daily',
          handover: '09:00',
          start: '2026-03-27',
          members: [{ name: 'Ana', email: 'ana@h.example' }, { name: 'Bo', slack: 'U034BOBOBO' }, { name: 'Cas' }],
        },
      ],
    }),
  );
  const env = {
    LAMBDA_TASK_ROOT: dir,
    PFLOW_LIFECYCLE_TABLE: TABLE,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
  };
  Object.assign(process.env, env);
  let ids = 0;
  const handler = createLifecycleApiHandler({ env, clock: { now: () => now }, newOverrideId: () => `ovr-${++ids}` });
  api = await startSigV4Loopback({ credentials, region: 'eu-west-1', service: 'execute-api' });
  api.answer = throughLifecycleFunction(handler, CALLER);
  const target = lifecycleApiTarget({ apiUrl: api.url, region: 'eu-west-1' }, {});
  if ('problem' in target) throw new Error(target.problem);
  client = new LifecycleApiClient(target, { credentials: async () => credentials });
});

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  await api.close();
  await ddb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pflow oncall … --aws (lifecycle API → lifecycle table)', () => {
  it('adds an override across the DST hand-over; who answers with it; list and remove it', async () => {
    const transport = awsOnCall(client);
    const who = async (at?: string) => {
      const { lines, out } = output();
      const code = await runOnCallWho(
        { transport, team: 'ward-it', json: false, ...(at !== undefined && { at }) },
        out,
      );
      return { code, ...lines };
    };
    expect((await who()).stdout).toMatch(/^Bo \(slack U034BOBOBO\) is on call/);

    const added = output();
    expect(
      await runOverrideAdd(
        {
          transport,
          team: 'ward-it',
          who: 'Ana',
          from: '2026-03-28T09:00',
          to: '2026-03-29T09:00',
          by: 'lead',
          reason: 'swap',
        },
        added.out,
      ),
    ).toBe(0);
    expect(added.lines).toEqual({
      stdout: 'ovr-1\n',
      stderr: 'ovr-1  ward-it  Ana  2026-03-28 09:00 GMT+1 → 2026-03-29 09:00 GMT+2  active  by lead: swap\n',
    });
    // The exact call the CLI signed.
    const post = api.requests.find((request) => request.method === 'POST')!;
    expect(post.url).toBe('/api/oncall/overrides');
    expect(JSON.parse(post.body)).toEqual({
      team: 'ward-it',
      who: 'Ana',
      from: '2026-03-28T09:00',
      to: '2026-03-29T09:00',
      author: 'lead',
      reason: 'swap',
    });
    expect(post.credential).toMatchObject({ region: 'eu-west-1', service: 'execute-api' });

    // Stored under the team's partition, with the schedule the function seeded from its config.
    const item = async (sk: string) =>
      (
        await ddb.client.send(
          new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'oncall#ward-it' }, sk: { S: sk } } }),
        )
      ).Item;
    expect((await item('override#ovr-1'))?.['member']).toEqual({ S: 'Ana' });
    expect((await item('schedule'))?.['schedule']?.S).toContain('"team":"ward-it"');

    expect((await who()).stdout).toBe(
      'Ana (ana@h.example) is on call for ward-it: 2026-03-28 09:00 GMT+1 → 2026-03-29 09:00 GMT+2 (override)\n',
    );
    expect((await who('2026-03-29T08:59')).stdout).toMatch(/^Ana .*\(override\)\n$/);
    expect((await who('2026-03-29T09:00')).stdout).toMatch(/^Cas is on call for ward-it: 2026-03-29 09:00 GMT\+2/);

    const listed = output();
    expect(await runOverrideList({ transport, team: 'ward-it', all: false, json: false }, listed.out)).toBe(0);
    expect(listed.lines.stdout).toBe(added.lines.stderr);

    now += 60_000;
    const removed = output();
    expect(await runOverrideRemove({ transport, team: 'ward-it', id: 'ovr-1', by: 'lead' }, removed.out)).toBe(0);
    expect((await who()).stdout).toMatch(/^Bo /);
    expect((await item('override#ovr-1'))?.['removedBy']).toEqual({ S: 'lead' });
  });

  it('names each bad option, as locally; an unknown team exits 2', async () => {
    const transport = awsOnCall(client);
    const bad = output();
    expect(
      await runOverrideAdd(
        { transport, team: 'ward-it', who: 'Dee', from: '2026-03-28T09:00', to: 'later', by: 'lead' },
        bad.out,
      ),
    ).toBe(1);
    expect(bad.lines.stderr).toBe(
      '--who: no member "Dee" in ward-it\'s schedule (members: Ana, Bo, Cas)\n' +
        '--to: not a date-time: "later" (e.g. 2026-12-24T18:00, local to the team, or 2026-12-24T17:00Z)\n' +
        'no override was made\n',
    );
    const unknown = output();
    expect(await runOnCallWho({ transport, team: 'nurses', json: false }, unknown.out)).toBe(2);
    expect(unknown.lines.stderr).toBe('no on-call schedule for team "nurses" (teams: ward-it)\n');
  });

  it('a call signed with the wrong secret is refused before the function, and says what to check', async () => {
    const wrong = new LifecycleApiClient(client.target, {
      credentials: async () => ({ ...credentials, secretAccessKey: 'nope' }),
    });
    const refused = output();
    expect(await runOnCallWho({ transport: awsOnCall(wrong), team: 'ward-it', json: false }, refused.out)).toBe(1);
    expect(refused.lines.stderr).toMatch(/^the lifecycle API refused your AWS credentials \(403/);
  });
});

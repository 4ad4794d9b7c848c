import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsTokenStore, runAgentToken } from '../../src/cli/agent-token.js';
import { buildProgram } from '../../src/cli/main.js';
import { hashToken } from '../../src/ingest/token.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');

function output() {
  const lines = { stdout: '', stderr: '' };
  return {
    lines,
    out: { stdout: (t: string) => void (lines.stdout += t), stderr: (t: string) => void (lines.stderr += t) },
  };
}

describe('pflow agent token (local pflow.db)', () => {
  let dir: string;
  let config: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pflow-token-cli-'));
    config = join(dir, 'pflow.yaml');
    writeFileSync(
      config,
      `version: 1\nsites: [{ id: site-a }, { id: site-b }]\nlocal: { data_dir: '${join(dir, 'data')}' }\n`,
    );
  });
  afterEach(() => {
    process.exitCode = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function pflow(...args: string[]) {
    const { lines, out } = output();
    process.exitCode = undefined;
    await buildProgram(out).parseAsync(['node', 'pflow', 'agent', 'token', ...args, '--config', config]);
    return { ...lines, code: process.exitCode ?? 0 };
  }

  it('creates (token alone on stdout), lists without the token, revokes', async () => {
    const created = await pflow('create', '--site', 'site-a', '--name', 'lab server');
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^pfa_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const tokenId = token.slice(4, 16);
    expect(created.stderr).toContain(`agent token ${tokenId} created for site site-a (lab server)`);

    await pflow('create', '--site', 'site-b');
    const listed = await pflow('list', '--site', 'site-a', '--json');
    expect(JSON.parse(listed.stdout)).toEqual([
      { tokenId, site: 'site-a', name: 'lab server', created: expect.any(String), revoked: null },
    ]);
    expect(listed.stdout).not.toContain(token.slice(17));
    const all = await pflow('list');
    expect(all.stdout.split('\n')[0]).toMatch(/^ID\s+SITE\s+NAME\s+CREATED\s+REVOKED$/);
    expect(all.stdout.trim().split('\n')).toHaveLength(3);

    expect((await pflow('revoke', tokenId, '--site', 'site-b')).code).toBe(1);
    const revoked = await pflow('revoke', tokenId);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^agent token ${tokenId} \\(site site-a, lab server\\) revoked at 20`));
    const after = await pflow('list', '--site', 'site-a', '--json');
    expect(JSON.parse(after.stdout)[0].revoked).toEqual(expect.any(String));
  });

  it('refuses a site the config does not have, and a malformed token id', async () => {
    const unknown = await pflow('create', '--site', 'site-x');
    expect(unknown).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'no site "site-x" in the config; sites: site-a, site-b\n',
    });
    const bad = await pflow('revoke', 'pfa_abc');
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'not a token id: "pfa_abc" (12 letters and digits, as list shows)\n',
    });
  });
});

describe('pflow agent token --aws (DynamoDB requests)', () => {
  const ddb = mockClient(DynamoDBClient);
  afterEach(() => ddb.reset());
  const client = new DynamoDBClient({ region: 'eu-central-1' });

  it('needs the table name', () => {
    expect(awsTokenStore({}, {})).toBe(
      "--aws needs --table <the stack's AgentTokenTable output> (or PFLOW_AGENT_TOKEN_TABLE)",
    );
    expect(awsTokenStore({ client }, { PFLOW_AGENT_TOKEN_TABLE: 'pf-AgentTokens' })).not.toBeTypeOf('string');
  });

  it('create puts the hashed token, conditional on a new hash', async () => {
    ddb.on(PutItemCommand).resolves({});
    const store = awsTokenStore({ table: 'pf-AgentTokens', client });
    if (typeof store === 'string') throw new Error(store);
    const { lines, out } = output();
    expect(
      await runAgentToken({ action: 'create', site: 'st-anna-lab', name: 'lab-01' }, { store, now: T0, out }),
    ).toBe(0);
    const token = lines.stdout.trim();
    expect(ddb.commandCalls(PutItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: 'pf-AgentTokens',
        Item: {
          tokenHash: { S: hashToken(token) },
          tokenId: { S: token.slice(4, 16) },
          site: { S: 'st-anna-lab' },
          name: { S: 'lab-01' },
          createdAt: { N: String(T0) },
        },
        ConditionExpression: 'attribute_not_exists(tokenHash)',
      },
    ]);
    expect(JSON.stringify(ddb.calls().map((c) => c.args[0].input))).not.toContain(token);
  });

  it('revoke finds the token by id and sets revokedAt once', async () => {
    const item = {
      tokenHash: { S: 'ab'.repeat(32) },
      tokenId: { S: 'abcdefabcdef' },
      site: { S: 'st-anna-lab' },
      name: { S: 'lab-01' },
      createdAt: { N: String(T0) },
    };
    ddb.on(ScanCommand).resolves({ Items: [item] });
    ddb.on(UpdateItemCommand).resolves({});
    const store = awsTokenStore({ table: 'pf-AgentTokens', client });
    if (typeof store === 'string') throw new Error(store);
    const { lines, out } = output();
    expect(await runAgentToken({ action: 'revoke', tokenId: 'abcdefabcdef' }, { store, now: T0 + 1000, out })).toBe(0);
    expect(lines.stdout).toBe(
      'agent token abcdefabcdef (site st-anna-lab, lab-01) revoked at 2026-12-01T08:00:01.000Z\n',
    );
    expect(ddb.commandCalls(ScanCommand)[0]!.args[0].input).toEqual({
      TableName: 'pf-AgentTokens',
      ConsistentRead: true,
    });
    expect(ddb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: 'pf-AgentTokens',
        Key: { tokenHash: { S: 'ab'.repeat(32) } },
        UpdateExpression: 'SET revokedAt = :now',
        ConditionExpression: 'attribute_exists(tokenHash) AND attribute_not_exists(revokedAt)',
        ExpressionAttributeValues: { ':now': { N: String(T0 + 1000) } },
      },
    ]);
  });

  it('says the store refused when DynamoDB does', async () => {
    ddb
      .on(ScanCommand)
      .rejects(
        Object.assign(new Error('User is not authorized to perform: dynamodb:Scan'), { name: 'AccessDeniedException' }),
      );
    const store = awsTokenStore({ table: 'pf-AgentTokens', client });
    if (typeof store === 'string') throw new Error(store);
    const { lines, out } = output();
    expect(await runAgentToken({ action: 'list', json: false }, { store, now: T0, out })).toBe(1);
    expect(lines.stderr).toBe(
      'the token store refused: AccessDeniedException: User is not authorized to perform: dynamodb:Scan\n',
    );
  });
});

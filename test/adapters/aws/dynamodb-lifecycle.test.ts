import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLifecycleStore } from '../../../src/adapters/aws/dynamodb-lifecycle.js';
import { createLifecycleTable, startDynamoLocal, type DynamoLocal } from '../../support/dynamodb-local.js';
import { describeLifecycleStoreContract } from '../lifecycle-store-contract.js';

let ddb: DynamoLocal;
let tables = 0;

beforeAll(async () => {
  ddb = await startDynamoLocal();
});
afterAll(async () => {
  await ddb.close();
});

/** A fresh table per test, as lib/lifecycle.ts creates it. */
async function freshStore(options: { silenceRetentionMs?: number } = {}) {
  const table = `lifecycle-${++tables}`;
  await createLifecycleTable(ddb.client, table);
  return { table, store: new DynamoLifecycleStore({ client: ddb.client, table, ...options }) };
}

describeLifecycleStoreContract('DynamoDB (dynalite)', async () => (await freshStore()).store);

const T0 = Date.parse('2026-12-02T08:00:00Z');
const DAY = 86_400_000;

describe('DynamoLifecycleStore in DynamoDB', () => {
  it('gives ended silences and used link nonces a TTL; acknowledgements and audit records none', async () => {
    const { table, store } = await freshStore({ silenceRetentionMs: 30 * DAY });
    await store.addSilence({
      id: 'sil-1',
      matchers: ['site="site-a"'],
      startsAt: T0,
      endsAt: T0 + 3_600_000,
      author: 'ana',
      comment: 'night works',
      createdAt: T0,
    });
    const item = async (pk: string, sk: string) =>
      (await ddb.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } } }))).Item;
    expect((await item('silence', 'sil-1'))?.['expiresAt']).toEqual({ N: String((T0 + 3_600_000 + 30 * DAY) / 1000) });
    await store.expireSilence('sil-1', 'bo', T0 + 60_000);
    expect((await item('silence', 'sil-1'))?.['expiresAt']).toEqual({ N: String((T0 + 60_000 + 30 * DAY) / 1000) });

    await store.acknowledge({
      alertKey: 'portal-down/1',
      incarnation: T0,
      by: 'ana',
      reason: 'on it',
      at: T0,
      source: 'link',
      linkNonce: 'nonce-1',
    });
    expect((await item('link', 'nonce-1'))?.['expiresAt']).toEqual({ N: String((T0 + 8 * DAY) / 1000) });
    expect((await item('ack', 'portal-down/1'))?.['expiresAt']).toBeUndefined();
    const audit = await ddb.client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'audit' } },
      }),
    );
    expect(audit.Items?.map((i) => i['expiresAt'])).toEqual([undefined]);
  });

  it('two stores (two Lambda containers) acknowledging at once: one holds, both audited with distinct ids', async () => {
    const { table, store } = await freshStore();
    const other = new DynamoLifecycleStore({ client: ddb.client, table });
    const request = { alertKey: 'portal-down/1', incarnation: T0, reason: 'on it', at: T0, source: 'api' as const };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? store : other).acknowledge({ ...request, by: `p${i}` })),
    );
    expect(results.map((r) => r.outcome).filter((o) => o === 'acknowledged')).toHaveLength(1);
    const audit = await store.audit('portal-down/1');
    expect(audit).toHaveLength(10);
    expect(new Set(audit.map((r) => r.id)).size).toBe(10);
  });
});

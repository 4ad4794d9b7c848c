import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLifecycleStore } from '../../../src/adapters/aws/dynamodb-lifecycle.js';
import { alertEvent } from '../../support/alert-event.js';
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

  describe('the acknowledgement outbox (the update on the acknowledgement item)', () => {
    const KEY = 'pfsw-login/0123456789abcdef';
    const update = (at: number) =>
      alertEvent({
        id: `site-a/${KEY}/${new Date(at).toISOString()}/ack`,
        acknowledgement: { by: 'ana', reason: 'on it', at: new Date(at).toISOString() },
      });
    const request = { alertKey: KEY, incarnation: T0, reason: 'on it', at: T0, source: 'api' as const };

    it('commits the update with the winning acknowledgement only, claimed by the request that made it', async () => {
      const { store } = await freshStore();
      expect((await store.acknowledge({ ...request, by: 'ana', update: update(T0) })).outcome).toBe('acknowledged');
      expect((await store.acknowledge({ ...request, by: 'bo', at: T0 + 5, update: update(T0 + 5) })).outcome).toBe(
        'already_acknowledged',
      );
      expect((await store.ackSnapshot()).pendingUpdates).toEqual([
        { alertKey: KEY, update: update(T0), claimedAt: T0 },
      ]);
    });

    it("two stores acknowledging at once leave one pending update, the winner's", async () => {
      const { table, store } = await freshStore();
      const other = new DynamoLifecycleStore({ client: ddb.client, table });
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 === 0 ? store : other).acknowledge({ ...request, by: `p${i}`, at: T0 + i, update: update(T0 + i) }),
        ),
      );
      const winner = results.findIndex((r) => r.outcome === 'acknowledged');
      expect(results.filter((r) => r.outcome === 'acknowledged')).toHaveLength(1);
      expect((await store.ackSnapshot()).pendingUpdates.map((p) => p.update.id)).toEqual([update(T0 + winner).id]);
      expect(await store.audit(KEY)).toHaveLength(6);
    });

    it('claims conditionally on what was read, and marks it sent exactly once', async () => {
      const { table, store } = await freshStore();
      await store.acknowledge({ ...request, by: 'ana', update: update(T0) });
      const [pending] = (await store.ackSnapshot()).pendingUpdates;
      const sweeps = [store, new DynamoLifecycleStore({ client: ddb.client, table })];
      const claims = await Promise.all(sweeps.map((sweep) => sweep.claimAckUpdate(pending!, T0 + 60_000)));
      expect(claims.sort()).toEqual([false, true]);
      // A claim read before the other one took it over is stale now.
      expect(await store.claimAckUpdate(pending!, T0 + 61_000)).toBe(false);
      const marks = await Promise.all(sweeps.map((sweep) => sweep.ackUpdateSent(KEY, pending!.update.id, T0 + 62_000)));
      expect(marks.sort()).toEqual([false, true]);
      expect((await store.ackSnapshot()).pendingUpdates).toEqual([]);
      const item = (
        await ddb.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'ack' }, sk: { S: KEY } } }))
      ).Item!;
      expect(item['updateSentAt']).toEqual({ N: String(T0 + 62_000) });
      expect(item['pendingUpdate']).toBeUndefined();
      // The acknowledgement itself still holds.
      expect((await store.currentAcks()).get(KEY)).toMatchObject({ by: 'ana', incarnation: T0 });
    });

    it('keeps an acknowledgement of a resolved alert until its update is sent; an unack drops the update', async () => {
      const { store } = await freshStore();
      await store.acknowledge({ ...request, by: 'ana', update: update(T0) });
      expect(await store.dropAcksExcept(new Set())).toBe(0);
      expect(await store.ackUpdateSent(KEY, update(T0).id, T0 + 1)).toBe(true);
      expect(await store.dropAcksExcept(new Set())).toBe(1);

      await store.acknowledge({ ...request, incarnation: T0 + 1, by: 'ana', update: update(T0 + 1) });
      expect(await store.unacknowledge({ ...request, incarnation: T0 + 1, by: 'ana', reason: 'wrong alert' })).toBe(
        true,
      );
      expect((await store.ackSnapshot()).pendingUpdates).toEqual([]);
      expect(await store.ackUpdateSent(KEY, update(T0 + 1).id, T0 + 2)).toBe(false);
    });
  });
});

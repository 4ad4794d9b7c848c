import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoOnCallStore } from '../../../src/adapters/aws/dynamodb-oncall.js';
import { createLifecycleTable, startDynamoLocal, type DynamoLocal } from '../../support/dynamodb-local.js';
import { describeOnCallStoreContract, override, schedule } from '../oncall-store-contract.js';

let ddb: DynamoLocal;
let tables = 0;

beforeAll(async () => {
  ddb = await startDynamoLocal();
});
afterAll(async () => {
  await ddb.close();
});

/** A fresh lifecycle table per test, as lib/lifecycle.ts creates it (the on-call items share it). */
async function freshStore(options: { retentionMs?: number } = {}) {
  const table = `oncall-${++tables}`;
  await createLifecycleTable(ddb.client, table);
  return { table, store: new DynamoOnCallStore({ client: ddb.client, table, ...options }) };
}

describeOnCallStoreContract('DynamoDB (dynalite)', async () => (await freshStore()).store);

const DAY = 86_400_000;

describe('DynamoOnCallStore in the lifecycle table', () => {
  it('keys a team’s items under oncall#<team>; an override gets a TTL a retention after it ends (or was removed)', async () => {
    const { table, store } = await freshStore({ retentionMs: 30 * DAY });
    await store.seedSchedules([schedule], 1);
    await store.addOverride(override());
    const item = async (sk: string) =>
      (
        await ddb.client.send(
          new GetItemCommand({ TableName: table, Key: { pk: { S: 'oncall#ward-it' }, sk: { S: sk } } }),
        )
      ).Item;
    expect((await item('schedule'))?.['expiresAt']).toBeUndefined();
    expect((await item('override#ovr-1'))?.['expiresAt']).toEqual({ N: String((override().endsAt + 30 * DAY) / 1000) });
    const removedAt = override().startsAt + 60_000;
    await store.removeOverride('ward-it', 'ovr-1', 'lead', removedAt);
    expect((await item('override#ovr-1'))?.['expiresAt']).toEqual({ N: String((removedAt + 30 * DAY) / 1000) });
  });

  it('two functions seeding the same change at once write it once', async () => {
    const { table, store } = await freshStore();
    const other = new DynamoOnCallStore({ client: ddb.client, table });
    await store.seedSchedules([schedule], 1);
    const changed = { ...schedule, members: [...schedule.members].reverse() };
    const written = await Promise.all([store.seedSchedules([changed], 2), other.seedSchedules([changed], 3)]);
    expect(written[0]! + written[1]!).toBe(1);
    expect((await store.teamOnCall('ward-it')).schedule?.schedule).toEqual(changed);
  });
});

import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTagLocations } from '../../../src/adapters/aws/dynamodb-tag-locations.js';
import type { TagEvent } from '../../../src/domain/assets/tag-event.js';
import { index, MIN, S, settings, T0 } from '../../domain/assets/fixtures.js';
import { createTagLocationTable, startDynamoLocal, type DynamoLocal } from '../../support/dynamodb-local.js';

/** The tag location table on dynalite, created as lib/tag-locations.ts creates it. */

let ddb: DynamoLocal;
let tables = 0;

async function newTable(): Promise<string> {
  const name = `pflow-tag-locations-${++tables}`;
  await createTagLocationTable(ddb.client, name);
  return name;
}

const locations = (table: string, client: Pick<DynamoDBClient, 'send'> = ddb.client) =>
  new DynamoTagLocations(client, table, () => index, settings);

beforeAll(async () => {
  ddb = await startDynamoLocal();
});
afterAll(async () => {
  await ddb.close();
});

describe('DynamoTagLocations on dynalite', () => {
  it('keeps the newest zone and since-when per tag, with readings, in one item', async () => {
    const table = await newTable();
    const store = locations(table);
    expect(
      await store.apply('a', [
        { tag: 'T-1', t: T0, zone: 'store-3', battery: 80 },
        { tag: 'T-2', t: T0, x: 5, y: 5, floor: '3' },
      ]),
    ).toEqual({ written: 2, unchanged: 0, retried: 0 });
    await store.apply('a', [{ tag: 'T-1', t: T0 + MIN, zone: 'room-301' }]);
    expect(await store.get('a', 'T-1')).toEqual({
      state: {
        site: 'a',
        tag: 'T-1',
        lastSeen: T0 + MIN,
        zone: 'room-301',
        since: T0 + MIN,
        previousZone: 'store-3',
        previousSince: T0,
        battery: 80,
        batteryAt: T0,
      },
      version: 2,
    });
    // x/y resolved to its zone through the registry, as the local runtime does.
    expect((await store.get('a', 'T-2'))?.state).toMatchObject({ zone: 'room-301', since: T0, floor: '3' });
  });

  it('never moves a tag back for a late event, and writes nothing for a duplicate', async () => {
    const table = await newTable();
    const store = locations(table);
    await store.apply('a', [{ tag: 'T-1', t: T0 + 2 * MIN, zone: 'room-302' }]);
    // Older than what is stored: the location stays; its newer battery reading still counts.
    expect(await store.apply('a', [{ tag: 'T-1', t: T0, zone: 'store-3', battery: 50 }])).toEqual({
      written: 1,
      unchanged: 0,
      retried: 0,
    });
    expect(await store.get('a', 'T-1')).toEqual({
      state: {
        site: 'a',
        tag: 'T-1',
        lastSeen: T0 + 2 * MIN,
        zone: 'room-302',
        since: T0 + 2 * MIN,
        battery: 50,
        batteryAt: T0,
      },
      version: 2,
    });
    expect(await store.apply('a', [{ tag: 'T-1', t: T0, zone: 'store-3', battery: 50 }])).toEqual({
      written: 0,
      unchanged: 1,
      retried: 0,
    });
    expect((await store.get('a', 'T-1'))?.version).toBe(2);
  });

  it('loses neither update when two invocations write one tag at once, and the older never wins', async () => {
    const table = await newTable();
    const other = locations(table);
    await other.apply('a', [{ tag: 'T-1', t: T0, zone: 'store-3' }]);
    // This invocation read the item, then the other one wrote a newer event before its put.
    let raced = false;
    const racing: Pick<DynamoDBClient, 'send'> = {
      send: (async (command: unknown) => {
        if (command instanceof PutItemCommand && !raced) {
          raced = true;
          await other.apply('a', [{ tag: 'T-1', t: T0 + 5 * MIN, zone: 'room-302', battery: 40 }]);
        }
        return ddb.client.send(command as PutItemCommand);
      }) as DynamoDBClient['send'],
    };
    const report = await locations(table, racing).apply('a', [
      { tag: 'T-1', t: T0 + MIN, zone: 'clean-2', button: 'attention' },
    ]);
    expect(report).toEqual({ written: 1, unchanged: 0, retried: 1 });
    expect(await locations(table).get('a', 'T-1')).toEqual({
      state: {
        site: 'a',
        tag: 'T-1',
        lastSeen: T0 + 5 * MIN,
        zone: 'room-302',
        since: T0 + 5 * MIN,
        previousZone: 'store-3',
        previousSince: T0,
        battery: 40,
        batteryAt: T0 + 5 * MIN,
        button: 'attention',
        buttonAt: T0 + MIN,
      },
      version: 3,
    });
  });

  it('refuses at the table a write whose lastSeen would go down, even with the version it read', async () => {
    const table = await newTable();
    const store = locations(table);
    await store.apply('a', [{ tag: 'T-1', t: T0 + MIN, zone: 'room-301' }]);
    await expect(
      ddb.client.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            site: { S: 'a' },
            tag: { S: 'T-1' },
            lastSeen: { N: String(T0) },
            zone: { S: 'store-3' },
            version: { N: '2' },
          },
          ConditionExpression: 'version = :read AND lastSeen <= :lastSeen',
          ExpressionAttributeValues: { ':read': { N: '1' }, ':lastSeen': { N: String(T0) } },
        }),
      ),
    ).rejects.toThrow(/conditional/i);
    const { Item } = await ddb.client.send(
      new GetItemCommand({ TableName: table, Key: { site: { S: 'a' }, tag: { S: 'T-1' } } }),
    );
    expect(Item?.['zone']).toEqual({ S: 'room-301' });
  });

  it('reads a batch of more tags than one BatchGetItem takes, and lists a site', async () => {
    const table = await newTable();
    const store = locations(table);
    const events: TagEvent[] = Array.from({ length: 250 }, (_, i) => ({ tag: `T-${i}`, t: T0, zone: 'store-3' }));
    expect(await store.apply('a', events)).toEqual({ written: 250, unchanged: 0, retried: 0 });
    expect(await store.apply('a', events)).toEqual({ written: 0, unchanged: 250, retried: 0 });
    await store.apply('b', [{ tag: 'T-0', t: T0, zone: 'store-3' }]);
    const site = await store.site('a');
    expect(site).toHaveLength(250);
    expect(new Set(site.map((s) => s.zone))).toEqual(new Set(['store-3']));
    expect(await store.site('b')).toEqual([{ site: 'b', tag: 'T-0', lastSeen: T0, zone: 'store-3', since: T0 }]);
  });

  it('throws when the table cannot be written, so the batch is answered 503 and sent again', async () => {
    await expect(locations('no-such-table').apply('a', [{ tag: 'T-1', t: T0, zone: 'store-3' }])).rejects.toThrow(
      /non-existent table|not found|ResourceNotFound/i,
    );
  });

  it('gives up after a number of tries when the tag keeps changing under it', async () => {
    const table = await newTable();
    const other = locations(table);
    await other.apply('a', [{ tag: 'T-1', t: T0, zone: 'store-3' }]);
    let t = T0;
    const alwaysRacing: Pick<DynamoDBClient, 'send'> = {
      send: (async (command: unknown) => {
        // Each of its writes (a move) is older than ours, so ours must still be written every time.
        if (command instanceof PutItemCommand) {
          t += S;
          await other.apply('a', [{ tag: 'T-1', t, zone: (t / S) % 2 === 1 ? 'room-302' : 'store-3' }]);
        }
        return ddb.client.send(command as PutItemCommand);
      }) as DynamoDBClient['send'],
    };
    const store = new DynamoTagLocations(alwaysRacing, table, () => index, settings, { maxAttempts: 3 });
    await expect(store.apply('a', [{ tag: 'T-1', t: T0 + 10 * MIN, zone: 'clean-2' }])).rejects.toThrow(
      'tag T-1 at site a: still written concurrently after 3 tries',
    );
  });

  it('writes a tag reporting "still here" once per lastSeen refresh, and keeps late events from moving it meanwhile', async () => {
    const table = await newTable();
    const store = locations(table);
    const written: number[] = [];
    // One report a minute for 11 minutes: the first, then every 5 minutes (settings: missing after 30 min).
    for (let minute = 0; minute <= 10; minute++) {
      const report = await store.apply('a', [{ tag: 'T-1', t: T0 + minute * MIN, zone: 'store-3', battery: 81 }]);
      if (report.written === 1) written.push(minute);
    }
    expect(written).toEqual([0, 5, 10]);
    await store.apply('a', [{ tag: 'T-1', t: T0 + 12 * MIN, zone: 'store-3' }]);
    expect((await store.get('a', 'T-1'))?.state).toMatchObject({ lastSeen: T0 + 10 * MIN, since: T0 });
    // Older than the newest report this function holds unwritten (12 min): it moves nothing.
    expect(await store.apply('a', [{ tag: 'T-1', t: T0 + 11 * MIN, zone: 'room-301' }])).toEqual({
      written: 0,
      unchanged: 1,
      retried: 0,
    });
    // A battery leaving its band and a move are written at once.
    expect((await store.apply('a', [{ tag: 'T-1', t: T0 + 13 * MIN, battery: 74 }])).written).toBe(1);
    expect((await store.apply('a', [{ tag: 'T-1', t: T0 + 14 * MIN, zone: 'room-302' }])).written).toBe(1);
    expect((await store.get('a', 'T-1'))?.state).toMatchObject({
      lastSeen: T0 + 14 * MIN,
      zone: 'room-302',
      since: T0 + 14 * MIN,
      previousZone: 'store-3',
      battery: 74,
    });
  });

  it('reads nothing for tags a warm function knows, and catches what another one wrote meanwhile', async () => {
    const table = await newTable();
    const sent: string[] = [];
    const counting: Pick<DynamoDBClient, 'send'> = {
      send: ((command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        return ddb.client.send(command as PutItemCommand);
      }) as DynamoDBClient['send'],
    };
    const warm = locations(table, counting);
    await warm.apply('a', [{ tag: 'T-1', t: T0, zone: 'store-3' }]);
    expect(sent).toEqual(['BatchGetItemCommand', 'PutItemCommand']);
    sent.length = 0;
    // "Still here" within the lastSeen refresh: neither read nor written.
    expect(await warm.apply('a', [{ tag: 'T-1', t: T0 + 10 * S, zone: 'store-3' }])).toEqual({
      written: 0,
      unchanged: 1,
      retried: 0,
    });
    expect(sent).toEqual([]);
    // Another function moves the tag; the warm one's memory is stale, its write is refused and redone.
    await locations(table).apply('a', [{ tag: 'T-1', t: T0 + MIN, zone: 'room-301' }]);
    sent.length = 0;
    expect(await warm.apply('a', [{ tag: 'T-1', t: T0 + 30 * S, zone: 'clean-2' }])).toEqual({
      written: 0,
      unchanged: 1,
      retried: 1,
    });
    expect(sent).toEqual(['PutItemCommand', 'GetItemCommand']);
    expect((await warm.get('a', 'T-1'))?.state).toMatchObject({
      zone: 'room-301',
      lastSeen: T0 + MIN,
      since: T0 + MIN,
    });
  });
});

import { PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrentImportError, DynamoAssetImports } from '../../../src/adapters/aws/dynamodb-asset-imports.js';
import { DynamoTagLocations } from '../../../src/adapters/aws/dynamodb-tag-locations.js';
import type { Asset } from '../../../src/domain/assets/registry.js';
import { index, settings, T0 } from '../../domain/assets/fixtures.js';
import { createTagLocationTable, startDynamoLocal, type DynamoLocal } from '../../support/dynamodb-local.js';

/** The CSV-imported assets in the tag location table (partitions registry#<site>), on dynalite. */

let ddb: DynamoLocal;
let tables = 0;

async function newTable(): Promise<string> {
  const name = `pflow-asset-imports-${++tables}`;
  await createTagLocationTable(ddb.client, name);
  return name;
}

const pumps = (site: string, n: number, from = 0): Asset[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `pump-${from + i}`,
    site,
    tag: `T-${site}-${from + i}`,
    type: 'infusion-pump',
    ...(i % 2 === 0 && { department: 'ward-3', homeZone: 'store-3' }),
    source: 'import' as const,
  }));

async function items(table: string, partition: string) {
  const page = await ddb.client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'site = :p',
      ExpressionAttributeValues: { ':p': { S: partition } },
    }),
  );
  return (page.Items ?? []).map((item) => item['tag']!.S!);
}

beforeAll(async () => {
  ddb = await startDynamoLocal();
});
afterAll(async () => {
  await ddb.close();
});

describe('DynamoAssetImports', () => {
  it('stores an import per site in chunks, reads it back, and replaces it whole (old chunks deleted)', async () => {
    const table = await newTable();
    const imports = new DynamoAssetImports(ddb.client, table);
    const first = [...pumps('site-a', 2500), ...pumps('site-b', 3)];
    expect(await imports.replace(['site-a', 'site-b'], first, 'imp-1', T0)).toEqual({ replaced: 0 });
    expect(await items(table, 'registry#site-a')).toEqual([
      'import#imp-1#00000',
      'import#imp-1#00001',
      'import#imp-1#00002',
    ]);
    expect(await imports.load(['site-a', 'site-b', 'site-c'])).toEqual(first);

    const second = pumps('site-a', 4, 9000);
    expect(await imports.replace(['site-a'], second, 'imp-2', T0 + 1)).toEqual({ replaced: 2500 });
    expect(await items(table, 'registry#site-a')).toEqual(['import#imp-2#00000']);
    expect(await imports.load(['site-a', 'site-b'])).toEqual([...second, ...pumps('site-b', 3)]);
  });

  it('does not touch the tag items of the site, and they do not see the imports', async () => {
    const table = await newTable();
    const imports = new DynamoAssetImports(ddb.client, table);
    const locations = new DynamoTagLocations(ddb.client, table, () => index, settings);
    await locations.apply('site-a', [{ tag: 'T-1', t: T0, zone: 'store-3' }]);
    await imports.replace(['site-a'], pumps('site-a', 2), 'imp-1', T0);
    expect((await locations.site('site-a')).map((state) => state.tag)).toEqual(['T-1']);
  });

  it('refuses to switch when another import changed a site meanwhile, leaving the other whole and none of its own chunks', async () => {
    const table = await newTable();
    const imports = new DynamoAssetImports(ddb.client, table);
    await imports.replace(['site-a'], pumps('site-a', 2), 'imp-1', T0);
    // Another import switches site-a between this one's read of `current` and its switch.
    let raced = false;
    const racing: Pick<DynamoDBClient, 'send'> = {
      send: (async (command: unknown) => {
        const switching = command instanceof PutItemCommand && command.input.Item?.['site']?.S === 'registry#';
        if (switching && !raced) {
          raced = true;
          await imports.replace(['site-a'], pumps('site-a', 1, 500), 'imp-other', T0 + 1);
        }
        return ddb.client.send(command as never);
      }) as DynamoDBClient['send'],
    };
    await expect(
      new DynamoAssetImports(racing, table).replace(
        ['site-a', 'site-b'],
        [...pumps('site-a', 3, 700), ...pumps('site-b', 1)],
        'imp-2',
        T0 + 2,
      ),
    ).rejects.toThrow(ConcurrentImportError);
    expect(await imports.load(['site-a', 'site-b'])).toEqual(pumps('site-a', 1, 500));
    expect(await items(table, 'registry#site-a')).toEqual(['import#imp-other#00000']);
    expect(await items(table, 'registry#site-b')).toEqual([]);
  });
});

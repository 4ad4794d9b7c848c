import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ConditionalCheckFailedException,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Asset } from '../../domain/assets/registry.js';

/** Partition of a site's imported assets in the tag location table (site ids have no `#`). */
export const IMPORT_PARTITION_PREFIX = 'registry#';
/** The one item naming the import in force for every site: switched with one conditional put. */
const INDEX_KEY = { site: { S: IMPORT_PARTITION_PREFIX }, tag: { S: 'current' } };
/** Assets per chunk item: about 150 KB of JSON, well under DynamoDB's 400 KB item limit. */
const CHUNK_ASSETS = 1000;

/** Another import switched the lists between our read and our switch: nothing of ours is visible. */
export class ConcurrentImportError extends Error {}

/**
 * The assets imported from CSV (`pflow assets import --aws`) in AWS, beside the config's registry,
 * kept in the tag location table under partitions `registry#<site>` (the tag items' partitions are
 * the bare site ids, so neither reads the other). Per site, chunk items `import#<importId>#<n>`
 * hold the assets as JSON; one index item (partition `registry#`, sort key `current`) names the
 * import in force for every site. An import writes its chunks first, then switches the index with
 * one put conditional on the version it read (so one import's sites switch together, and of two
 * imports at once the second is refused whole), then deletes the chunks it replaced; readers follow
 * the index only. So a failed or concurrent import is never half visible.
 */
export class DynamoAssetImports {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly table: string,
  ) {}

  /** Replaces the imported assets of `sites` with `assets` (each in one of them); returns how many it replaced. */
  async replace(
    sites: readonly string[],
    assets: readonly Asset[],
    importId: string,
    at: number,
  ): Promise<{ readonly replaced: number }> {
    const index = await this.index();
    const chunksOf = new Map<string, number>();
    for (const site of sites) {
      const own = assets.filter((asset) => asset.site === site);
      let n = 0;
      for (let i = 0; i < own.length; i += CHUNK_ASSETS, n++) {
        await this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: {
              ...key(site, chunkKey(importId, n)),
              assets: { S: JSON.stringify(own.slice(i, i + CHUNK_ASSETS).map(stored)) },
            },
          }),
        );
      }
      chunksOf.set(site, n);
    }
    const next: Record<string, SiteImport> = { ...index.sites };
    for (const site of sites)
      next[site] = {
        importId,
        chunks: chunksOf.get(site)!,
        count: assets.filter((asset) => asset.site === site).length,
        importedAt: at,
      };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { ...INDEX_KEY, sites: { S: JSON.stringify(next) }, version: { N: String(index.version + 1) } },
          ...(index.version === 0
            ? { ConditionExpression: 'attribute_not_exists(tag)' }
            : {
                ConditionExpression: 'version = :read',
                ExpressionAttributeValues: { ':read': { N: String(index.version) } },
              }),
        }),
      );
    } catch (error) {
      await this.deleteChunks(sites.map((site) => ({ site, importId, chunks: chunksOf.get(site)! })));
      if (error instanceof ConditionalCheckFailedException)
        throw new ConcurrentImportError(
          'another import changed the imported assets meanwhile; nothing was imported, run it again',
        );
      throw error;
    }
    const previous = sites.flatMap((site) => (index.sites[site] ? [{ site, ...index.sites[site] }] : []));
    // The replaced lists are no longer read; one left behind by a failure here is only dead weight.
    await this.deleteChunks(previous).catch(() => undefined);
    return { replaced: previous.reduce((sum, p) => sum + p.count, 0) };
  }

  /** The imported assets of `sites` (default: every site imported for), as the import in force for each has them. */
  async load(sites?: readonly string[]): Promise<Asset[]> {
    const out: Asset[] = [];
    const index = await this.index();
    for (const site of sites ?? Object.keys(index.sites).sort()) {
      const current = index.sites[site];
      if (current === undefined) continue;
      let start: Record<string, AttributeValue> | undefined;
      const chunks: string[] = [];
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'site = :site AND begins_with(tag, :prefix)',
            ExpressionAttributeValues: {
              ':site': { S: partition(site) },
              ':prefix': { S: `import#${current.importId}#` },
            },
            ConsistentRead: true,
            ...(start !== undefined && { ExclusiveStartKey: start }),
          }),
        );
        for (const item of page.Items ?? []) chunks.push(item['assets']!.S!);
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      if (chunks.length !== current.chunks)
        throw new Error(`imported assets of ${site}: ${chunks.length} of ${current.chunks} chunks found`);
      for (const chunk of chunks)
        for (const asset of JSON.parse(chunk) as StoredAsset[]) out.push({ ...asset, site, source: 'import' });
    }
    return out;
  }

  private async index(): Promise<{ version: number; sites: Record<string, SiteImport> }> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: INDEX_KEY, ConsistentRead: true }),
    );
    if (Item === undefined) return { version: 0, sites: {} };
    return { version: Number(Item['version']!.N), sites: JSON.parse(Item['sites']!.S!) as Record<string, SiteImport> };
  }

  private async deleteChunks(lists: readonly { site: string; importId: string; chunks: number }[]): Promise<void> {
    for (const { site, importId, chunks } of lists)
      for (let n = 0; n < chunks; n++)
        await this.client.send(new DeleteItemCommand({ TableName: this.table, Key: key(site, chunkKey(importId, n)) }));
  }
}

interface SiteImport {
  readonly importId: string;
  readonly chunks: number;
  readonly count: number;
  readonly importedAt: number;
}

type StoredAsset = Omit<Asset, 'site' | 'source'>;

function stored(asset: Asset): StoredAsset {
  return {
    id: asset.id,
    tag: asset.tag,
    type: asset.type,
    ...(asset.department !== undefined && { department: asset.department }),
    ...(asset.homeZone !== undefined && { homeZone: asset.homeZone }),
  };
}

function partition(site: string): string {
  return `${IMPORT_PARTITION_PREFIX}${site}`;
}

function chunkKey(importId: string, n: number): string {
  return `import#${importId}#${String(n).padStart(5, '0')}`;
}

function key(site: string, tag: string): Record<string, AttributeValue> {
  return { site: { S: partition(site) }, tag: { S: tag } };
}

import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { needsWrite, type WriteSettings } from '../../domain/assets/location-writes.js';
import type { RegistryIndex } from '../../domain/assets/registry.js';
import type { TagEvent } from '../../domain/assets/tag-event.js';
import { TagTracker, type TagState } from '../../domain/assets/tracker.js';

/** The TagState fields kept as DynamoDB numbers and strings (site and tag are the key). */
const NUMBER_FIELDS = ['lastSeen', 'since', 'previousSince', 'battery', 'batteryAt', 'motionAt', 'buttonAt'] as const;
const STRING_FIELDS = ['zone', 'previousZone', 'floor', 'button'] as const;

/** BatchGetItem's limit per request. */
const GET_BATCH = 100;

export interface TagLocationReport {
  /** Tags whose item was written (new, moved, a battery band or button, or lastSeen due a refresh). */
  readonly written: number;
  /**
   * Tags whose item was not written: duplicates, events older than what is stored, and "still
   * here" reports the stored item answers for until its refresh (needsWrite).
   */
  readonly unchanged: number;
  /** Writes that lost a race with another invocation and were worked out again on the newer item. */
  readonly retried: number;
}

export interface DynamoTagLocationsOptions {
  /** Conditional puts in flight at once. */
  readonly concurrency?: number;
  /** Tries per tag when another invocation keeps writing the same tag in between. */
  readonly maxAttempts?: number;
  /** Tags whose stored item a warm function keeps in memory (then it forgets them all and reads again). */
  readonly cacheTags?: number;
}

/**
 * The current location of every tag in AWS: one item per tag (partition key `site`, sort key `tag`)
 * holding the tracker's state. The ingest function reads a batch's tags, applies their events with
 * the same pure `TagTracker` the local runtime uses, and writes a tag back only when the answers
 * need it (`needsWrite`: a move, a battery band, a button, or `lastSeen` due its refresh), with a
 * condition on the `version` it read and on `lastSeen` not going down. So two invocations with
 * events of one tag (a retry, two agents at a site) never lose either's update, and an event older
 * than the stored one never moves an asset backwards: the tracker keeps the location, and the
 * condition refuses any write that would. A refused write is read again and worked out anew.
 *
 * A warm function remembers each item it read or wrote, and the tracker's newer state it has not
 * written yet, so a tag reporting "still here" every few seconds costs neither a read nor a write
 * until its refresh: the conditional write is what catches an item another invocation changed
 * meanwhile, and only then is it read again. A function that dies with such a state unwritten
 * loses only a `lastSeen` younger than the refresh.
 */
export class DynamoTagLocations {
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly cacheTags: number;
  private readonly cache = new Map<string, Known>();

  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly table: string,
    private readonly registry: () => RegistryIndex,
    private readonly settings: WriteSettings & { readonly minDwellMs: number },
    options: DynamoTagLocationsOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.cacheTags = options.cacheTags ?? 100_000;
  }

  /** Applies a site's events; throws (nothing half-claimed) when a write fails for another reason. */
  async apply(site: string, events: readonly TagEvent[]): Promise<TagLocationReport> {
    const byTag = new Map<string, TagEvent[]>();
    for (const event of events) {
      const list = byTag.get(event.tag);
      if (list) list.push(event);
      else byTag.set(event.tag, [event]);
    }
    const stored = new Map<string, Known>();
    const unknown: string[] = [];
    for (const tag of byTag.keys()) {
      const cached = this.cache.get(cacheKey(site, tag));
      if (cached) stored.set(tag, cached);
      else unknown.push(tag);
    }
    for (const [tag, item] of await this.getMany(site, unknown)) stored.set(tag, { stored: item, current: item.state });
    let written = 0;
    let unchanged = 0;
    let retried = 0;
    const tags = [...byTag.entries()];
    let next = 0;
    const worker = async () => {
      while (next < tags.length) {
        const [tag, tagEvents] = tags[next++]!;
        let current = stored.get(tag);
        for (let attempt = 1; ; attempt++) {
          const outcome = await this.applyOne(site, current, tagEvents);
          if (outcome === 'unchanged') unchanged += 1;
          if (outcome === 'written') written += 1;
          if (outcome !== 'conflict') break;
          if (attempt >= this.maxAttempts) {
            throw new Error(`tag ${tag} at site ${site}: still written concurrently after ${attempt} tries`);
          }
          retried += 1;
          const item = await this.get(site, tag);
          current = item && { stored: item, current: item.state };
          this.remember(site, tag, current);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, tags.length) }, worker));
    return { written, unchanged, retried };
  }

  private async applyOne(
    site: string,
    known: Known | undefined,
    events: readonly TagEvent[],
  ): Promise<'written' | 'unchanged' | 'conflict'> {
    const registry = this.registry();
    const tracker = new TagTracker(registry, this.settings.minDwellMs, known ? [known.current] : []);
    for (const event of events) tracker.apply(site, event);
    const [state] = tracker.takeChanged();
    const current = known?.stored;
    const zoneKind = state?.zone === undefined ? undefined : registry.zone(site, state.zone)?.kind;
    if (state === undefined || !needsWrite(current?.state, state, this.settings, zoneKind)) {
      // Kept in memory only: the next batch works on it, and it is written once it matters.
      this.remember(site, known!.current.tag, { stored: current!, current: state ?? known!.current });
      return 'unchanged';
    }
    const version = (current?.version ?? 0) + 1;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { ...toItem(state), version: { N: String(version) } },
          ...(current === undefined
            ? { ConditionExpression: 'attribute_not_exists(tag)' }
            : {
                ConditionExpression: 'version = :read AND lastSeen <= :lastSeen',
                ExpressionAttributeValues: {
                  ':read': { N: String(current.version) },
                  ':lastSeen': { N: String(state.lastSeen) },
                },
              }),
        }),
      );
      this.remember(site, state.tag, { stored: { state, version }, current: state });
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'conflict';
      throw error;
    }
  }

  private remember(site: string, tag: string, known: Known | undefined): void {
    if (known === undefined) return;
    if (this.cache.size >= this.cacheTags) this.cache.clear();
    this.cache.set(cacheKey(site, tag), known);
  }

  async get(site: string, tag: string): Promise<Stored | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: key(site, tag), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : fromItem(Item);
  }

  /** Every tag of a site (where-is over DynamoDB), page by page. */
  async site(site: string): Promise<TagState[]> {
    const out: TagState[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'site = :site',
          ExpressionAttributeValues: { ':site': { S: site } },
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) out.push(fromItem(item).state);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return out;
  }

  private async getMany(site: string, tags: readonly string[]): Promise<Map<string, Stored>> {
    const found = new Map<string, Stored>();
    for (let i = 0; i < tags.length; i += GET_BATCH) {
      let keys: Record<string, AttributeValue>[] = tags.slice(i, i + GET_BATCH).map((tag) => key(site, tag));
      // DynamoDB may leave keys unprocessed under load: ask again for those until none are left.
      for (let round = 0; keys.length > 0; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
        const answer = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of answer.Responses?.[this.table] ?? []) {
          const stored = fromItem(item);
          found.set(stored.state.tag, stored);
        }
        keys = answer.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return found;
  }
}

export interface Stored {
  readonly state: TagState;
  readonly version: number;
}

/** What a warm function knows of a tag: the item as stored, and the tracker's state since (unwritten). */
interface Known {
  readonly stored: Stored;
  readonly current: TagState;
}

function cacheKey(site: string, tag: string): string {
  return `${site}\u0000${tag}`;
}

function key(site: string, tag: string): Record<string, AttributeValue> {
  return { site: { S: site }, tag: { S: tag } };
}

function toItem(state: TagState): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = { site: { S: state.site }, tag: { S: state.tag } };
  for (const field of NUMBER_FIELDS) if (state[field] !== undefined) item[field] = { N: String(state[field]) };
  for (const field of STRING_FIELDS) if (state[field] !== undefined) item[field] = { S: state[field] };
  return item;
}

function fromItem(item: Record<string, AttributeValue>): Stored {
  const state: Record<string, string | number> = { site: item['site']!.S!, tag: item['tag']!.S! };
  for (const field of NUMBER_FIELDS) if (item[field]?.N !== undefined) state[field] = Number(item[field].N);
  for (const field of STRING_FIELDS) if (item[field]?.S !== undefined) state[field] = item[field].S;
  return { state: state as unknown as TagState, version: Number(item['version']?.N ?? 0) };
}

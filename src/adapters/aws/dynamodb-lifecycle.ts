import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  auditRecord,
  type AckAuditRecord,
  type AckRequest,
  type AckResult,
  type AckSource,
  type ActiveAck,
  type PendingAckUpdate,
  type UnackRequest,
} from '../../domain/lifecycle/ack.js';
import type { AlertEvent } from '../../domain/alerts/event.js';
import type { RuntimeSilence } from '../../domain/lifecycle/runtime-silence.js';
import type { AckUpdateOutbox } from '../../services/ack-updates.js';
import { num, queryAll, sendConditional, ttlAfter, type Item } from './dynamodb-items.js';

/**
 * The lifecycle table's key names (see lib/lifecycle.ts): one table, partition key `pk` naming
 * the kind of item, sort key `sk`, TTL attribute `expiresAt` (epoch seconds), and the sparse index
 * `byAlert` over the audit records (partition `auditAlert`, sort `sk`).
 */
export const LIFECYCLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  alertIndex: 'byAlert',
  alertIndexKey: 'auditAlert',
} as const;

const SILENCE = 'silence';
const ACK = 'ack';
const AUDIT = 'audit';
/** The audit records' partition: the report function may read it (lib/lifecycle.ts grants by partition). */
export const AUDIT_PARTITION = AUDIT;
const LINK = 'link';
const COUNTER = 'counter';

/** A used link's nonce is kept past the longest link_ttl (7 days), then TTL removes it. */
const LINK_USE_KEEP_MS = 8 * 86_400_000;
/** How often an ack retries when the holding acknowledgement vanished between its two requests. */
const ACK_ROUNDS = 5;

export interface DynamoLifecycleStoreOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly table: string;
  /** How long an ended silence is kept before TTL deletes it (storage.retention); kept until pruned when absent. */
  readonly silenceRetentionMs?: number;
}

/**
 * Run-time silences and acknowledgements in DynamoDB, the AWS side of pflow.db's `lifecycle`
 * component. Items, all in one table:
 *
 * - `silence`/<id>: a run-time silence; expiring one keeps the item (TTL after retention).
 * - `ack`/<alertKey>: the acknowledgement that holds an alert now, with its "acknowledged by"
 *   update until that is marked sent (the outbox: `pendingUpdate`, `updateId`, `updateClaimedAt`).
 * - `audit`/<at>#<id>: every ack and unack, never updated or deleted.
 * - `link`/<nonce>: a signed link already used (single use; TTL after 8 days).
 * - `counter`/`audit`: the next audit id.
 *
 * DynamoDB has no multi-item transaction that dynalite (the tests' server) knows, and none is
 * needed: the audit record is written first, then the acknowledgement with a condition that none
 * holds for this firing. Of two acks at once both are audited and exactly one wins the condition,
 * so one update message goes out. A crash between the two writes leaves an audit record of an ack
 * that holds nothing; the person sees the error and acknowledges again.
 *
 * The update rides on the acknowledgement's item, written by the same conditional put: one item's
 * write is atomic, so the acknowledgement never commits without its update (what a local outbox
 * row in the same SQLite transaction gives), at the cost of one write instead of a transaction's
 * two. It stays there until marked sent; an unack before that drops it (it would announce an
 * acknowledgement that no longer holds), and dropAcksExcept keeps the item until it is sent.
 */
export class DynamoLifecycleStore implements AckUpdateOutbox {
  constructor(private readonly options: DynamoLifecycleStoreOptions) {}

  async addSilence(silence: RuntimeSilence): Promise<void> {
    await this.options.client.send(
      new PutItemCommand({
        TableName: this.options.table,
        Item: {
          ...key(SILENCE, silence.id),
          matchers: { S: JSON.stringify(silence.matchers) },
          startsAt: num(silence.startsAt),
          endsAt: num(silence.endsAt),
          author: { S: silence.author },
          comment: { S: silence.comment },
          createdAt: num(silence.createdAt),
          ...this.silenceTtl(silence.endsAt),
        },
        // Ids are random; a clash must not overwrite someone else's silence.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** Silences that have not ended by `since` (all when absent), newest first. */
  async listSilences(since?: number): Promise<RuntimeSilence[]> {
    const silences = (await this.queryAll(SILENCE)).map(silenceOf);
    return silences
      .filter((s) => since === undefined || (s.endsAt > since && (s.expiredAt === undefined || s.expiredAt > since)))
      .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
  }

  async getSilence(id: string): Promise<RuntimeSilence | undefined> {
    const { Item } = await this.options.client.send(
      new GetItemCommand({ TableName: this.options.table, Key: key(SILENCE, id), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : silenceOf(Item);
  }

  /** Ends a silence now; false when there is no such silence or it had already ended. */
  async expireSilence(id: string, by: string, now: number): Promise<boolean> {
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.options.table,
        Key: key(SILENCE, id),
        UpdateExpression: `SET expiredAt = :now, expiredBy = :by${this.options.silenceRetentionMs === undefined ? '' : ', expiresAt = :ttl'}`,
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(expiredAt) AND endsAt > :now',
        ExpressionAttributeValues: {
          ':now': num(now),
          ':by': { S: by },
          ...(this.options.silenceRetentionMs !== undefined && {
            ':ttl': num(Math.ceil((now + this.options.silenceRetentionMs) / 1000)),
          }),
        },
      }),
    );
  }

  /** Deletes silences that ended before `cutoff`; TTL does the same lazily, this does it now. */
  async pruneSilences(cutoff: number): Promise<number> {
    let deleted = 0;
    for (const silence of (await this.queryAll(SILENCE)).map(silenceOf)) {
      if (silence.endsAt < cutoff || (silence.expiredAt !== undefined && silence.expiredAt < cutoff)) {
        await this.options.client.send(
          new DeleteItemCommand({ TableName: this.options.table, Key: key(SILENCE, silence.id) }),
        );
        deleted++;
      }
    }
    return deleted;
  }

  /**
   * Records an acknowledgement: one audit record per call, always (unless the link was used
   * before); the alert's current acknowledgement only when none holds for this firing yet.
   */
  async acknowledge(request: AckRequest): Promise<AckResult> {
    if (request.linkNonce !== undefined) {
      const fresh = await this.conditional(
        new PutItemCommand({
          TableName: this.options.table,
          Item: {
            ...key(LINK, request.linkNonce),
            alertKey: { S: request.alertKey },
            usedAt: num(request.at),
            expiresAt: num(Math.ceil((request.at + LINK_USE_KEEP_MS) / 1000)),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      if (!fresh) return { outcome: 'replayed' };
    }
    const audit = await this.insertAudit('ack', request);
    const ack: ActiveAck = {
      alertKey: request.alertKey,
      incarnation: request.incarnation,
      by: request.by,
      reason: request.reason,
      at: request.at,
      ...(request.expiresAt !== undefined && { expiresAt: request.expiresAt }),
    };
    for (let round = 0; round < ACK_ROUNDS; round++) {
      const won = await this.conditional(
        new PutItemCommand({
          TableName: this.options.table,
          Item: {
            ...key(ACK, request.alertKey),
            incarnation: num(ack.incarnation),
            by: { S: ack.by },
            reason: { S: ack.reason },
            at: num(ack.at),
            ...(ack.expiresAt !== undefined && { ackExpiresAt: num(ack.expiresAt) }),
            // The outbox, claimed by this request: it publishes right after, the sweep only once that claim is stale.
            ...(request.update !== undefined && {
              pendingUpdate: { S: JSON.stringify(request.update) },
              updateId: { S: request.update.id },
              updateClaimedAt: num(request.at),
            }),
          },
          // Taken only when nothing holds for this firing: none, an earlier firing's, or an expired one.
          ConditionExpression:
            'attribute_not_exists(pk) OR incarnation <> :incarnation OR (attribute_exists(ackExpiresAt) AND ackExpiresAt <= :at)',
          ExpressionAttributeValues: { ':incarnation': num(ack.incarnation), ':at': num(ack.at) },
        }),
      );
      if (won) return { outcome: 'acknowledged', audit, ack };
      const holding = await this.currentAck(request.alertKey);
      // Taken back (unack) between the two requests: try to hold it again.
      if (holding !== undefined) return { outcome: 'already_acknowledged', audit, ack: holding };
    }
    throw new Error(`acknowledging ${request.alertKey}: the acknowledgement kept changing under ${ACK_ROUNDS} tries`);
  }

  /** Removes the acknowledgement (audited); false when none held. */
  async unacknowledge(request: UnackRequest): Promise<boolean> {
    await this.insertAudit('unack', request);
    const { Attributes } = await this.options.client.send(
      new DeleteItemCommand({
        TableName: this.options.table,
        Key: key(ACK, request.alertKey),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes !== undefined;
  }

  /** Every current acknowledgement by alert key (the evaluator checks firing and expiry). */
  async currentAcks(): Promise<Map<string, ActiveAck>> {
    return (await this.ackSnapshot()).acks;
  }

  /** The current acknowledgements and the updates not yet marked sent, from one read. */
  async ackSnapshot(): Promise<{ acks: Map<string, ActiveAck>; pendingUpdates: PendingAckUpdate[] }> {
    const items = await this.queryAll(ACK);
    const pendingUpdates = items.filter((item) => item['pendingUpdate'] !== undefined).map(pendingOf);
    return { acks: new Map(items.map(ackOf).map((ack) => [ack.alertKey, ack])), pendingUpdates };
  }

  async claimAckUpdate(pending: PendingAckUpdate, now: number): Promise<boolean> {
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.options.table,
        Key: key(ACK, pending.alertKey),
        UpdateExpression: 'SET updateClaimedAt = :now',
        ConditionExpression: 'attribute_exists(pendingUpdate) AND updateId = :id AND updateClaimedAt = :seen',
        ExpressionAttributeValues: {
          ':now': num(now),
          ':id': { S: pending.update.id },
          ':seen': num(pending.claimedAt),
        },
      }),
    );
  }

  async ackUpdateSent(alertKey: string, eventId: string, now: number): Promise<boolean> {
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.options.table,
        Key: key(ACK, alertKey),
        UpdateExpression: 'REMOVE pendingUpdate, updateClaimedAt SET updateSentAt = :now',
        ConditionExpression: 'attribute_exists(pendingUpdate) AND updateId = :id',
        ExpressionAttributeValues: { ':now': num(now), ':id': { S: eventId } },
      }),
    );
  }

  /**
   * Forgets acknowledgements of alerts no longer stored (resolved); the audit keeps them. Each
   * delete is conditional on the firing it read, so an ack made meanwhile for a new firing stays,
   * and on its update having been sent, so the outbox is not dropped with it.
   */
  async dropAcksExcept(alertKeys: ReadonlySet<string>): Promise<number> {
    let dropped = 0;
    for (const ack of (await this.currentAcks()).values()) {
      if (alertKeys.has(ack.alertKey)) continue;
      const deleted = await this.conditional(
        new DeleteItemCommand({
          TableName: this.options.table,
          Key: key(ACK, ack.alertKey),
          ConditionExpression: 'incarnation = :incarnation AND #at = :at AND attribute_not_exists(pendingUpdate)',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':incarnation': num(ack.incarnation), ':at': num(ack.at) },
        }),
      );
      if (deleted) dropped++;
    }
    return dropped;
  }

  /** Audit records, newest first; of one alert when given. */
  async audit(alertKey?: string, limit = 100): Promise<AckAuditRecord[]> {
    const records: AckAuditRecord[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.table,
          ...(alertKey === undefined
            ? {
                KeyConditionExpression: 'pk = :pk',
                ExpressionAttributeValues: { ':pk': { S: AUDIT } },
                ConsistentRead: true,
              }
            : {
                IndexName: LIFECYCLE_KEYS.alertIndex,
                KeyConditionExpression: `${LIFECYCLE_KEYS.alertIndexKey} = :alert`,
                ExpressionAttributeValues: { ':alert': { S: alertKey } },
              }),
          ScanIndexForward: false,
          Limit: limit - records.length,
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      records.push(...(page.Items ?? []).map(auditOf));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && records.length < limit);
    return records;
  }

  /** Acknowledgements (not unacks) made between two instants, oldest first: the daily report's "who acknowledged". */
  async acksBetween(since: number, until: number): Promise<AckAuditRecord[]> {
    const items = await this.queryAll(AUDIT, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': { S: AUDIT },
        ':from': { S: `${pad(since)}#` },
        ':to': { S: `${pad(until)}#~` },
      },
    });
    return items.map(auditOf).filter((record) => record.action === 'ack');
  }

  private async currentAck(alertKey: string): Promise<ActiveAck | undefined> {
    const { Item } = await this.options.client.send(
      new GetItemCommand({ TableName: this.options.table, Key: key(ACK, alertKey), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : ackOf(Item);
  }

  private async insertAudit(action: 'ack' | 'unack', request: Omit<AckRequest, 'linkNonce'>): Promise<AckAuditRecord> {
    const { Attributes } = await this.options.client.send(
      new UpdateItemCommand({
        TableName: this.options.table,
        Key: key(COUNTER, AUDIT),
        UpdateExpression: 'ADD #next :one',
        ExpressionAttributeNames: { '#next': 'next' },
        ExpressionAttributeValues: { ':one': num(1) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const id = Number(Attributes?.['next']?.N);
    const record = auditRecord(id, action, request);
    await this.options.client.send(
      new PutItemCommand({
        TableName: this.options.table,
        Item: {
          ...key(AUDIT, `${pad(record.at)}#${pad(id)}`),
          [LIFECYCLE_KEYS.alertIndexKey]: { S: record.alertKey },
          auditId: num(id),
          action: { S: action },
          incarnation: num(record.incarnation),
          by: { S: record.by },
          reason: { S: record.reason },
          at: num(record.at),
          source: { S: record.source },
          ...(record.remote !== undefined && { remote: { S: record.remote } }),
          ...(record.expiresAt !== undefined && { ackExpiresAt: num(record.expiresAt) }),
        },
        // The audit trail is append-only: never overwrite a record.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return record;
  }

  private silenceTtl(endsAt: number): Item {
    return ttlAfter(endsAt, this.options.silenceRetentionMs);
  }

  private queryAll(
    pk: string,
    query: { KeyConditionExpression: string; ExpressionAttributeValues: Item } = {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
    },
  ): Promise<Item[]> {
    return queryAll(this.options.client, this.options.table, query);
  }

  private conditional(command: PutItemCommand | UpdateItemCommand | DeleteItemCommand): Promise<boolean> {
    return sendConditional(this.options.client, command);
  }
}

function key(pk: string, sk: string): Item {
  return { pk: { S: pk }, sk: { S: sk } };
}

/** Zero-padded so that string order is number order (epoch ms and ids stay below 10^15). */
export function pad(value: number): string {
  return String(value).padStart(15, '0');
}

function n(item: Item, name: string): number | undefined {
  const value = item[name]?.N;
  return value === undefined ? undefined : Number(value);
}

function s(item: Item, name: string): string | undefined {
  return item[name]?.S;
}

function silenceOf(item: Item): RuntimeSilence {
  const expiredAt = n(item, 'expiredAt');
  const expiredBy = s(item, 'expiredBy');
  return {
    id: s(item, 'sk')!,
    matchers: JSON.parse(s(item, 'matchers') ?? '[]') as string[],
    startsAt: n(item, 'startsAt')!,
    endsAt: n(item, 'endsAt')!,
    author: s(item, 'author')!,
    comment: s(item, 'comment')!,
    createdAt: n(item, 'createdAt')!,
    ...(expiredAt !== undefined && { expiredAt }),
    ...(expiredBy !== undefined && { expiredBy }),
  };
}

function ackOf(item: Item): ActiveAck {
  const expiresAt = n(item, 'ackExpiresAt');
  return {
    alertKey: s(item, 'sk')!,
    incarnation: n(item, 'incarnation')!,
    by: s(item, 'by')!,
    reason: s(item, 'reason')!,
    at: n(item, 'at')!,
    ...(expiresAt !== undefined && { expiresAt }),
  };
}

function pendingOf(item: Item): PendingAckUpdate {
  return {
    alertKey: s(item, 'sk')!,
    update: JSON.parse(s(item, 'pendingUpdate')!) as AlertEvent,
    claimedAt: n(item, 'updateClaimedAt')!,
  };
}

function auditOf(item: Item): AckAuditRecord {
  const remote = s(item, 'remote');
  const expiresAt = n(item, 'ackExpiresAt');
  return {
    id: n(item, 'auditId')!,
    action: s(item, 'action') as 'ack' | 'unack',
    alertKey: s(item, LIFECYCLE_KEYS.alertIndexKey)!,
    incarnation: n(item, 'incarnation')!,
    by: s(item, 'by')!,
    reason: s(item, 'reason')!,
    at: n(item, 'at')!,
    source: s(item, 'source') as AckSource,
    ...(remote !== undefined && { remote }),
    ...(expiresAt !== undefined && { expiresAt }),
  };
}

import { QueryCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { AlertEvent } from '../../domain/alerts/event.js';
import type { AlertHistory } from '../../domain/ports.js';
import { batchWriteAll } from './dynamodb-items.js';
import { pad } from './dynamodb-lifecycle.js';

/** How many times a batch is sent (its unprocessed items again each time) before giving up. */
const MAX_WRITE_ROUNDS = 6;

/** The partition of one site's alert events in the lifecycle table. */
export const ALERT_HISTORY_PREFIX = 'history#';

export interface DynamoAlertHistoryOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  /** The lifecycle table (lib/lifecycle.ts). */
  readonly table: string;
  /** How long an event is kept (storage.retention): TTL deletes it after. Kept until deleted when absent. */
  readonly retentionMs?: number;
  /** Waits between rounds of unprocessed items (tests pass none). */
  readonly backoff?: (round: number) => Promise<void>;
}

/**
 * Alert events in the lifecycle table, one item per event: partition `history#<site>`, sort key
 * `<evaluatedAt, 15 digits>#<event id>`, the event as JSON in `event`, TTL after the retention. A
 * site's day is one Query on its partition; the sort key makes a rewritten event (a retried rule
 * invocation writes the same ids) replace itself rather than add a copy. The rule function writes
 * them beside the metric store's history; the report function reads them back.
 */
export class DynamoAlertHistory implements AlertHistory {
  constructor(private readonly options: DynamoAlertHistoryOptions) {}

  async write(events: readonly AlertEvent[]): Promise<void> {
    const requests: WriteRequest[] = events.map((event) => ({ PutRequest: { Item: this.itemOf(event) } }));
    await batchWriteAll(this.options.client, this.options.table, requests, {
      maxRounds: MAX_WRITE_ROUNDS,
      exhausted: (left, rounds) =>
        new Error(`alert history: ${left} events left unprocessed by DynamoDB after ${rounds} rounds`),
      ...(this.options.backoff && { backoff: this.options.backoff }),
    });
  }

  async alertEventsBetween(site: string, since: number, until: number): Promise<AlertEvent[]> {
    const events: AlertEvent[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': { S: `${ALERT_HISTORY_PREFIX}${site}` },
            ':from': { S: `${pad(since)}#` },
            // '~' sorts after every character an event id holds.
            ':to': { S: `${pad(until)}#~` },
          },
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) {
        const json = item.event?.S;
        if (json !== undefined) events.push(JSON.parse(json) as AlertEvent);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return events;
  }

  private itemOf(event: AlertEvent): Record<string, AttributeValue> {
    const at = Date.parse(event.evaluatedAt);
    if (Number.isNaN(at)) throw new Error(`alert event ${event.id}: evaluatedAt is not a time: ${event.evaluatedAt}`);
    const keep = this.options.retentionMs;
    return {
      pk: { S: `${ALERT_HISTORY_PREFIX}${event.site}` },
      sk: { S: `${pad(at)}#${event.id}` },
      event: { S: JSON.stringify(event) },
      ...(keep !== undefined && { expiresAt: { N: String(Math.ceil((at + keep) / 1000)) } }),
    };
  }
}

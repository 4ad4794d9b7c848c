import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Semaphore } from '../../delivery/rate-limiter.js';
import type { NotificationLog } from '../../domain/notification/ports.js';

export interface DynamoNotificationLogOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly table: string;
  /** How long a delivery is remembered (DynamoDB TTL deletes it after); default 30 days. */
  readonly keepMs?: number;
  readonly concurrency?: number;
}

/** What a claim found: the key is ours to send, already delivered, or being sent by another invocation. */
export type ClaimResult = 'claimed' | 'delivered' | 'busy';

const DEFAULT_KEEP_MS = 30 * 86_400_000;

/**
 * The notification log in DynamoDB (partition key `key`, TTL attribute `expiresAt`): the idempotency
 * record of the channel consumers. Besides the port, a consumer claims a key before sending — a
 * conditional put that succeeds only when nobody delivered it and nobody else holds a live claim —
 * so SQS's at-least-once redeliveries and two concurrent invocations never send the same event
 * twice. A claim whose holder died expires with its lease.
 *
 * Hand-written rather than Powertools Idempotency (`makeIdempotent` + DynamoDBPersistenceLayer),
 * which would lose guarantees this log gives:
 * - Powertools stores whatever the handler returns as COMPLETED. A message we dead-letter returns
 *   normally, so its redrive from the dead-letter queue (`pflow notify dead-letters --aws`) would be
 *   answered from the record and never sent. Here only a successful send writes `delivered`.
 * - The keys are the domain's (`<channel>|<event id>`, from `deliveredKeys`), behind the same
 *   NotificationLog port the local runtime uses, so the table says which event reached which
 *   channel. Powertools keys are an MD5 of the payload, prefixed by default with the function name,
 *   which CDK regenerates when a function is replaced (every delivery of that channel forgotten).
 * - A duplicate is counted (NotificationsDuplicate); Powertools replays the saved result silently.
 */
export class DynamoNotificationLog implements NotificationLog {
  private readonly semaphore: Semaphore;
  private readonly keepMs: number;

  constructor(private readonly options: DynamoNotificationLogOptions) {
    this.semaphore = new Semaphore(options.concurrency ?? 8);
    this.keepMs = options.keepMs ?? DEFAULT_KEEP_MS;
  }

  async has(key: string): Promise<boolean> {
    return (await this.status(key)) === 'delivered';
  }

  async record(keys: readonly string[], channel: string, deliveredAt: number): Promise<void> {
    await Promise.all(
      [...new Set(keys)].map((key) =>
        this.semaphore.run(() =>
          this.options.client.send(
            new PutItemCommand({
              TableName: this.options.table,
              Item: {
                key: { S: key },
                status: { S: 'delivered' },
                channel: { S: channel },
                deliveredAt: { N: String(deliveredAt) },
                expiresAt: { N: String(Math.ceil((deliveredAt + this.keepMs) / 1000)) },
              },
            }),
          ),
        ),
      ),
    );
  }

  /** DynamoDB's TTL expires entries; nothing to do here. */
  async prune(): Promise<number> {
    return 0;
  }

  async claim(key: string, channel: string, now: number, leaseMs: number): Promise<ClaimResult> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.table,
          Item: {
            key: { S: key },
            status: { S: 'sending' },
            channel: { S: channel },
            leaseUntil: { N: String(now + leaseMs) },
            expiresAt: { N: String(Math.ceil((now + this.keepMs) / 1000)) },
          },
          ConditionExpression: 'attribute_not_exists(#key) OR (#status = :sending AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#key': 'key', '#status': 'status' },
          ExpressionAttributeValues: { ':sending': { S: 'sending' }, ':now': { N: String(now) } },
        }),
      );
      return 'claimed';
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      return (await this.status(key)) === 'delivered' ? 'delivered' : 'busy';
    }
  }

  /** Gives a claim back after a failed send, so the redelivery can claim it at once. */
  async release(key: string): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.table,
          Key: { key: { S: key } },
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sending': { S: 'sending' } },
        }),
      );
    } catch (error) {
      // Delivered meanwhile (by a redelivery after our lease ran out): nothing to give back.
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  private async status(key: string): Promise<string | undefined> {
    const result = await this.options.client.send(
      new GetItemCommand({ TableName: this.options.table, Key: { key: { S: key } }, ConsistentRead: true }),
    );
    return result.Item?.status?.S;
  }
}

import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { BatchLedger, IngestCounts } from '../../ingest/ports.js';

/** Long past any agent's retries (as INGEST_BATCH_KEEP_MS locally). */
export const BATCH_LEDGER_KEEP_MS = 14 * 86_400_000;

/**
 * The ingest's idempotency record in DynamoDB: partition key `site`, sort key `batchId`, TTL
 * attribute `expiresAt` (epoch seconds). TTL deletes lazily (up to days late), so an expired item
 * still there counts as unseen, like a deleted one.
 */
export class DynamoBatchLedger implements BatchLedger {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly table: string,
    private readonly now: () => number,
    private readonly keepMs = BATCH_LEDGER_KEEP_MS,
  ) {}

  async seen(site: string, batchId: string): Promise<IngestCounts | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { site: { S: site }, batchId: { S: batchId } },
        ConsistentRead: true,
      }),
    );
    if (Item === undefined || Number(Item['expiresAt']?.N ?? 0) * 1000 <= this.now()) return undefined;
    return {
      samples: Number(Item['samples']?.N ?? 0),
      probeResults: Number(Item['probeResults']?.N ?? 0),
      tagEvents: Number(Item['tagEvents']?.N ?? 0),
    };
  }

  async record(site: string, batchId: string, counts: IngestCounts, now: number): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            site: { S: site },
            batchId: { S: batchId },
            receivedAt: { N: String(now) },
            samples: { N: String(counts.samples) },
            probeResults: { N: String(counts.probeResults) },
            tagEvents: { N: String(counts.tagEvents) },
            expiresAt: { N: String(Math.ceil((now + this.keepMs) / 1000)) },
          },
          // Two deliveries of one batch at once both write the same data; the first record stands.
          ConditionExpression: 'attribute_not_exists(batchId) OR expiresAt < :nowSeconds',
          ExpressionAttributeValues: { ':nowSeconds': { N: String(Math.floor(now / 1000)) } },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

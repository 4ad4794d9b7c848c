import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { AgentTokenAdmin } from '../../ingest/ports.js';
import type { AgentTokenRecord } from '../../ingest/token.js';

/**
 * Agent tokens in DynamoDB: partition key `tokenHash` (the SHA-256 of the whole token), so the
 * authorizer's lookup is one GetItem. Listing and revoking by token id scan the table: it holds a
 * handful of tokens per site and is read that way only by `pflow agent token list|revoke --aws`.
 */
export class DynamoAgentTokens implements AgentTokenAdmin {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly table: string,
  ) {}

  async findByHash(tokenHash: string): Promise<AgentTokenRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { tokenHash: { S: tokenHash } }, ConsistentRead: true }),
    );
    return Item && fromItem(Item);
  }

  async add(record: AgentTokenRecord): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: toItem(record),
        ConditionExpression: 'attribute_not_exists(tokenHash)',
      }),
    );
  }

  async revoke(tokenId: string, now: number): Promise<AgentTokenRecord | undefined> {
    const record = (await this.scan()).find((r) => r.tokenId === tokenId);
    if (record === undefined) return undefined;
    if (record.revokedAt !== undefined) return record;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { tokenHash: { S: record.tokenHash } },
          UpdateExpression: 'SET revokedAt = :now',
          ConditionExpression: 'attribute_exists(tokenHash) AND attribute_not_exists(revokedAt)',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
      return { ...record, revokedAt: now };
    } catch (error) {
      // Revoked meanwhile by someone else: theirs is the revocation time.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return this.findByHash(record.tokenHash);
    }
  }

  async list(site?: string): Promise<AgentTokenRecord[]> {
    return (await this.scan())
      .filter((r) => site === undefined || r.site === site)
      .sort((a, b) => a.createdAt - b.createdAt || a.tokenId.localeCompare(b.tokenId));
  }

  private async scan(): Promise<AgentTokenRecord[]> {
    const records: AgentTokenRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.table, ConsistentRead: true, ...(start && { ExclusiveStartKey: start }) }),
      );
      for (const item of page.Items ?? []) records.push(fromItem(item));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return records;
  }
}

function toItem(record: AgentTokenRecord): Record<string, AttributeValue> {
  return {
    tokenHash: { S: record.tokenHash },
    tokenId: { S: record.tokenId },
    site: { S: record.site },
    name: { S: record.name },
    createdAt: { N: String(record.createdAt) },
    ...(record.revokedAt !== undefined && { revokedAt: { N: String(record.revokedAt) } }),
  };
}

function fromItem(item: Record<string, AttributeValue>): AgentTokenRecord {
  return {
    tokenHash: item['tokenHash']?.S ?? '',
    tokenId: item['tokenId']?.S ?? '',
    site: item['site']?.S ?? '',
    name: item['name']?.S ?? '',
    createdAt: Number(item['createdAt']?.N ?? 0),
    ...(item['revokedAt']?.N !== undefined && { revokedAt: Number(item['revokedAt'].N) }),
  };
}

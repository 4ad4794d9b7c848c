import {
  BatchWriteItemCommand,
  QueryCommand,
  type AttributeValue,
  type DeleteItemCommand,
  type DynamoDBClient,
  type PutItemCommand,
  type UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';

/** Marshalling, conditional-write, query and batch-write helpers shared by the DynamoDB stores. */

export type Item = Record<string, AttributeValue>;

export function num(value: number): AttributeValue {
  return { N: String(value) };
}

/** The TTL attribute (`expiresAt`, epoch seconds) for an item kept `keepMs` past `endsAt`; none when `keepMs` is absent. */
export function ttlAfter(endsAt: number, keepMs: number | undefined): Item {
  return keepMs === undefined ? {} : { expiresAt: num(Math.ceil((endsAt + keepMs) / 1000)) };
}

/** Sends a conditional write: false when its condition failed, any other error thrown. */
export async function sendConditional(
  client: Pick<DynamoDBClient, 'send'>,
  command: PutItemCommand | UpdateItemCommand | DeleteItemCommand,
): Promise<boolean> {
  try {
    // One of three write commands; the client types each overload apart.
    await client.send(command as PutItemCommand);
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Every item a key condition matches (strongly consistent), following LastEvaluatedKey page by page. */
export async function queryAll(
  client: Pick<DynamoDBClient, 'send'>,
  table: string,
  query: {
    KeyConditionExpression: string;
    ExpressionAttributeValues: Item;
    ExpressionAttributeNames?: Record<string, string>;
  },
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        ConsistentRead: true,
        ...query,
        ...(startKey && { ExclusiveStartKey: startKey }),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/** BatchWriteItem's ceiling. */
export const MAX_BATCH_WRITE = 25;

/**
 * Sends `requests` in BatchWriteItems of 25, each sent again with what DynamoDB left unprocessed
 * until nothing is left; after `maxRounds` rounds of a batch the error `exhausted` makes is thrown.
 */
export async function batchWriteAll(
  client: Pick<DynamoDBClient, 'send'>,
  table: string,
  requests: readonly WriteRequest[],
  options: {
    readonly maxRounds: number;
    readonly exhausted: (left: number, rounds: number) => Error;
    /** Waits before each round after the first. */
    readonly backoff?: (round: number) => Promise<void>;
  },
): Promise<void> {
  for (let start = 0; start < requests.length; start += MAX_BATCH_WRITE) {
    let pending = requests.slice(start, start + MAX_BATCH_WRITE);
    for (let round = 0; pending.length > 0; round++) {
      if (round >= options.maxRounds) throw options.exhausted(pending.length, round);
      if (round > 0) await options.backoff?.(round);
      const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = result.UnprocessedItems?.[table] ?? [];
    }
  }
}

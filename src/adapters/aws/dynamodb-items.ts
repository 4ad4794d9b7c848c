import {
  QueryCommand,
  type AttributeValue,
  type DeleteItemCommand,
  type DynamoDBClient,
  type PutItemCommand,
  type UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

/** Marshalling and conditional-write helpers shared by the lifecycle table's stores (lifecycle, on-call). */

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
  query: { KeyConditionExpression: string; ExpressionAttributeValues: Item },
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

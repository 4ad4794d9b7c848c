/**
 * A real DynamoDB-compatible server on 127.0.0.1 for tests: dynalite (npm), in memory, on port 0,
 * with the PerformanceFlow tables created as lambdas/README.md describes them.
 *
 *   const ddb = await startDynamoLocal();
 *   ddb.client                  // @aws-sdk/client-dynamodb pointed at it, fake credentials
 *   ddb.requests                // every request it received: [{ operation: 'Query', table: '…' }, …]
 *   await ddb.close();
 */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS } from '../../lambdas/shared/environment.js';

// dynalite ships CommonJS without type declarations.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: { createTableMs?: number }) => Server;

export const ALERT_STATE_TABLE = 'pflow-alert-state';
export const NOTIFICATION_LOG_TABLE = 'pflow-notification-log';
export const LIFECYCLE_TABLE = 'pflow-lifecycle';

/** One request as dynalite received it: the operation (`Query`, `PutItem`, …) and its `TableName`. */
export interface DynamoRequest {
  readonly operation: string;
  readonly table: string | undefined;
}

export interface DynamoLocal {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  /** Every request received, in order, from any client (the handlers' own included): tests count at this boundary. */
  readonly requests: DynamoRequest[];
  close(): Promise<void>;
}

export async function startDynamoLocal(): Promise<DynamoLocal> {
  const server = dynalite({ createTableMs: 0 });
  const requests: DynamoRequest[] = [];
  // A second listener beside dynalite's own: it reads the same body without consuming it for dynalite.
  server.on('request', (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      let table: string | undefined;
      try {
        table = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { TableName?: string }).TableName;
      } catch {
        table = undefined;
      }
      requests.push({ operation: target.slice(target.indexOf('.') + 1), table });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await createTable(client, ALERT_STATE_TABLE, {
    [TABLE_KEYS.alertState.partitionKey]: 'S',
    [TABLE_KEYS.alertState.sortKey]: 'S',
  });
  await createTable(client, NOTIFICATION_LOG_TABLE, { key: 'S' });
  await createLifecycleTable(client, LIFECYCLE_TABLE);
  return {
    client,
    endpoint,
    requests,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/**
 * A pay-per-request table keyed by `keys`, in order: the first is the partition key, the second (if
 * any) the sort key; each maps to its attribute type.
 *
 *   await createTable(client, 'pflow-tag-locations', { site: 'S', tag: 'S' });
 */
export async function createTable(
  client: DynamoDBClient,
  name: string,
  keys: Record<string, 'S' | 'N' | 'B'>,
): Promise<void> {
  const names = Object.keys(keys);
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: names.map((key) => ({ AttributeName: key, AttributeType: keys[key] })),
      KeySchema: names.map((key, i) => ({ AttributeName: key, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
    }),
  );
}

/** The tag location table as lib/tag-locations.ts creates it: site/tag. */
export async function createTagLocationTable(client: DynamoDBClient, name: string): Promise<void> {
  await createTable(client, name, { site: 'S', tag: 'S' });
}

/** The lifecycle table as lib/lifecycle.ts creates it: pk/sk and the sparse audit index byAlert. */
export async function createLifecycleTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'auditAlert', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byAlert',
          KeySchema: [
            { AttributeName: 'auditAlert', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}

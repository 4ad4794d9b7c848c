import {
  BatchWriteItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { Semaphore } from '../../delivery/rate-limiter.js';
import type { AlertStateStore, CasResult, CasWrite } from '../../domain/ports.js';
import type { AlertInstanceState } from '../../domain/rules/types.js';

export interface DynamoAlertStateStoreOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly table: string;
  /** Requests in flight at once (default 8). */
  readonly concurrency?: number;
}

/** BatchWriteItem's ceiling. */
const MAX_BATCH_WRITE = 25;
const MAX_UNPROCESSED_ROUNDS = 5;

/**
 * Alert instance state in DynamoDB: partition key `ruleId`, sort key `fingerprint`, the instance as
 * JSON in `state`, and `version` for compare-and-set. Every write is a PutItem conditional on the
 * version the evaluator read, so of two overlapping rule invocations only one moves an instance to
 * its next state — the other sees a conflict and drops its events, and nobody is notified twice.
 */
export class DynamoAlertStateStore implements AlertStateStore {
  private readonly semaphore: Semaphore;

  constructor(private readonly options: DynamoAlertStateStoreOptions) {
    this.semaphore = new Semaphore(options.concurrency ?? 8);
  }

  async loadStates(ruleIds: readonly string[]): Promise<Map<string, AlertInstanceState>> {
    const states = new Map<string, AlertInstanceState>();
    await Promise.all(
      [...new Set(ruleIds)].map((ruleId) =>
        this.semaphore.run(async () => {
          let startKey: Record<string, AttributeValue> | undefined;
          do {
            const page = await this.options.client.send(
              new QueryCommand({
                TableName: this.options.table,
                // Strongly consistent: a stale version would only turn into a conflict, but a needless one.
                ConsistentRead: true,
                KeyConditionExpression: 'ruleId = :ruleId',
                ExpressionAttributeValues: { ':ruleId': { S: ruleId } },
                ...(startKey ? { ExclusiveStartKey: startKey } : {}),
              }),
            );
            for (const item of page.Items ?? []) {
              const state = stateOf(item);
              states.set(state.key, state);
            }
            startKey = page.LastEvaluatedKey;
          } while (startKey);
        }),
      ),
    );
    return states;
  }

  /**
   * Every stored instance of every rule and site: the escalation function's sweep. Only alerting
   * instances (and ones owing a resolved) are stored, so the table stays small.
   */
  async scanStates(): Promise<AlertInstanceState[]> {
    const states: AlertInstanceState[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.table,
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) states.push(stateOf(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return states;
  }

  /** Same contract as the SQLite store: stamps `expectedVersion + 1`; a failed condition is a conflict. */
  async compareAndSet(writes: readonly CasWrite[]): Promise<CasResult> {
    const outcomes = await Promise.all(
      writes.map(({ next, expectedVersion }) =>
        this.semaphore.run(async (): Promise<boolean> => {
          const version = expectedVersion + 1;
          try {
            await this.options.client.send(
              new PutItemCommand({
                TableName: this.options.table,
                Item: {
                  ruleId: { S: next.ruleId },
                  fingerprint: { S: next.fingerprint },
                  site: { S: next.site },
                  version: { N: String(version) },
                  state: { S: JSON.stringify({ ...next, version }) },
                },
                ...(expectedVersion === 0
                  ? { ConditionExpression: 'attribute_not_exists(ruleId)' }
                  : {
                      ConditionExpression: 'version = :expected',
                      ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
                    }),
              }),
            );
            return true;
          } catch (error) {
            if ((error as Error).name === 'ConditionalCheckFailedException') return false;
            throw error;
          }
        }),
      ),
    );
    const written: string[] = [];
    const conflicts: string[] = [];
    outcomes.forEach((ok, index) => (ok ? written : conflicts).push(writes[index]!.next.key));
    return { written, conflicts };
  }

  async deleteStates(keys: readonly string[]): Promise<void> {
    const requests: WriteRequest[] = [...new Set(keys)].map((key) => {
      const { ruleId, fingerprint } = splitKey(key);
      return { DeleteRequest: { Key: { ruleId: { S: ruleId }, fingerprint: { S: fingerprint } } } };
    });
    for (let i = 0; i < requests.length; i += MAX_BATCH_WRITE) {
      let pending = requests.slice(i, i + MAX_BATCH_WRITE);
      for (let round = 0; pending.length > 0; round++) {
        if (round >= MAX_UNPROCESSED_ROUNDS)
          throw new Error(`DynamoDB left ${pending.length} alert-state deletes unprocessed after ${round} rounds`);
        const result = await this.options.client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.options.table]: pending } }),
        );
        pending = result.UnprocessedItems?.[this.options.table] ?? [];
      }
    }
  }
}

function stateOf(item: Record<string, AttributeValue>): AlertInstanceState {
  const version = Number(item.version?.N ?? '0');
  return { ...(JSON.parse(item.state?.S ?? '{}') as AlertInstanceState), version };
}

/** `ruleId/fingerprint`; a rule id never contains `/` (ids are lower-case letters, digits, hyphens). */
export function splitKey(key: string): { ruleId: string; fingerprint: string } {
  const slash = key.indexOf('/');
  if (slash < 0) throw new Error(`not an alert instance key: ${JSON.stringify(key)}`);
  return { ruleId: key.slice(0, slash), fingerprint: key.slice(slash + 1) };
}

import {
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { Semaphore } from '../../delivery/rate-limiter.js';
import type { AlertStateStore, CasResult, CasWrite } from '../../domain/ports.js';
import type { AlertInstanceState } from '../../domain/rules/types.js';
import { batchWriteAll, queryAll, sendConditional } from './dynamodb-items.js';

export interface DynamoAlertStateStoreOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly table: string;
  /** The rule group a rule id belongs to in the deployed config (see ruleGroupOf); undefined when none. */
  readonly groupOf: (ruleId: string) => string | undefined;
  /** Requests in flight at once (default 8). */
  readonly concurrency?: number;
}

/** How many times a batch of deletes is sent (its unprocessed items again each time) before giving up. */
const MAX_WRITE_ROUNDS = 5;
/** The key attributes, as lambdas/shared/environment.ts's TABLE_KEYS.alertState gives the stack. */
const PK = 'siteGroup';
const SK = 'instanceKey';
/** Both key attributes by placeholder, so no key name can collide with a DynamoDB reserved word. */
const KEY_NAMES = { '#pk': PK, '#sk': SK };

/**
 * The rule-group lookup the store needs, from the config's rule groups. Rule ids are unique across
 * groups (the config's cross-field check), so each id names exactly one group.
 */
export function ruleGroupOf(
  ruleGroups: readonly { readonly name: string; readonly rules: readonly { readonly id: string }[] }[],
): (ruleId: string) => string | undefined {
  const groups = new Map(ruleGroups.flatMap((group) => group.rules.map((rule) => [rule.id, group.name] as const)));
  return (ruleId) => groups.get(ruleId);
}

/**
 * `<site>/<group>`: one rule group's instances at one site, which is what one rule cycle reads. A
 * site id never contains `/` (lower-case letters, digits, hyphens), so the first `/` ends it
 * whatever the group's name.
 */
export function statePartition(site: string, group: string): string {
  return `${site}/${group}`;
}

/**
 * Alert instance state in DynamoDB, partitioned by rule group and site: partition key `siteGroup`
 * (`<site>/<group>`), sort key `instanceKey` (the instance key, `<ruleId>/<fingerprint>`), and
 * `ruleId`, `fingerprint` and `site` as plain attributes; the instance as JSON in `state`, and
 * `version` for compare-and-set. A rule cycle reads its group's states with one strongly consistent
 * Query (paged past 1 MB) however many rules the group has. Every write is a PutItem conditional on
 * the version the evaluator read, so of two overlapping rule invocations only one moves an instance
 * to its next state — the other sees a conflict and drops its events, and nobody is notified twice.
 */
export class DynamoAlertStateStore {
  private readonly semaphore: Semaphore;

  constructor(private readonly options: DynamoAlertStateStoreOptions) {
    this.semaphore = new Semaphore(options.concurrency ?? 8);
  }

  /** The store as one site's rule cycle sees it: the domain's port, bound to the site. */
  forSite(site: string): AlertStateStore {
    return {
      loadStates: (ruleIds) => this.loadStates(site, ruleIds),
      compareAndSet: (writes) => this.compareAndSet(writes),
      deleteStates: (keys) => this.deleteStates(site, keys),
    };
  }

  /**
   * The states of `ruleIds` at `site`: one Query per rule group they belong to (one for a rule
   * cycle), keeping only the asked rules' items. A single rule is read by its sort-key prefix, so
   * reading one rule of a large group costs only that rule's items.
   */
  async loadStates(site: string, ruleIds: readonly string[]): Promise<Map<string, AlertInstanceState>> {
    const byPartition = new Map<string, Set<string>>();
    for (const ruleId of new Set(ruleIds)) {
      const partition = this.partitionOf(site, ruleId);
      byPartition.set(partition, (byPartition.get(partition) ?? new Set()).add(ruleId));
    }
    const states = new Map<string, AlertInstanceState>();
    await Promise.all(
      [...byPartition].map(([partition, wanted]) =>
        this.semaphore.run(async () => {
          const only = wanted.size === 1 ? [...wanted][0] : undefined;
          // Strongly consistent (queryAll): a stale version would only turn into a conflict, but a needless one.
          const items = await queryAll(this.options.client, this.options.table, {
            KeyConditionExpression: only === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :rule)',
            ExpressionAttributeNames: only === undefined ? { '#pk': PK } : KEY_NAMES,
            ExpressionAttributeValues: {
              ':pk': { S: partition },
              ...(only !== undefined && { ':rule': { S: `${only}/` } }),
            },
          });
          for (const item of items) {
            if (!wanted.has(item.ruleId?.S ?? '')) continue;
            const state = stateOf(item);
            states.set(state.key, state);
          }
        }),
      ),
    );
    return states;
  }

  /**
   * Every stored instance of every rule and site: the escalation function's sweep and the API's
   * alert list. Only alerting instances (and ones owing a resolved) are stored, so the table stays
   * small. An item left in another group's partition (its rule has since moved group) is skipped:
   * no rule cycle reads it any more, so nobody may escalate or acknowledge it.
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
      for (const item of page.Items ?? []) {
        const state = stateOf(item);
        const group = this.options.groupOf(state.ruleId);
        if (group !== undefined && item[PK]?.S !== statePartition(state.site, group)) continue;
        states.push(state);
      }
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
          return sendConditional(
            this.options.client,
            new PutItemCommand({
              TableName: this.options.table,
              Item: {
                [PK]: { S: this.partitionOf(next.site, next.ruleId) },
                [SK]: { S: next.key },
                ruleId: { S: next.ruleId },
                fingerprint: { S: next.fingerprint },
                site: { S: next.site },
                version: { N: String(version) },
                state: { S: JSON.stringify({ ...next, version }) },
              },
              ...(expectedVersion === 0
                ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }
                : {
                    ConditionExpression: 'version = :expected',
                    ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
                  }),
            }),
          );
        }),
      ),
    );
    const written: string[] = [];
    const conflicts: string[] = [];
    outcomes.forEach((ok, index) => (ok ? written : conflicts).push(writes[index]!.next.key));
    return { written, conflicts };
  }

  /** Deletes instances of `site` by key (`<ruleId>/<fingerprint>`). */
  async deleteStates(site: string, keys: readonly string[]): Promise<void> {
    const requests: WriteRequest[] = [...new Set(keys)].map((key) => ({
      DeleteRequest: {
        Key: { [PK]: { S: this.partitionOf(site, splitKey(key).ruleId) }, [SK]: { S: key } },
      },
    }));
    await batchWriteAll(this.options.client, this.options.table, requests, {
      maxRounds: MAX_WRITE_ROUNDS,
      exhausted: (left, rounds) =>
        new Error(`DynamoDB left ${left} alert-state deletes unprocessed after ${rounds} rounds`),
    });
  }

  private partitionOf(site: string, ruleId: string): string {
    const group = this.options.groupOf(ruleId);
    if (group === undefined)
      throw new Error(
        `alert state of rule "${ruleId}": the rule is in no rule group of the config, so it has no partition`,
      );
    return statePartition(site, group);
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

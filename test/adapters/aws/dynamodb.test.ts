import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeleteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoNotificationLog } from '../../../src/adapters/aws/dynamodb-notification-log.js';
import { DynamoAlertStateStore, ruleGroupOf } from '../../../src/adapters/aws/dynamodb-state.js';
import { SqliteStore } from '../../../src/adapters/local/sqlite-store.js';
import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import type { AlertStateStore } from '../../../src/domain/ports.js';
import type { AlertInstanceState, RuleGroupDefinition } from '../../../src/domain/rules/types.js';
import { runRuleGroup } from '../../../src/services/run-rule-group.js';
import { rule } from '../../domain/rules/fixtures.js';
import {
  ALERT_STATE_TABLE,
  NOTIFICATION_LOG_TABLE,
  startDynamoLocal,
  type DynamoLocal,
} from '../../support/dynamodb-local.js';
import { captureLogger } from '../../support/logger.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');
let ddb: DynamoLocal;

beforeAll(async () => {
  ddb = await startDynamoLocal();
});
afterAll(async () => {
  await ddb.close();
});

async function clear(table: string, key: (item: Record<string, { S?: string }>) => Record<string, { S: string }>) {
  const { Items = [] } = await ddb.client.send(new ScanCommand({ TableName: table }));
  for (const item of Items) {
    await ddb.client.send(
      new DeleteItemCommand({ TableName: table, Key: key(item as Record<string, { S?: string }>) }),
    );
  }
}

/** Group g holds the rules these tests write; group h one more, to show a second partition. */
const groupOf = ruleGroupOf([
  { name: 'g', rules: ['r1', 'big', 'other', 'web-down'].map((id) => ({ id })) },
  { name: 'h', rules: [{ id: 'elsewhere' }] },
]);

function state(ruleId: string, fingerprint: string, overrides: Partial<AlertInstanceState> = {}): AlertInstanceState {
  return {
    key: `${ruleId}/${fingerprint}`,
    ruleId,
    site: 'site-a',
    fingerprint,
    labels: { site: 'site-a', probe: 'web' },
    state: 'firing',
    since: T0,
    lastValue: 0,
    lastEvaluatedAt: T0,
    version: 0,
    ...overrides,
  };
}

describe('DynamoAlertStateStore (dynalite)', () => {
  let store: DynamoAlertStateStore;
  beforeEach(async () => {
    await clear(ALERT_STATE_TABLE, (item) => ({
      siteGroup: { S: item.siteGroup!.S! },
      instanceKey: { S: item.instanceKey!.S! },
    }));
    store = new DynamoAlertStateStore({ client: ddb.client, table: ALERT_STATE_TABLE, groupOf });
  });

  it('creates only when absent and updates only from the version read, stamping version + 1', async () => {
    expect(await store.compareAndSet([{ next: state('r1', 'aa'), expectedVersion: 0 }])).toEqual({
      written: ['r1/aa'],
      conflicts: [],
    });
    // A second creator of the same instance loses.
    expect(await store.compareAndSet([{ next: state('r1', 'aa', { state: 'ok' }), expectedVersion: 0 }])).toEqual({
      written: [],
      conflicts: ['r1/aa'],
    });
    const loaded = await store.loadStates('site-a', ['r1']);
    expect(loaded.get('r1/aa')).toMatchObject({ state: 'firing', version: 1 });

    const result = await store.compareAndSet([
      { next: state('r1', 'aa', { state: 'ok' }), expectedVersion: 1 },
      { next: state('r1', 'bb'), expectedVersion: 3 }, // never existed at version 3
    ]);
    expect(result).toEqual({ written: ['r1/aa'], conflicts: ['r1/bb'] });
    expect((await store.loadStates('site-a', ['r1'])).get('r1/aa')).toMatchObject({ state: 'ok', version: 2 });
  });

  it('loads the states of the asked rules only, across pages, and deletes by key', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      next: state('big', `fp-${String(i).padStart(2, '0')}`, { labels: { site: 'site-a', pad: 'x'.repeat(20_000) } }),
      expectedVersion: 0,
    }));
    await store.compareAndSet([...many, { next: state('other', 'aa'), expectedVersion: 0 }]);
    const loaded = await store.loadStates('site-a', ['big']);
    expect(loaded.size).toBe(60); // 60 × 20 KB is past one 1 MB Query page
    await store.deleteStates(
      'site-a',
      many.slice(0, 30).map((write) => write.next.key),
    );
    expect((await store.loadStates('site-a', ['big', 'other'])).size).toBe(31);
  });

  it("reads a 50-rule group's states at one site with one consistent Query, whatever the rule count", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `rule-${i}`);
    const fifty = ruleGroupOf([
      { name: 'big group', rules: ids.map((id) => ({ id })) },
      { name: 'h', rules: [{ id: 'elsewhere' }] },
    ]);
    // Counted at the SDK boundary: each send is one request to dynalite.
    const sent: { name: string; input: Record<string, unknown> }[] = [];
    const client = {
      send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        return ddb.client.send(command as never);
      },
    };
    const counted = new DynamoAlertStateStore({ client, table: ALERT_STATE_TABLE, groupOf: fifty });
    await counted.compareAndSet([
      ...ids.slice(0, 10).map((id) => ({ next: state(id, 'aa'), expectedVersion: 0 })),
      { next: state('rule-0', 'aa', { site: 'site-b' }), expectedVersion: 0 }, // the same instance key at another site
      { next: state('elsewhere', 'aa'), expectedVersion: 0 },
    ]);
    sent.length = 0;
    const received = ddb.requests.length;

    const loaded = await counted.forSite('site-a').loadStates(ids);
    // …and where dynalite receives them: one request in all.
    expect(ddb.requests.slice(received)).toEqual([{ operation: 'Query', table: ALERT_STATE_TABLE }]);
    expect(sent).toEqual([
      {
        name: 'QueryCommand',
        input: {
          TableName: ALERT_STATE_TABLE,
          ConsistentRead: true,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'siteGroup' },
          ExpressionAttributeValues: { ':pk': { S: 'site-a/big group' } },
        },
      },
    ]);
    expect([...loaded.keys()].sort()).toEqual(
      ids
        .slice(0, 10)
        .map((id) => `${id}/aa`)
        .sort(),
    );
    expect([...loaded.values()].every((s) => s.site === 'site-a' && s.version === 1)).toBe(true);

    // Two groups asked at once: one Query each.
    sent.length = 0;
    expect((await counted.loadStates('site-b', ['rule-0', 'elsewhere'])).size).toBe(1);
    expect(sent.map((request) => request.name)).toEqual(['QueryCommand', 'QueryCommand']);
    const { Items = [] } = await ddb.client.send(new ScanCommand({ TableName: ALERT_STATE_TABLE }));
    expect(Items.find((item) => item.ruleId?.S === 'rule-0' && item.site?.S === 'site-b')).toMatchObject({
      siteGroup: { S: 'site-b/big group' },
      instanceKey: { S: 'rule-0/aa' },
      fingerprint: { S: 'aa' },
    });
  });

  it("keeps a rule's instances out of scans once the rule has moved group, and names a rule in no group", async () => {
    await store.compareAndSet([
      { next: state('r1', 'aa'), expectedVersion: 0 },
      { next: state('other', 'bb'), expectedVersion: 0 },
    ]);
    // The next config moves r1 to group h: its old item is no cycle's any more.
    const moved = new DynamoAlertStateStore({
      client: ddb.client,
      table: ALERT_STATE_TABLE,
      groupOf: (ruleId) => (ruleId === 'r1' ? 'h' : groupOf(ruleId)),
    });
    expect((await moved.scanStates()).map((s) => s.key)).toEqual(['other/bb']);
    expect((await moved.loadStates('site-a', ['r1'])).size).toBe(0);
    // A rule the config no longer has keeps its items visible (the escalation sweep skips it by rule).
    const dropped = new DynamoAlertStateStore({
      client: ddb.client,
      table: ALERT_STATE_TABLE,
      groupOf: () => undefined,
    });
    expect((await dropped.scanStates()).map((s) => s.key).sort()).toEqual(['other/bb', 'r1/aa']);
    await expect(dropped.loadStates('site-a', ['r1'])).rejects.toThrow(
      'alert state of rule "r1": the rule is in no rule group of the config, so it has no partition',
    );
  });

  it('two evaluators racing on one alert instance notify once', async () => {
    const metrics = new SqliteStore({ database: ':memory:', clock: { now: () => T0 }, retentionMs: 86_400_000 });
    await metrics.writeProbeResults([
      {
        site: 'site-a',
        probe: 'web',
        kind: 'http',
        target: 'http://127.0.0.1:9/',
        labels: {},
        time: T0 - 1_000,
        success: false,
        durationMs: 5,
        phases: {},
      },
    ]);
    const group: RuleGroupDefinition = {
      name: 'g',
      intervalMs: 60_000,
      rules: [rule({ id: 'web-down', match: ['probe="web"'] })],
    };
    // Both evaluators read before either writes: the overlap the conditional write must settle.
    let loaded = 0;
    let bothLoaded!: () => void;
    const barrier = new Promise<void>((resolve) => (bothLoaded = resolve));
    const site = store.forSite('site-a');
    const racing: AlertStateStore = {
      loadStates: async (ids) => {
        const states = await site.loadStates(ids);
        if (++loaded === 2) bothLoaded();
        await barrier;
        return states;
      },
      compareAndSet: (writes) => site.compareAndSet(writes),
      deleteStates: (keys) => site.deleteStates(keys),
    };
    const published: AlertEvent[] = [];
    const evaluator = () =>
      runRuleGroup(group, {
        metrics,
        states: racing,
        bus: { publish: async (events) => void published.push(...events) },
        clock: { now: () => T0 },
        logger: captureLogger(),
        silences: () => [],
        maintenanceWindows: () => [],
      });
    const reports = await Promise.all([evaluator(), evaluator()]);
    metrics.close();

    expect(published.map((event) => event.state)).toEqual(['firing']);
    expect(reports.map((report) => report.conflicts).sort()).toEqual([0, 1]);
    expect([...(await store.loadStates('site-a', ['web-down'])).values()].map((s) => [s.state, s.version])).toEqual([
      ['firing', 1],
    ]);
  });
});

describe('DynamoNotificationLog (dynalite)', () => {
  let log: DynamoNotificationLog;
  beforeEach(async () => {
    await clear(NOTIFICATION_LOG_TABLE, (item) => ({ key: { S: item.key!.S! } }));
    log = new DynamoNotificationLog({ client: ddb.client, table: NOTIFICATION_LOG_TABLE, keepMs: 86_400_000 });
  });

  it('records deliveries with a TTL and answers has()', async () => {
    expect(await log.has('slack|e1')).toBe(false);
    await log.record(['slack|e1', 'slack|e1', 'slack|e2'], 'slack', T0);
    expect(await log.has('slack|e1')).toBe(true);
    expect(await log.has('slack|e2')).toBe(true);
    const { Items = [] } = await ddb.client.send(new ScanCommand({ TableName: NOTIFICATION_LOG_TABLE }));
    expect(Items.map((item) => item.expiresAt?.N)).toEqual([
      String((T0 + 86_400_000) / 1000),
      String((T0 + 86_400_000) / 1000),
    ]);
  });

  it('gives a key to one claimer at a time, never after delivery, and again once a lease lapses', async () => {
    expect(await log.claim('slack|e1', 'slack', T0, 30_000)).toBe('claimed');
    expect(await log.claim('slack|e1', 'slack', T0 + 1_000, 30_000)).toBe('busy');
    expect(await log.has('slack|e1')).toBe(false); // a claim is not a delivery
    // The holder died: after its lease another invocation may take over.
    expect(await log.claim('slack|e1', 'slack', T0 + 31_000, 30_000)).toBe('claimed');
    await log.record(['slack|e1'], 'slack', T0 + 32_000);
    expect(await log.claim('slack|e1', 'slack', T0 + 100_000, 30_000)).toBe('delivered');
    // Releasing after delivery leaves the delivery in place.
    await log.release('slack|e1');
    expect(await log.has('slack|e1')).toBe(true);
  });

  it('lets a released claim be taken at once, and only one of two concurrent claimers wins', async () => {
    expect(await log.claim('teams|e9', 'teams', T0, 30_000)).toBe('claimed');
    await log.release('teams|e9');
    const outcomes = await Promise.all([
      log.claim('teams|e9', 'teams', T0 + 1, 30_000),
      log.claim('teams|e9', 'teams', T0 + 1, 30_000),
    ]);
    expect(outcomes.sort()).toEqual(['busy', 'claimed']);
  });
});

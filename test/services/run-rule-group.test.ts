import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import type { AlertEvent } from '../../src/domain/alerts/event.js';
import type { AlertStateStore, CasWrite, EventBus, MetricStore } from '../../src/domain/ports.js';
import type { ProbeResult } from '../../src/domain/probe-result.js';
import type { WindowQuery } from '../../src/domain/records.js';
import type { RuleGroupDefinition } from '../../src/domain/rules/types.js';
import { childRulesByParent } from '../../src/domain/lifecycle/depends-on.js';
import { runRuleGroup, type RuleGroupDeps } from '../../src/services/run-rule-group.js';
import { rule } from '../domain/rules/fixtures.js';
import { captureLogger } from '../support/logger.js';

const T0 = Date.parse('2026-11-24T10:30:00Z');

function probeResult(probe: string, success: boolean, time: number): ProbeResult {
  return {
    site: 'site-a',
    probe,
    kind: 'http',
    target: `https://${probe}.example/`,
    labels: {},
    time,
    success,
    durationMs: success ? 40 : 5_000,
    phases: {},
  };
}

/** 50 rules over two tables: availability of 25 probes, and a metric threshold each. */
const group: RuleGroupDefinition = {
  name: 'availability',
  intervalMs: 30_000,
  rules: Array.from({ length: 25 }, (_, i) => [
    rule({ id: `probe-${i}-down`, match: [`probe="probe-${i}"`] }),
    rule({
      id: `probe-${i}-slow`,
      table: 'metrics',
      measure: 'http_request_duration_seconds',
      match: [`probe="probe-${i}"`],
      threshold: { op: '>', value: 2 },
      windowMs: 5 * 60_000,
    }),
  ]).flat(),
};

describe('runRuleGroup', () => {
  let store: SqliteStore;
  let now = T0;
  let published: AlertEvent[];
  let queries: WindowQuery[];
  let deps: RuleGroupDeps;

  beforeEach(async () => {
    now = T0;
    published = [];
    queries = [];
    store = new SqliteStore({ database: ':memory:', clock: { now: () => now }, retentionMs: 86_400_000 });
    const counting: Pick<MetricStore, 'fetchWindows' | 'writeAlertEvents'> = {
      fetchWindows: (query) => {
        queries.push(query);
        return store.fetchWindows(query);
      },
      writeAlertEvents: (events) => store.writeAlertEvents(events),
    };
    const bus: EventBus = { publish: async (events) => void published.push(...events) };
    deps = {
      metrics: counting,
      states: store,
      bus,
      clock: { now: () => now },
      logger: captureLogger(),
      silences: () => [],
      maintenanceWindows: () => [],
    };
  });
  afterEach(() => store.close());

  it('fetches with one query per table however many rules, then records and publishes the transitions', async () => {
    await store.writeProbeResults(Array.from({ length: 25 }, (_, i) => probeResult(`probe-${i}`, i !== 7, T0 - 5_000)));

    const report = await runRuleGroup(group, deps);

    expect(queries).toEqual([
      { table: 'probes', measures: ['success'], since: T0 - 60_000, until: T0 },
      { table: 'metrics', measures: ['http_request_duration_seconds'], since: T0 - 300_000, until: T0 },
    ]);
    expect(report.queries).toBe(2);
    const firing = published.filter((event) => event.state === 'firing');
    expect(firing.map((event) => event.rule.id)).toEqual(['probe-7-down']);
    expect(store.recentAlertEvents(100).map((event) => event.id)).toEqual(
      expect.arrayContaining(firing.map((e) => e.id)),
    );
    expect(store.listAlertStates().find((state) => state.ruleId === 'probe-7-down')?.state).toBe('firing');
  });

  it('a parent and its child failing together: only the parent pages, listing the child, committed so', async () => {
    const wan = rule({ id: 'wan-down', name: 'WAN link down', match: ['probe="wan"'] });
    const login = rule({ id: 'login-down', match: ['probe="login"'], dependsOn: ['wan-down'] });
    await store.writeProbeResults([probeResult('wan', false, T0 - 5_000), probeResult('login', false, T0 - 5_000)]);
    await runRuleGroup(
      { name: 'site', intervalMs: 30_000, rules: [login, wan] },
      {
        ...deps,
        parentsFiring: () => new Set(),
        heldBack: { childRules: childRulesByParent([login, wan]), states: () => store.listAlertStates() },
      },
    );
    expect(published.map((event) => `${event.rule.id}:${event.state}`)).toEqual(['wan-down:firing']);
    expect(published[0]!.heldBack).toMatchObject({ count: 1, alerts: [{ rule: { id: 'login-down' } }] });
    expect(await store.outbox.pending(10)).toEqual(published);
    expect(store.listAlertStates().map((state) => `${state.ruleId}:${state.state}:${state.notifiedState}`)).toEqual(
      expect.arrayContaining(['login-down:firing:ok', 'wan-down:firing:firing']),
    );
  });

  it('turns a failed fetch into error events under on_error, not a crash', async () => {
    deps = {
      ...deps,
      metrics: {
        fetchWindows: async () => {
          throw new Error('SQLITE_BUSY: database is locked');
        },
        writeAlertEvents: (events) => store.writeAlertEvents(events),
      },
    };
    const single: RuleGroupDefinition = { ...group, rules: [group.rules[0]!] };

    await runRuleGroup(single, deps);

    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ state: 'error', rule: { id: 'probe-0-down' } });
    expect(published[0]!.error).toContain('SQLITE_BUSY: database is locked');
  });

  it('drops its events for instances another evaluator wrote first (compare-and-set conflict)', async () => {
    await store.writeProbeResults([probeResult('probe-3', false, T0 - 1_000)]);
    const single: RuleGroupDefinition = { ...group, rules: [group.rules[6]!] };
    const racing: AlertStateStore = {
      loadStates: (ids) => store.loadStates(ids),
      deleteStates: (keys) => store.deleteStates(keys),
      compareAndSet: async (writes: readonly CasWrite[]) => {
        // Another evaluator lands the same transition between our read and our write.
        await store.compareAndSet(writes);
        return store.compareAndSet(writes);
      },
    };

    const report = await runRuleGroup(single, { ...deps, states: racing });

    expect(report.conflicts).toBe(1);
    expect(published).toEqual([]);
  });

  it('judges no data only once the probes had time to report since the process started probing', async () => {
    const one: RuleGroupDefinition = {
      name: 'one',
      intervalMs: 30_000,
      rules: [rule({ id: 'portal-down', match: ['probe="portal"'], noDataGraceMs: 41_000 })],
    };
    const started = T0;
    const watching = { ...deps, watchingSince: () => started };

    now = T0 + 30_000;
    await runRuleGroup(one, watching);
    expect(published).toEqual([]);

    now = T0 + 41_000;
    await runRuleGroup(one, watching);
    expect(published.map((event) => event.state)).toEqual(['nodata']);
  });
});

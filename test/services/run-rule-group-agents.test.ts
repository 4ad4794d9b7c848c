import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { agentHoldBackFor } from '../../src/domain/agent/hold-back.js';
import type { AlertEvent } from '../../src/domain/alerts/event.js';
import type { DeploymentConfig } from '../../src/domain/config/model.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import type { MetricSample } from '../../src/domain/records.js';
import { runRuleGroup } from '../../src/services/run-rule-group.js';
import { captureLogger } from '../support/logger.js';

const T0 = Date.parse('2026-12-02T08:00:00Z');
const SECOND = 1_000;
const MINUTE = 60_000;

/**
 * Two agents at the lab, declared under `agents:`; lab-01 runs the analyser probe, both are scraped
 * for disk space. The default agent rules come from the declaration alone.
 */
const CONFIG = `
version: 1
sites:
  - id: lab
    agents: [{ id: lab-01 }, { id: lab-02 }]
  - id: hospital
probes:
  - { id: lab-analyser, site: lab, kind: tcp, target: 'analyser.lab.local:4000', interval: 15s, runs_on: 'agent:lab-01' }
rule_groups:
  - name: lab
    rules:
      - { id: analyser-down, measure: success, matchers: ['probe="lab-analyser"'], threshold: { op: '<', value: 1 } }
      - id: disk-low
        table: metrics
        measure: node_filesystem_avail_bytes
        matchers: ['site="lab"']
        threshold: { op: '<', value: 1000000000 }
`;

describe('the default agent rules over rule cycles (fake clock, SQLite store)', () => {
  let config: DeploymentConfig;
  let store: SqliteStore;
  let now: number;
  let published: AlertEvent[];

  beforeEach(() => {
    config = parseDeploymentConfig(CONFIG, 'lab.yaml', {});
    now = T0;
    published = [];
    store = new SqliteStore({ database: ':memory:', clock: { now: () => now }, retentionMs: 86_400_000 });
  });
  afterEach(() => store.close());

  /** What an agent's forward cycle stores: its heartbeat and a disk gauge, every 10 s (the ingest adds site). */
  async function agentReports(agent: string, from: number, until: number, disk: number) {
    const samples: MetricSample[] = [];
    for (let t = from; t < until; t += 10 * SECOND) {
      const labels = { site: 'lab', agent };
      samples.push({ name: 'pflow_agent_up', labels, time: t, value: 1 });
      samples.push({ name: 'pflow_agent_buffer_oldest_age_seconds', labels, time: t, value: 0 });
      samples.push({ name: 'node_filesystem_avail_bytes', labels: { ...labels, device: 'c' }, time: t, value: disk });
    }
    await store.writeMetricSamples(samples);
  }

  async function analyserResults(from: number, until: number, success: boolean) {
    const results = [];
    for (let t = from; t < until; t += 15 * SECOND) {
      results.push({
        site: 'lab',
        probe: 'lab-analyser',
        kind: 'tcp',
        target: 'analyser.lab.local:4000',
        labels: { agent: 'lab-01' },
        time: t,
        success,
        durationMs: 3,
        phases: {},
      });
    }
    await store.writeProbeResults(results);
  }

  /** One minute of the local runtime: every group (the config's first, so they read last minute's hold-back). */
  async function cycle() {
    const holdBack = agentHoldBackFor(config)!;
    for (const group of config.ruleGroups) {
      await runRuleGroup(group, {
        metrics: store,
        states: store,
        bus: { publish: async (events) => void published.push(...events) },
        clock: { now: () => now },
        logger: captureLogger(),
        silences: () => [],
        maintenanceWindows: () => [],
        agentHoldBack: holdBack,
      });
    }
  }

  const announced = () => published.map((event) => `${event.rule.id}:${event.labels.agent ?? '-'}:${event.state}`);

  it('an agent going silent raises one "Agent offline" alert and holds back its other alerts, not the other agent’s', async () => {
    expect(config.ruleGroups.map((group) => [group.name, group.sites])).toEqual([
      ['lab', undefined],
      ['pflow-agents', ['lab']],
    ]);

    // Ten healthy minutes.
    for (; now < T0 + 10 * MINUTE; now += MINUTE) {
      await agentReports('lab-01', now - MINUTE, now, 5e9);
      await agentReports('lab-02', now - MINUTE, now, 5e9);
      await analyserResults(now - MINUTE, now, true);
      await cycle();
    }
    expect(announced()).toEqual([]);

    // lab-01 falls silent (its server, or its link): no heartbeat, no disk gauge, no analyser result.
    // Three minutes in, lab-02's disk really runs low.
    const silentFrom = now - MINUTE;
    for (; now <= silentFrom + 15 * MINUTE; now += MINUTE) {
      await agentReports('lab-02', now - MINUTE, now, now - silentFrom > 3 * MINUTE ? 5e8 : 5e9);
      await cycle();
    }
    expect(announced()).toEqual(['disk-low:lab-02:firing', 'pflow-agent-silent-lab-01:lab-01:firing']);
    const offline = published.find((event) => event.rule.id === 'pflow-agent-silent-lab-01')!;
    expect(offline).toMatchObject({ site: 'lab', rule: { name: 'Agent offline', severity: 'critical' } });
    // It fired at silent_after (5m) since the last heartbeat, give or take one rule cycle.
    expect(Date.parse(offline.evaluatedAt) - (silentFrom - 10 * SECOND)).toBeGreaterThanOrEqual(5 * MINUTE);
    expect(Date.parse(offline.evaluatedAt) - (silentFrom - 10 * SECOND)).toBeLessThanOrEqual(6 * MINUTE);
    // The held-back alert was evaluated all along: the analyser is in no-data, just not announced.
    expect(store.listAlertStates().find((state) => state.ruleId === 'analyser-down')?.state).toBe('nodata');

    // lab-01 is back, but the analyser it probes is down: announced now, with the agent's recovery.
    published = [];
    const back = now;
    for (; now <= back + 2 * MINUTE; now += MINUTE) {
      await agentReports('lab-01', now - MINUTE, now, 5e9);
      await agentReports('lab-02', now - MINUTE, now, 5e8);
      await analyserResults(now - MINUTE, now, false);
      await cycle();
    }
    expect(announced()).toEqual(
      expect.arrayContaining(['analyser-down:lab-01:firing', 'pflow-agent-silent-lab-01:lab-01:resolved']),
    );
    expect(announced().filter((text) => text.startsWith('pflow-agent-buffer-growing'))).toEqual([]);
  });

  it('a pending silence (heartbeat missing, not yet silent_after) already holds back; a blip pages nobody', async () => {
    config = parseDeploymentConfig(
      CONFIG.replace('{ id: lab-01 }', '{ id: lab-01, silent_after: 10m }'),
      'lab.yaml',
      {},
    );
    for (; now < T0 + 10 * MINUTE; now += MINUTE) {
      await agentReports('lab-01', now - MINUTE, now, 5e9);
      await agentReports('lab-02', now - MINUTE, now, 5e9);
      await analyserResults(now - MINUTE, now, true);
      await cycle();
    }
    // Eight minutes without lab-01: suspect (pending) from two, never offline (silent_after 10m). The
    // analyser rule (window 5m) meanwhile sees no data: held back, as the agent is suspect.
    const gap = now - MINUTE;
    for (; now <= gap + 8 * MINUTE; now += MINUTE) {
      await agentReports('lab-02', now - MINUTE, now, 5e9);
      await cycle();
    }
    const stateOf = (rule: string) => store.listAlertStates().find((state) => state.ruleId === rule)?.state;
    expect(stateOf('pflow-agent-silent-lab-01')).toBe('pending');
    expect(stateOf('analyser-down')).toBe('nodata');
    for (const end = now + 3 * MINUTE; now < end; now += MINUTE) {
      await agentReports('lab-01', now - MINUTE, now, 5e9);
      await agentReports('lab-02', now - MINUTE, now, 5e9);
      await analyserResults(now - MINUTE, now, true);
      await cycle();
    }
    expect(announced()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { agentHoldBackFor } from '../../../src/domain/agent/hold-back.js';
import { ConfigError } from '../../../src/domain/errors.js';

const channels = `
channels:
  - { id: ops, kind: console }
  - { id: lab-it, kind: console }
routes:
  - channels: [ops]
`;

function parse(text: string) {
  return parseDeploymentConfig(`version: 1\n${text}${channels}`, 'site.yaml', {});
}

function issues(text: string): string[] {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('config: sites[].agents (the default agent rules)', () => {
  it('reads the declaration with its defaults and generates the pflow-agents group after the config’s own', () => {
    const config = parse(`
sites:
  - id: lab
    agents:
      - { id: lab-01 }
      - { id: lab-02, silent_after: 15m, buffer_age: 30m, buffer_for: 5m, channels: [lab-it] }
  - id: hospital
probes:
  - { id: analyser, site: lab, kind: tcp, target: 'a.lab:1', runs_on: 'agent:lab-01' }
rule_groups:
  - name: mine
    rules: [{ id: analyser-down, measure: success, matchers: ['probe="analyser"'], threshold: { op: '<', value: 1 } }]
`);
    expect(config.sites[0]).toMatchObject({
      id: 'lab',
      defaultAgentRules: true,
      agents: [
        { id: 'lab-01', silentAfterMs: 300_000, bufferAgeMs: 600_000, bufferForMs: 600_000 },
        { id: 'lab-02', silentAfterMs: 900_000, bufferAgeMs: 1_800_000, bufferForMs: 300_000, channels: ['lab-it'] },
      ],
    });
    expect(config.sites[1]).toEqual({ id: 'hospital', name: 'hospital', timezone: 'UTC', labels: {} });
    expect(config.ruleGroups.map((group) => [group.name, group.sites, group.rules.length])).toEqual([
      ['mine', undefined, 1],
      ['pflow-agents', ['lab'], 4],
    ]);
    // lab-02's own channels: a route before the config's.
    expect(config.routes.map((route) => route.channels)).toEqual([['lab-it'], ['ops']]);
    // The rule cycles' hold-back switches on, knowing which agent runs which probe.
    expect(agentHoldBackFor(config)).toEqual({
      ruleIds: ['pflow-agent-silent-lab-01', 'pflow-agent-silent-lab-02'],
      agentProbes: [{ id: 'analyser', site: 'lab', agent: 'lab-01' }],
    });
  });

  it('a config without agents: is what it was (no group, no routes added)', () => {
    const config = parse(`sites: [{ id: lab, runs_on: 'agent:lab-01' }]\n`);
    expect(config.ruleGroups).toEqual([]);
    expect(config.routes).toHaveLength(1);
    expect(config.sites[0]).not.toHaveProperty('agents');
  });

  it('default_rules: false declares the agents but generates nothing for that site', () => {
    const config = parse(`
sites:
  - { id: lab, default_rules: false, agents: [{ id: lab-01 }] }
  - { id: ward, agents: [{ id: ward-1 }] }
`);
    expect(config.sites[0]).toMatchObject({ defaultAgentRules: false, agents: [{ id: 'lab-01' }] });
    expect(config.ruleGroups).toHaveLength(1);
    expect(config.ruleGroups[0]!.sites).toEqual(['ward']);
    expect(config.ruleGroups[0]!.rules.map((rule) => rule.id)).toEqual([
      'pflow-agent-silent-ward-1',
      'pflow-agent-buffer-growing-ward-1',
    ]);
  });

  it('a rule of the config with a default rule’s id wins: the default one is left out', () => {
    const config = parse(`
sites: [{ id: lab, agents: [{ id: lab-01 }] }]
rule_groups:
  - name: mine
    rules:
      - id: pflow-agent-silent-lab-01
        name: Lab agent offline
        table: metrics
        measure: pflow_agent_up
        matchers: ['site="lab"', 'agent="lab-01"']
        window: 15m
        threshold: { op: '<', value: 1 }
        no_data: alerting
`);
    const ids = config.ruleGroups.map((group) => [group.name, group.rules.map((rule) => rule.name)]);
    expect(ids).toEqual([
      ['mine', ['Lab agent offline']],
      ['pflow-agents', ['Agent buffer growing']],
    ]);
    // Still the rule the hold-back follows.
    expect(agentHoldBackFor(config)?.ruleIds).toEqual(['pflow-agent-silent-lab-01']);
  });

  it('names the field of every mistake', () => {
    expect(
      issues(`
sites:
  - id: lab
    runs_on: 'agent:lab-09'
    agents:
      - { id: lab-01, silent_after: 30s, buffer_for: 0s, channels: [pager] }
      - { id: lab-01 }
  - id: ward
    agents: [{ id: ward-1 }]
probes:
  - { id: p1, site: ward, kind: tcp, target: 'a:1', runs_on: 'agent:lab-01' }
rule_groups:
  - name: pflow-agents
    rules: [{ id: r, measure: success, threshold: { op: '<', value: 1 } }]
`),
    ).toEqual([
      'sites[0].runs_on: agent "lab-09" is not among site "lab"\'s agents (lab-01): declare it there, so the default agent rules watch it',
      'sites[0].agents[0].silent_after: too short: the default agent rules run every minute, so silent_after must be at least 1m (30s is under it)',
      'sites[0].agents[0].buffer_for: too short: the default agent rules run every minute, so buffer_for must be at least 1m (0s is under it)',
      'sites[0].agents[0].channels[0]: no channel "pager" (channels: ops, lab-it)',
      'sites[0].agents[1].id: duplicate agent id "lab-01" (already declared by sites[0].agents[0]); an agent\'s token belongs to one site',
      'probes[0].runs_on: agent "lab-01" is declared under site "lab" (sites[0].agents[0]); an agent\'s token belongs to one site, so it cannot work for "ward"',
      'rule_groups[0].name: "pflow-agents" is the default agent rules\' group (sites[].agents): give this group another name',
    ]);
  });

  it('a pulled agent’s silent_after must outlast a pull interval; a pulled agent belongs to its declared site', () => {
    const text = (silentAfter: string, site = 'lab') => `
sites: [{ id: lab, agents: [{ id: lab-01, silent_after: ${silentAfter} }] }, { id: ward }]
aws:
  pull:
    vpc_id: vpc-0a1b2c3d4e5f60718
    subnet_ids: [subnet-0a1b2c3d4e5f60718]
    interval: 5m
    agents: [{ id: lab-01, site: ${site}, url: 'http://10.0.0.5:9465', token: '${'t'.repeat(32)}' }]
`;
    expect(issues(text('5m'))).toEqual([
      'sites[0].agents[0].silent_after: too short for a pulled agent: its heartbeats arrive once per pull (aws.pull.interval 5m), so silent_after must be at least 6m',
    ]);
    expect(issues(text('10m', 'ward'))).toContainEqual(
      'aws.pull.agents[0].id: agent "lab-01" is declared under site "lab" (sites[0].agents[0]); an agent\'s token belongs to one site, so it cannot work for "ward"',
    );
    const config = parse(text('10m'));
    // Suspect one pull interval (and a minute) after the last heartbeat, not two minutes.
    expect(config.ruleGroups[0]!.rules[0]).toMatchObject({ windowMs: 360_000, forMs: 240_000 });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentHoldBackFor } from '../../../src/domain/agent/hold-back.js';
import { parseConfigForDeployment } from '../../../src/domain/config/deploy.js';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { DEFAULT_ASSUMPTIONS } from '../../../src/domain/cost/assumptions.js';
import { estimateCost } from '../../../src/domain/cost/estimate.js';
import { deploymentUsage } from '../../../src/domain/cost/usage.js';

const ROOT = join(import.meta.dirname, '../../..');
const read = (name: string) => readFileSync(join(ROOT, name), 'utf8');
const AGENTS_LINE = /^ {4}agents: \[\{ id: ward-1 \}.*\n/m;

// Synthesizing nothing, but two cost estimates of a 200-rule config on a busy 2-core machine.
describe('the default agent rules in the shipped configs and the README', { timeout: 60_000 }, () => {
  it('the reference site declares its five agents: one more rule schedule, priced as the README says', () => {
    const reference = read('config/reference-site.yaml');
    expect(reference).toMatch(AGENTS_LINE);
    const [without, withAgents] = [reference.replace(AGENTS_LINE, ''), reference].map((text) => {
      const deployment = parseConfigForDeployment(text, 'reference-site.yaml');
      return { config: deployment.config, cost: estimateCost(deployment.config, deployment.secretNames) };
    });
    expect(withAgents!.config.ruleGroups.at(-1)).toMatchObject({ name: 'pflow-agents', sites: ['ref-hospital'] });
    expect(withAgents!.config.ruleGroups.at(-1)!.rules).toHaveLength(10);
    expect(withAgents!.cost.usage.ruleCycles - without!.cost.usage.ruleCycles).toBe(1);
    const delta = (store: 'amp' | 'timestream') =>
      (withAgents!.cost.totals[store].usd - without!.cost.totals[store].usd).toFixed(2);
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('### Default agent rules and the hold-back'));
    expect(section).toContain(
      `cost $${delta('amp')} a month with AMP and $${delta('timestream')} with Timestream (\`pflow cost\` on`,
    );
  });

  it('config/aws-example.yaml declares lab-01, which runs its lab-analyser probe', () => {
    const { config } = parseConfigForDeployment(read('config/aws-example.yaml'), 'aws-example.yaml');
    expect(config.sites.find((site) => site.id === 'st-anna-lab')?.agents?.map((agent) => agent.id)).toEqual([
      'lab-01',
    ]);
    expect(agentHoldBackFor(config)).toEqual({
      ruleIds: ['pflow-agent-silent-lab-01'],
      agentProbes: [{ id: 'lab-analyser', site: 'st-anna-lab', agent: 'lab-01' }],
    });
  });

  it('the README’s declaration is valid and generates what its table says', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('### Default agent rules and the hold-back'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const config = parseDeploymentConfig(
      `version: 1\n${block}channels: [{ id: ops-slack, kind: console }]\nroutes: [{ channels: [ops-slack] }]\n`,
      'readme.yaml',
      {},
    );
    expect(config.ruleGroups.map((group) => [group.name, group.sites])).toEqual([['pflow-agents', ['st-anna-lab']]]);
    const ids = config.ruleGroups[0]!.rules.map((rule) => rule.id);
    expect(ids).toEqual([
      'pflow-agent-silent-lab-01',
      'pflow-agent-buffer-growing-lab-01',
      'pflow-agent-silent-lab-02',
      'pflow-agent-buffer-growing-lab-02',
    ]);
    for (const rule of config.ruleGroups[0]!.rules) {
      const id = rule.id.replace(/-lab-0\d$/, '-<agent>');
      expect(section).toMatch(new RegExp(`\\| \`${id}\` +\\| ${rule.name} +\\| ${rule.severity} +\\|`));
    }
  });
});

describe('pflow cost for the default agent rules', () => {
  it('counts a declared agent, one schedule per declaring site, and queries of the heartbeat series only', () => {
    const text = (agents: string) => `version: 1
defaults: { evaluation_interval: 1m }
sites:
  - { id: lab${agents} }
  - { id: hospital }
`;
    const usage = (agents: string) => {
      const deployment = parseConfigForDeployment(text(agents), 'agents.yaml');
      return deploymentUsage(deployment.config, deployment.secretNames, DEFAULT_ASSUMPTIONS);
    };
    expect(usage('').agents).toEqual([]);
    const declared = usage(', agents: [{ id: lab-01 }, { id: lab-02 }]');
    // Declared without a probe: still agents that push (their scrapes and heartbeats).
    expect(declared.agents.map((agent) => [agent.id, agent.sites])).toEqual([
      ['lab-01', ['lab']],
      ['lab-02', ['lab']],
    ]);
    expect(declared.ruleCycles).toEqual([
      {
        site: 'lab',
        group: 'pflow-agents',
        intervalMs: 60_000,
        rules: 4,
        invocationsPerMonth: 43_800,
        // Two measures per agent (pflow_agent_up, pflow_agent_buffer_oldest_age_seconds), not agentSeries.
        tables: [{ table: 'metrics', windowMs: 600_000, seriesPerAgent: 2 }],
      },
    ]);
  });
});

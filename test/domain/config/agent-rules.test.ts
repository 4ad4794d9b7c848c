import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { isAgentSilentRule } from '../../../src/domain/agent/hold-back.js';
import { parseConfigForDeployment } from '../../../src/domain/config/deploy.js';
import { estimateCost } from '../../../src/domain/cost/estimate.js';

const CONFIG = join(import.meta.dirname, '../../../config');
const read = (name: string) => readFileSync(join(CONFIG, name), 'utf8');

/** A config with the shipped agent rule group added, its site ids replaced by `site`. */
function withAgentRules(text: string, site: string): string {
  const document = parse(text) as { rule_groups?: unknown[] };
  const rules = parse(read('agent-rules.yaml').replaceAll('st-anna-lab', site)) as { rule_groups: unknown[] };
  document.rule_groups = [...(document.rule_groups ?? []), ...rules.rule_groups];
  return stringify(document);
}

describe('config/agent-rules.yaml (the default agent rules)', () => {
  it('merges into config/aws-example.yaml and validates; the silent rule is one the hold-back looks for', () => {
    const { config } = parseConfigForDeployment(withAgentRules(read('aws-example.yaml'), 'st-anna-lab'), 'merged');
    const group = config.ruleGroups.find((candidate) => candidate.name === 'agents')!;
    expect(group.rules.map((rule) => [rule.id, rule.measure, rule.noData])).toEqual([
      ['pflow-agent-silent-st-anna-lab', 'pflow_agent_up', 'alerting'],
      ['pflow-agent-buffer-growing-st-anna-lab', 'pflow_agent_buffer_oldest_age_seconds', 'nodata'],
    ]);
    expect(group.rules.filter((rule) => isAgentSilentRule(rule.id)).map((rule) => rule.id)).toEqual([
      'pflow-agent-silent-st-anna-lab',
    ]);
    // Pinned to the agent's site: the other sites' cycles leave them out.
    for (const rule of group.rules)
      expect(rule.matchers).toContainEqual({ name: 'site', op: '=', value: 'st-anna-lab' });
  });

  it('adds one rule group per site to the bill: the reference site (one site, five agents) costs this much more', () => {
    const reference = read('reference-site.yaml');
    const before = parseConfigForDeployment(reference, 'reference');
    const after = parseConfigForDeployment(withAgentRules(reference, 'ref-hospital'), 'reference+agents');
    const [was, is] = [before, after].map((d) => estimateCost(d.config, d.secretNames));
    expect(is!.usage.ruleCycles - was!.usage.ruleCycles).toBe(1);
    const delta = (backend: 'amp' | 'timestream') => is!.totals[backend].usd - was!.totals[backend].usd;
    // README "What it costs" quotes these.
    expect(delta('amp').toFixed(2)).toBe('2.99');
    expect(delta('timestream').toFixed(2)).toBe('2.55');
  });
});

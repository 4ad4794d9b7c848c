import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARD_SPECS } from '../../dashboards/src/index.js';
import { panelsOf } from '../../dashboards/src/spec.js';

const CONFIGS = ['config/example.yaml', 'config/aws-example.yaml', 'config/reference-site.yaml'];
/** The series a `probes` measure is charted from (README "Prometheus series"). */
const PROBE_SERIES: Readonly<Record<string, string>> = {
  success: 'probe_success',
  duration_ms: 'probe_duration_seconds',
};

interface RuleYaml {
  readonly id: string;
  readonly table?: string;
  readonly measure: string;
  readonly threshold: { readonly op: string; readonly value: number };
}

function rules(): Array<RuleYaml & { readonly file: string }> {
  return CONFIGS.flatMap((file) => {
    const config = parse(readFileSync(join(import.meta.dirname, '../..', file), 'utf8')) as {
      rule_groups?: Array<{ rules: RuleYaml[] }>;
    };
    return (config.rule_groups ?? []).flatMap((group) => group.rules.map((rule) => ({ ...rule, file })));
  });
}

/** One rule per measure and threshold (the reference site repeats one pattern a hundred times). */
function distinctRules() {
  const seen = new Map<string, RuleYaml & { readonly file: string }>();
  for (const rule of rules()) {
    const key = `${rule.table ?? 'probes'} ${rule.measure} ${rule.threshold.op} ${rule.threshold.value}`;
    if (!seen.has(key)) seen.set(key, rule);
  }
  return [...seen.values()];
}

describe('panel thresholds match what the rules alert on', () => {
  const all = distinctRules();

  it('reads the rules of the shipped configs', () => {
    expect(all.length).toBeGreaterThan(5);
  });

  it.each(all.map((rule) => [`${rule.file} ${rule.id}`, rule] as const))('%s', (_name, rule) => {
    const series = (rule.table ?? 'probes') === 'probes' ? PROBE_SERIES[rule.measure] : rule.measure;
    expect(series, `no dashboard series known for measure ${rule.measure}`).toBeDefined();
    const charting = DASHBOARD_SPECS.flatMap((spec) =>
      panelsOf(spec)
        .filter((panel) => panel.prom.some((target) => new RegExp(`\\b${series}\\b`).test(target.expr)))
        .map((panel) => ({ where: `${spec.uid} panel ${panel.id}`, panel })),
    );
    expect(charting.length, `no panel charts ${series}`).toBeGreaterThan(0);
    // A `>` threshold on a count (par shortfall > 0) starts the colour at the next whole number.
    const accepted = [rule.threshold.value, ...(rule.threshold.op === '>' ? [rule.threshold.value + 1] : [])];
    // Its colour changes where the rule starts to alert: worse from the step for > and >=, worse below it for < and <=.
    const matching = charting.filter(({ panel }) => {
      const steps = panel.thresholds ?? [];
      const index = steps.findIndex((step) => step.value !== null && accepted.includes(step.value));
      if (index < 1) return false;
      return rule.threshold.op.startsWith('>') ? steps[index]!.color !== 'green' : steps[index - 1]!.color !== 'green';
    });
    expect(
      matching.map((m) => m.where),
      `no panel charting ${series} turns colour at ${rule.threshold.op} ${rule.threshold.value}: ${charting
        .map((c) => c.where)
        .join(', ')}`,
    ).not.toEqual([]);
  });
});

import type { Env } from '../domain/config/env.js';
import { AGENT_RULE_GROUP } from '../domain/agent/default-rules.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import { count, loadConfigOrReport, type CliOutput } from './config.js';

export type { CliOutput } from './config.js';

/**
 * `pflow validate FILE`: a valid file prints one summary line and exits 0; an invalid one prints
 * every error as `path: message`, one per line, then the summary line, and exits 1.
 */
export async function runValidate(file: string, out: CliOutput, env: Env = process.env): Promise<number> {
  const config = await loadConfigOrReport(file, out, env);
  if (!config) return 1;
  out.stdout(`${file}: OK — ${summarise(config)}\n`);
  return 0;
}

export function summarise(config: DeploymentConfig): string {
  const rules = config.ruleGroups.reduce((sum, group) => sum + group.rules.length, 0);
  // Generated from the sites' agents: declarations, so the count says how many are not in the file.
  const generated = config.ruleGroups.find((group) => group.name === AGENT_RULE_GROUP)?.rules.length ?? 0;
  return [
    count(config.sites.length, 'site'),
    count(config.probes.length, 'probe'),
    `${count(rules, 'rule')} in ${count(config.ruleGroups.length, 'group')}` +
      (generated > 0 ? ` (${String(generated)} of them default agent rules)` : ''),
    count(config.channels.length, 'channel'),
    count(config.routes.length, 'route'),
    count(config.silences.length, 'silence'),
    count(config.maintenanceWindows.length, 'maintenance window'),
  ].join(', ');
}

import { loadConfigFile } from '../adapters/local/config-file.js';
import type { Env } from '../domain/config/env.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import { ConfigError } from '../domain/errors.js';

export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * `pflow validate FILE`: a valid file prints one summary line and exits 0; an invalid one prints
 * every error as `path: message`, one per line, and exits 1.
 */
export async function runValidate(file: string, out: CliOutput, env: Env = process.env): Promise<number> {
  try {
    const config = await loadConfigFile(file, env);
    out.stdout(`${file}: OK — ${summarise(config)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out.stderr(`${file}: ${count(error.issues.length, 'error')}, nothing loaded\n`);
    for (const issue of error.issues) out.stderr(`${issue.path}: ${issue.message}\n`);
    return 1;
  }
}

export function summarise(config: DeploymentConfig): string {
  const rules = config.ruleGroups.reduce((sum, group) => sum + group.rules.length, 0);
  return [
    count(config.sites.length, 'site'),
    count(config.probes.length, 'probe'),
    `${count(rules, 'rule')} in ${count(config.ruleGroups.length, 'group')}`,
    count(config.channels.length, 'channel'),
    count(config.routes.length, 'route'),
    count(config.silences.length, 'silence'),
    count(config.maintenanceWindows.length, 'maintenance window'),
  ].join(', ');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

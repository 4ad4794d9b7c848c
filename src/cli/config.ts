import { loadConfigFile } from '../adapters/local/config-file.js';
import type { Env } from '../domain/config/env.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import { ConfigError } from '../domain/errors.js';

export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * Loads the config a command needs, or prints why not and returns undefined. Every command
 * refuses a config with the same words in the same order: each error as `path: message` on its
 * own line, then one summary line, so the summary is what stays on screen.
 */
export async function loadConfigOrReport(
  file: string,
  out: CliOutput,
  env: Env = process.env,
): Promise<DeploymentConfig | undefined> {
  try {
    return await loadConfigFile(file, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportRefusal(file, error, out);
    return undefined;
  }
}

/** Prints a refused config the way every command does (see loadConfigOrReport). */
export function reportRefusal(file: string, error: ConfigError, out: CliOutput): void {
  for (const issue of error.issues) out.stderr(`${issue.path}: ${issue.message}\n`);
  out.stderr(`${refusal(file, error.issues.length)}\n`);
}

/** `broken.yaml: 3 errors, config not loaded`. */
export function refusal(file: string, errors: number): string {
  return `${file}: ${count(errors, 'error')}, config not loaded`;
}

export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

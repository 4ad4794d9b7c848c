import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { loadConfigFile } from '../adapters/local/config-file.js';
import { expandEnv, type Env } from '../domain/config/env.js';
import { deploymentShape } from '../domain/config/schema.js';
import { ConfigError } from '../domain/errors.js';
import { loadConfigOrReport, type CliOutput } from './config.js';

const UNSET = /^environment variable \S+ is not set$/;

/**
 * The data directory of a config, for commands that only read local files (listing dead letters).
 * They need no channel secrets: when the only problems are unset `${NAME}` variables outside
 * `local:`, the directory is read from the `local:` section alone. Anything else is refused as
 * every command refuses a config.
 */
export async function loadDataDirOrReport(file: string, out: CliOutput, env: Env = process.env) {
  try {
    return (await loadConfigFile(file, env)).local.dataDir;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const onlyUnsetSecrets = error.issues.every(
      (issue) => UNSET.test(issue.message) && !issue.path.startsWith('local'),
    );
    if (onlyUnsetSecrets) {
      const local = localSection(await readFile(file, 'utf8'), env);
      if (local !== undefined) return local;
    }
  }
  return (await loadConfigOrReport(file, out, env))?.local.dataDir;
}

function localSection(text: string, env: Env): string | undefined {
  try {
    const raw = (parse(text) as { local?: unknown } | null)?.local ?? {};
    const expanded = expandEnv(raw, env);
    if (expanded.issues.length > 0) return undefined;
    const local = deploymentShape.shape.local.safeParse(expanded.value);
    return local.success ? local.data.data_dir : undefined;
  } catch {
    return undefined;
  }
}

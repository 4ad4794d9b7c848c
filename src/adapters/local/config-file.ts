import { readFile } from 'node:fs/promises';
import type { Env } from '../../domain/config/env.js';
import { parseDeploymentConfig } from '../../domain/config/load.js';
import type { DeploymentConfig } from '../../domain/config/model.js';
import { ConfigError } from '../../domain/errors.js';

/** Reads and validates a site config file; every failure, a missing file included, is a ConfigError. */
export async function loadConfigFile(path: string, env: Env = process.env): Promise<DeploymentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `no such file: ${path}`
        : code === 'EISDIR'
          ? `is a directory, not a config file: ${path}`
          : `cannot read ${path}: ${code ?? (error as Error).message}`;
    throw new ConfigError(path, [{ path: '(file)', message }]);
  }
  return parseDeploymentConfig(text, path, env);
}

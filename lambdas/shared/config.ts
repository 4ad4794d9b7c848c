import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { readSecrets, type SecretReader } from '../../src/adapters/aws/secrets-manager.js';
import { expandEnv } from '../../src/domain/config/env.js';
import { parseDeploymentConfigJson } from '../../src/domain/config/document.js';
import type { DeploymentConfig } from '../../src/domain/config/model.js';
import { DEFAULT_CONFIG_FILE, ENV } from './environment.js';

export interface LoadedConfig {
  readonly config: DeploymentConfig;
  /** The resolved secret values, for log redaction. */
  readonly secretValues: readonly string[];
}

/** The `${NAME}`s a config document references, found with the same grammar that expands them. */
export function secretNames(document: unknown): string[] {
  const names = new Set<string>();
  const recorder = new Proxy(
    {},
    {
      get: (_target, name) => {
        if (typeof name === 'string') names.add(name);
        return '';
      },
    },
  );
  expandEnv(document, recorder);
  return [...names].sort();
}

/**
 * Loads the deployment config a Lambda runs with: the JSON document the stack bundled (path in
 * PFLOW_CONFIG_FILE, relative to LAMBDA_TASK_ROOT), its `${NAME}`s read from Secrets Manager, then
 * validated by the same schema as `pflow validate`. Re-validated only when a secret's value changed
 * (rotation), so a warm invocation costs a cache lookup.
 */
export function configLoader(options: {
  readonly env: NodeJS.ProcessEnv;
  readonly secrets: (prefix: string) => SecretReader;
}): () => Promise<LoadedConfig> {
  let text: string | undefined;
  let names: string[] = [];
  let reader: SecretReader | undefined;
  let cached: { key: string; loaded: LoadedConfig } | undefined;
  return async () => {
    const env = options.env;
    const file = env[ENV.configFile] ?? DEFAULT_CONFIG_FILE;
    const path = isAbsolute(file) ? file : join(env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
    if (text === undefined) {
      const raw = await readFile(path, 'utf8');
      names = secretNames(JSON.parse(raw) as unknown);
      text = raw;
    }
    if (names.length > 0 && reader === undefined) {
      const prefix = env[ENV.secretsPrefix];
      if (prefix === undefined) {
        throw new Error(
          `the config references ${names.map((n) => `\${${n}}`).join(', ')} but ${ENV.secretsPrefix} is not set`,
        );
      }
      reader = options.secrets(prefix);
    }
    const values = reader ? await readSecrets(reader, names) : {};
    const key = JSON.stringify(values);
    if (cached?.key === key) return cached.loaded;
    // The same schema and messages as `pflow validate`, without the YAML reader the JSON needs not.
    const config = parseDeploymentConfigJson(text, path, values);
    cached = { key, loaded: { config, secretValues: Object.values(values) } };
    return cached.loaded;
  };
}

/** A required environment variable, or an error naming it. */
export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

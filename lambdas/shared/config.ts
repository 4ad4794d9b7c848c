import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { readSecrets, type SecretReader } from '../../src/adapters/aws/secrets-manager.js';
import { readBundledConfig, type BundledConfig } from '../../src/domain/config/bundled.js';
import type { DeploymentConfig } from '../../src/domain/config/model.js';
import { readsSecret, type ReadingFunction } from '../../src/domain/config/secret-readers.js';
import { DEFAULT_CONFIG_FILE, ENV, SERVICES } from './environment.js';

export interface LoadedConfig {
  readonly config: DeploymentConfig;
  /** The resolved secret values, for log redaction. */
  readonly secretValues: readonly string[];
}

/**
 * The function this is, as the bundled secrets' readers name it: POWERTOOLS_SERVICE_NAME (set by
 * the stack from SERVICES) and a deliver function's PFLOW_CHANNEL_ID. Undefined without the first
 * (tests, benchmarks): such a caller reads every secret, as any function did before readers existed.
 */
export function readingFunctionOf(env: NodeJS.ProcessEnv): ReadingFunction | undefined {
  const service = env.POWERTOOLS_SERVICE_NAME;
  const fn = Object.entries(SERVICES).find(([, name]) => name === service)?.[0];
  if (fn === undefined) return undefined;
  const channel = env[ENV.channelId];
  return { fn, ...(channel !== undefined && channel !== '' && { channel }) };
}

/**
 * The config schema's fingerprint this bundle was built with: esbuild replaces the expression
 * (lib/function-bundling.ts). Unbundled (tests, tsx) it is unset, and the config was written from
 * the same source tree.
 */
const BUILT_FOR_SCHEMA = process.env.PFLOW_BUNDLE_CONFIG_SCHEMA;

/**
 * Loads the deployment config a Lambda runs with: the document synth validated and normalised
 * (path in PFLOW_CONFIG_FILE, relative to LAMBDA_TASK_ROOT; src/domain/config/bundled.ts), the
 * `${NAME}`s this function reads (each secret's readers, readingFunctionOf) read from Secrets Manager
 * and checked for their form; the others stay unresolved, in fields this function never reads,
 * and the stack grants it no access to them. No schema runs here: that is
 * synth's job, and loading it would cost every cold start. Refilled only when a secret's value
 * changed (rotation), so a warm invocation costs a cache lookup.
 */
export function configLoader(options: {
  readonly env: NodeJS.ProcessEnv;
  /** A reader of `<prefix><NAME>`, or of `imported[NAME]` (an existing secret the config names). */
  readonly secrets: (prefix: string, imported: Readonly<Record<string, string>>) => SecretReader;
  /** Default: the fingerprint this bundle was built with. */
  readonly expectedSchema?: string;
}): () => Promise<LoadedConfig> {
  let bundled: BundledConfig | undefined;
  let names: string[] = [];
  let reader: SecretReader | undefined;
  let cached: { key: string; loaded: LoadedConfig } | undefined;
  return async () => {
    const env = options.env;
    if (bundled === undefined) {
      const file = env[ENV.configFile] ?? DEFAULT_CONFIG_FILE;
      const path = isAbsolute(file) ? file : join(env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
      bundled = readBundledConfig(await readFile(path, 'utf8'), path, options.expectedSchema ?? BUILT_FOR_SCHEMA);
      const self = readingFunctionOf(env);
      names = Object.entries(bundled.secrets)
        .filter(([, secret]) => self === undefined || readsSecret(secret.readers, self))
        .map(([name]) => name)
        .sort();
    }
    if (names.length > 0 && reader === undefined) {
      const prefix = env[ENV.secretsPrefix];
      if (prefix === undefined) {
        throw new Error(
          `the config references ${names.map((n) => `\${${n}}`).join(', ')} but ${ENV.secretsPrefix} is not set`,
        );
      }
      const imported = Object.entries(bundled.secrets).flatMap(([name, secret]) =>
        secret.importedAs === undefined || !names.includes(name) ? [] : [[name, secret.importedAs] as const],
      );
      reader = options.secrets(prefix, Object.fromEntries(imported));
    }
    const values = reader ? await readSecrets(reader, names) : {};
    const key = JSON.stringify(values);
    if (cached?.key === key) return cached.loaded;
    const config = bundled.resolve(values, names);
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

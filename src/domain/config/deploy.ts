import { parseDocument, YAMLMap } from 'yaml';
import { ConfigError } from '../errors.js';
import { expandEnv } from './env.js';
import type { Env } from './env.js';
import { parseDeploymentConfig } from './load.js';
import type { DeploymentConfig } from './model.js';
import { deploymentConfigSchema } from './schema.js';

/**
 * Reading a site config for `cdk deploy`. There, every `${NAME}` is a Secrets Manager secret whose
 * value nobody has at synth time (and none may reach the template), so the file is validated with
 * its secrets left out: every error `pflow validate` would report, except the checks of a value that
 * is (part of) a secret — those run when a function starts and reads the secret.
 */
export interface CloudDeployment {
  /**
   * The normalised config the stack is built from. Where a `${NAME}` was, it holds a stand-in
   * (`pflow-secret`, `https://secret.invalid/pflow`, …): never bundle, log or print it.
   */
  readonly config: DeploymentConfig;
  /** Every `${NAME}` the file references, sorted: one secret each. */
  readonly secretNames: readonly string[];
  /** The file as JSON, `${NAME}` references kept, with an `aws:` section: what the functions read. */
  readonly bundledConfig: string;
}

const MISSING = /^environment variable ([A-Za-z_][A-Za-z0-9_]*) is not set$/;

/** Tried in turn for a secret whose value must have some form (a URL, an address, host:port). */
const STAND_INS = ['pflow-secret', 'https://secret.invalid/pflow', 'pflow@secret.invalid', 'secret.invalid:443'];

export function parseConfigForDeployment(text: string, source: string): CloudDeployment {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, merge: true });
  // Deployed to AWS whether or not the file says so: the AWS-only checks run on every cloud deployment.
  if (doc.errors.length === 0 && doc.contents instanceof YAMLMap && !doc.has('aws')) {
    doc.set('aws', doc.createNode({}));
  }
  const withAws = doc.errors.length === 0 ? doc.toString() : text;

  let secretNames: string[] = [];
  try {
    const config = parseDeploymentConfig(withAws, source, {});
    return { config, secretNames, bundledConfig: JSON.stringify(doc.toJS({ maxAliasCount: 100 })) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const real = error.issues.filter((issue) => !MISSING.test(issue.message));
    if (real.length > 0) throw new ConfigError(source, real);
    secretNames = [...new Set(error.issues.map((issue) => MISSING.exec(issue.message)![1]!))].sort();
  }

  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  return { config: withStandIns(raw, secretNames, source), secretNames, bundledConfig: JSON.stringify(raw) };
}

/** Every `${NAME}` in a parsed config value (strings anywhere; `$${` is a literal, not a reference). */
export function secretNamesIn(value: unknown): string[] {
  const names = new Set<string>();
  expandEnv(value, recordingEnv(names));
  return [...names].sort();
}

function recordingEnv(names: Set<string>): Env {
  return new Proxy(
    {},
    {
      get: (_target, name) => {
        if (typeof name === 'string') names.add(name);
        return 'x';
      },
    },
  );
}

/**
 * The normalised config with each secret replaced by a stand-in of a form its field accepts. The
 * file already passed every other check, so a few rounds settle each name's form.
 */
function withStandIns(raw: unknown, names: readonly string[], source: string): DeploymentConfig {
  const choice = new Map(names.map((name) => [name, 0]));
  const references = referencesByPath(raw);
  for (let round = 0; round < STAND_INS.length; round++) {
    const env = Object.fromEntries([...choice].map(([name, index]) => [name, STAND_INS[index]]));
    const result = deploymentConfigSchema.safeParse(expandEnv(raw, env).value);
    if (result.success) return result.data;
    const failing = new Set<string>();
    for (const issue of result.error.issues) {
      const path = issue.path.map(String);
      for (const [where, referenced] of references) {
        const overlap =
          where.length <= path.length ? where.every((p, i) => p === path[i]) : path.every((p, i) => p === where[i]);
        if (overlap) for (const name of referenced) failing.add(name);
      }
    }
    for (const name of failing) choice.set(name, Math.min((choice.get(name) ?? 0) + 1, STAND_INS.length - 1));
    if (failing.size === 0) break;
  }
  throw new ConfigError(source, [
    {
      path: '(root)',
      message: 'a field holding a ${NAME} secret needs a form no stand-in has; check it with pflow validate',
    },
  ]);
}

function referencesByPath(raw: unknown): [string[], string[]][] {
  const found: [string[], string[]][] = [];
  const walk = (node: unknown, path: string[]): void => {
    if (typeof node === 'string') {
      if (node.includes('${')) found.push([path, secretNamesIn(node)]);
    } else if (Array.isArray(node)) node.forEach((item, index) => walk(item, [...path, String(index)]));
    else if (typeof node === 'object' && node !== null) {
      for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
    }
  };
  walk(raw, []);
  return found;
}

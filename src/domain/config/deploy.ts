import { parseDocument, YAMLMap } from 'yaml';
import { ConfigError } from '../errors.js';
import {
  BUNDLED_CONFIG_FORMAT,
  REGEXP_KEY,
  SECRET_FORMS,
  type BundledConfigDocument,
  type BundledSecret,
} from './bundled.js';
import { formatPath, validateConfigDocument } from './document.js';
import { expandEnv, referencesByPath, secretNamesIn } from './env.js';
import { parseDeploymentConfig } from './load.js';
import { secretReaders } from './secret-readers.js';
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
  /**
   * What the functions read (PFLOW_CONFIG_FILE): the config validated and normalised here, with an
   * `aws:` section, `${NAME}` references kept, stamped with `schema` (lib/config-fingerprint.ts).
   */
  bundledConfig(schema: string): string;
}

const MISSING = /^environment variable ([A-Za-z_][A-Za-z0-9_]*) is not set$/;

/**
 * Tried in turn for a secret whose value must have some form (a URL, an address, host:port). The
 * text one is long enough for a field that asks for length (acknowledge.link_key: 32 characters).
 */
const STAND_INS = [
  'pflow-secret-stand-in-for-a-value',
  'https://secret.invalid/pflow',
  'pflow@secret.invalid',
  'secret.invalid:443',
];

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
    const raw: unknown = doc.toJS({ maxAliasCount: 100 });
    return { config, secretNames, bundledConfig: (schema) => bundle(raw, config, [], new Map(), source, schema) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const real = error.issues.filter((issue) => !MISSING.test(issue.message));
    if (real.length > 0) throw new ConfigError(source, real);
    secretNames = [...new Set(error.issues.map((issue) => MISSING.exec(issue.message)![1]!))].sort();
  }

  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  refuseSecretsReadOnlyAtSynth(raw, source);
  const { config, forms } = withStandIns(raw, secretNames, source);
  return {
    config,
    secretNames,
    bundledConfig: (schema) => bundle(raw, config, secretNames, forms, source, schema),
  };
}

/**
 * The bundled config (see `CloudDeployment.bundledConfig`) of a config document as it is, without
 * the `aws:` section `parseConfigForDeployment` adds: for the handlers' tests and benchmarks, whose
 * configs need not pass the AWS-only checks. Refuses an invalid document as `pflow validate` would.
 */
export function bundleConfigDocument(raw: unknown, source: string, schema: string): string {
  try {
    const config = validateConfigDocument(raw, source, {}, () => 0);
    return bundle(raw, config, [], new Map(), source, schema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const real = error.issues.filter((issue) => !MISSING.test(issue.message));
    if (real.length > 0) throw new ConfigError(source, real);
  }
  const names = secretNamesIn(raw);
  const { config, forms } = withStandIns(raw, names, source);
  return bundle(raw, config, names, forms, source, schema);
}

/**
 * The normalised config with each secret replaced by a stand-in of a form its field accepts. The
 * file already passed every other check, so a few rounds settle each name's form.
 */
function withStandIns(
  raw: unknown,
  names: readonly string[],
  source: string,
): { config: DeploymentConfig; forms: ReadonlyMap<string, number> } {
  const choice = new Map(names.map((name) => [name, 0]));
  const references = referencesByPath(raw).map(([where, referenced]) => [where.map(String), referenced] as const);
  for (let round = 0; round < STAND_INS.length; round++) {
    const env = Object.fromEntries([...choice].map(([name, index]) => [name, STAND_INS[index]]));
    const expansion = expandEnv(raw, env);
    if (expansion.issues.length > 0) throw new ConfigError(source, expansion.issues.map(toConfigIssue));
    const result = deploymentConfigSchema.safeParse(expansion.value);
    if (result.success) return { config: result.data, forms: choice };
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

/**
 * The `grafana:` section is turned into the workspace's CloudFormation properties at synth, and no
 * function reads it at run time, so a secret there would deploy its stand-in, not its value.
 */
function refuseSecretsReadOnlyAtSynth(raw: unknown, source: string): void {
  const issues = referencesByPath(raw)
    .filter(([where]) => where[0] === 'grafana')
    .map(([where, referenced]) => ({
      path: formatPath(where),
      message: `\${${referenced[0]}}: no secret can be used in the grafana section, which the stack turns into the workspace's settings at deploy time, where no secret is read; write the value itself`,
    }));
  if (issues.length > 0) throw new ConfigError(source, issues);
}

function toConfigIssue(issue: { path: readonly (string | number)[]; message: string }) {
  return { path: formatPath(issue.path), message: issue.message };
}

/**
 * Stand-ins that mark where each secret lands in the normalised config: the form chosen above with
 * a token unique to the name, so the normalised value can be written back with `${NAME}` in it.
 */
const MARKED_STAND_INS: readonly ((mark: string) => string)[] = [
  (mark) => `pflow-secret-stand-in-${mark}`,
  (mark) => `https://secret.invalid/pflow-${mark}`,
  (mark) => `pflow-${mark}@secret.invalid`,
  (mark) => `${mark}.secret.invalid:443`,
];

/**
 * The document the functions read: the config normalised with marked stand-ins, each stand-in
 * written back as its `${NAME}`. Done twice with marks of different lengths: if the two differ,
 * some normalised value was derived from a secret (not merely holds it), which a function could not
 * fill in at run time, so synth stops rather than bundle it.
 */
function bundle(
  raw: unknown,
  normalised: DeploymentConfig,
  names: readonly string[],
  forms: ReadonlyMap<string, number>,
  source: string,
  schema: string,
): string {
  const templated = (['m', 'mark-longer'] as const).map((run) => {
    const standIns = names.map((name, index) => {
      const mark = `pflowsecret${run.replace('-', '')}${index}x`;
      return [name, MARKED_STAND_INS[forms.get(name) ?? 0]!(mark)] as const;
    });
    const config =
      names.length === 0
        ? normalised
        : (() => {
            const result = deploymentConfigSchema.safeParse(expandEnv(raw, Object.fromEntries(standIns)).value);
            if (!result.success) {
              throw new ConfigError(source, [
                {
                  path: '(root)',
                  message: 'a field holding a ${NAME} secret refuses its stand-in; check it with pflow validate',
                },
              ]);
            }
            return result.data;
          })();
    return JSON.stringify(jsonValue(config, '', (text) => withReferences(text, standIns)));
  });
  if (templated[0] !== templated[1]) {
    throw new ConfigError(source, [
      {
        path: '(root)',
        message:
          'a value is computed from a ${NAME} secret, not merely holds it, so the functions could not fill it in from the secret store; keep secrets in fields that take them whole',
      },
    ]);
  }
  const references = referencesByPath(raw);
  const config = JSON.parse(templated[0]!) as unknown;
  const readers = secretReaders(config);
  const secrets: Record<string, BundledSecret> = Object.fromEntries(
    names.map((name) => [
      name,
      {
        form: SECRET_FORMS[forms.get(name) ?? 0]!,
        fields: references.filter(([, referenced]) => referenced.includes(name)).map(([path]) => formatPath(path)),
        ...(normalised.aws?.secrets[name] !== undefined && { importedAs: normalised.aws.secrets[name].name }),
        ...(readers[name] !== undefined && { readers: readers[name] }),
      },
    ]),
  );
  const document: BundledConfigDocument = {
    format: BUNDLED_CONFIG_FORMAT,
    schema,
    secrets,
    config,
  };
  return JSON.stringify(document);
}

/** A literal `${` escaped as `$${`, then each stand-in written back as its reference. */
function withReferences(text: string, standIns: readonly (readonly [string, string])[]): string {
  // Replacer functions: in a replacement string `$$` would mean one `$`.
  let out = text.replaceAll('${', () => '$${');
  for (const [name, standIn] of standIns) out = out.replaceAll(standIn, () => `\${${name}}`);
  return out;
}

/** The normalised config as plain JSON: regexes tagged, strings through `text`; anything else is a bug here. */
function jsonValue(value: unknown, path: string, text: (value: string) => string): unknown {
  if (typeof value === 'string') return text(value);
  if (typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
  } else if (Array.isArray(value)) {
    return value.map((item, index) => jsonValue(item, `${path}[${index}]`, text));
  } else if (value instanceof RegExp) {
    return { [REGEXP_KEY]: [text(value.source), value.flags] };
  } else if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype === Object.prototype || prototype === null) {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([, item]) => item !== undefined)
          .map(([key, item]) => [key, jsonValue(item, `${path}.${key}`, text)]),
      );
    }
  }
  throw new Error(`the normalised config holds a value JSON cannot carry at ${path || '(root)'}`);
}

import { ConfigError, type ConfigIssue } from '../errors.js';
import { expandEnv } from './env.js';
import type { DeploymentConfig } from './model.js';

/*
 * The deployment config as the Lambda functions read it: validated and normalised at synth
 * (src/domain/config/deploy.ts, with the same schema as `pflow validate`), written as JSON with
 * each `${NAME}` secret left as a reference. A function only parses it, fills in the secrets it
 * read and checks their form; it never loads the schema. That is what keeps zod and the schema
 * modules (about 150 KB and tens of milliseconds of every cold start) out of the bundles; the
 * bundle test checks that none of them is reachable from a Lambda entry point.
 *
 * This module is the reader, and must stay free of zod and of the schema: it is in every bundle.
 */

/** The file's format: bumped when the layout of this document (not of the config) changes. */
export const BUNDLED_CONFIG_FORMAT = 'pflow-bundled-config/1';

/**
 * The forms a secret can be asked to have, those of the stand-ins synth validated the config with
 * (deploy.ts): the one a field holding the secret accepted.
 */
export const SECRET_FORMS = ['text', 'url', 'email', 'host-port'] as const;
export type SecretForm = (typeof SECRET_FORMS)[number];

export interface BundledSecret {
  /** The form the fields holding it were validated with at synth. */
  readonly form: SecretForm;
  /** Where the secret is used (`channels[0].slack.url`), for error messages. */
  readonly fields: readonly string[];
  /** The existing secret it is read from, when the config imports one (`aws.secrets.<NAME>.name`). */
  readonly importedAs?: string;
  /**
   * The functions that read it (secret-readers.ts): the stack grants it to these alone, and only
   * these fill it in. Absent: every function that loads the config (and a document written before
   * the field existed).
   */
  readonly readers?: readonly string[];
}

/** The document synth writes (PFLOW_CONFIG_FILE). */
export interface BundledConfigDocument {
  readonly format: typeof BUNDLED_CONFIG_FORMAT;
  /**
   * A fingerprint of the schema that validated and normalised the config (lib/config-fingerprint.ts).
   * A bundle carries the fingerprint it was built with and refuses a config stamped with another:
   * a config produced by a different version of the schema would otherwise be read silently wrong.
   */
  readonly schema: string;
  /** Every `${NAME}` the config references. */
  readonly secrets: Readonly<Record<string, BundledSecret>>;
  /**
   * The normalised DeploymentConfig, `${NAME}` where a secret goes (a literal `${` written `$${`),
   * a compiled regex as `{ "$regexp": [source, flags] }`.
   */
  readonly config: unknown;
}

/** How a RegExp (a compiled label matcher) is written in the document. */
export const REGEXP_KEY = '$regexp';

export interface BundledConfig {
  readonly secrets: Readonly<Record<string, BundledSecret>>;
  /**
   * The config with these secret values filled in and checked: one per name of `only` (default:
   * every name of `secrets`). A secret not in `only` stays a `${NAME}` reference, in fields the
   * function asking never reads (its readers say so).
   */
  resolve(values: Readonly<Record<string, string>>, only?: readonly string[]): DeploymentConfig;
}

/**
 * Reads the document. `expectedSchema` is the fingerprint the bundle was built with (undefined when
 * running unbundled, from the source tree the config was written from: tests and tsx).
 */
export function readBundledConfig(text: string, source: string, expectedSchema: string | undefined): BundledConfig {
  let document: Partial<BundledConfigDocument>;
  try {
    document = JSON.parse(text) as Partial<BundledConfigDocument>;
  } catch {
    // The parser's message quotes the text around the fault; keep it out of logs.
    throw new ConfigError(source, [{ path: ROOT, message: 'not valid JSON' }]);
  }
  if (typeof document !== 'object' || document === null || document.format !== BUNDLED_CONFIG_FORMAT) {
    throw new ConfigError(source, [
      {
        path: 'format',
        message: `not a config written by cdk synth (expected format ${JSON.stringify(BUNDLED_CONFIG_FORMAT)}): the functions read the config synth validated, never the YAML or its raw JSON`,
      },
    ]);
  }
  if (expectedSchema !== undefined && document.schema !== expectedSchema) {
    throw new ConfigError(source, [
      {
        path: 'schema',
        message: `written by another version of the config schema (${String(document.schema)}, this function was built with ${expectedSchema}): synthesize and deploy again`,
      },
    ]);
  }
  const secrets = document.secrets ?? {};
  const template = document.config;
  return {
    secrets,
    resolve(values, only) {
      const filled = new Set(only ?? Object.keys(secrets));
      const issues: ConfigIssue[] = Object.entries(secrets).flatMap(([name, secret]) => {
        if (!filled.has(name)) return [];
        const value = values[name];
        const problem = value === undefined ? 'has no value' : secretFormProblem(secret.form, value);
        return problem === undefined
          ? []
          : [{ path: secret.fields.join(', ') || ROOT, message: `secret ${name} ${problem}` }];
      });
      if (issues.length > 0) throw new ConfigError(source, issues);
      // An unread secret is written back as its own reference: expandEnv does not expand a replacement.
      const env = Object.fromEntries(
        Object.keys(secrets).map((name) => [name, filled.has(name) ? values[name] : `\${${name}}`]),
      );
      const expansion = expandEnv(template, env);
      if (expansion.issues.length > 0) {
        throw new ConfigError(
          source,
          expansion.issues.map((issue) => ({ path: issue.path.join('.') || ROOT, message: issue.message })),
        );
      }
      return reviveRegExps(expansion.value, source) as DeploymentConfig;
    },
  };
}

const ROOT = '(root)';

/** Each secret's readers as a bundled config document records them (for the stack's grants). */
export function secretReadersOf(text: string, source: string): Record<string, readonly string[] | undefined> {
  return Object.fromEntries(
    Object.entries(readBundledConfig(text, source, undefined).secrets).map(([name, secret]) => [name, secret.readers]),
  );
}

/**
 * The one check a secret's value still needs at run time: synth validated every field with a
 * stand-in of this form in the secret's place, so the config is known good except for what the
 * real value looks like. A small hand check rather than the field's own schema, which would bring
 * zod and the whole schema back into every bundle. What the form does not cover (a Teams URL of a
 * retired connector, say) shows up as that channel's delivery failure. Never shows the value.
 */
export function secretFormProblem(form: SecretForm, value: string): string | undefined {
  if (value === '') return 'is empty';
  switch (form) {
    case 'text':
      return undefined;
    case 'url':
      return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)
        ? undefined
        : 'must be an absolute http(s) URL';
    case 'email':
      return /^[^\s@<>]+@[^\s@<>]+$/.test(value) ? undefined : 'must be an email address';
    case 'host-port': {
      const match = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]/]+):([0-9]{1,5})$/.exec(value);
      return match !== null && Number(match[2]) <= 65_535 ? undefined : 'must be host:port';
    }
    default:
      return `has an unknown form ${JSON.stringify(form as string)}`;
  }
}

function reviveRegExps(value: unknown, source: string): unknown {
  if (Array.isArray(value)) return value.map((item) => reviveRegExps(item, source));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const regexp = record[REGEXP_KEY];
  if (Array.isArray(regexp) && Object.keys(record).length === 1) {
    try {
      return new RegExp(String(regexp[0]), String(regexp[1]));
    } catch {
      // Synth compiled it, so a secret inside made it fail; the engine's message would quote it.
      throw new ConfigError(source, [
        { path: ROOT, message: 'a label matcher holding a ${NAME} secret is not a valid regex with its value' },
      ]);
    }
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, reviveRegExps(item, source)]));
}

import type * as z from 'zod';
import { secretValues } from '../../channels/common/secrets.js';
import { channelKindSettings } from '../../channels/settings.js';
import { probeKindSettings } from '../../probes/settings.js';
import { ConfigError } from '../errors.js';
import type { ConfigIssue } from '../errors.js';
import { redactorFor } from '../redact.js';
import { expandEnv } from './env.js';
import type { Env, ValuePath } from './env.js';
import { describeType } from './fields.js';
import type { DeploymentConfig } from './model.js';
import { deploymentConfigSchema } from './schema.js';

/*
 * The config document once it is a plain value, whatever text it came from: `${NAME}` expansion,
 * the schema, and the error list. Kept apart from the YAML reader (load.ts): synth validates the
 * document value it bundles for the functions (deploy.ts), which read it with no schema at all
 * (bundled.ts).
 */

/**
 * Validates a parsed config document. `offsetOf` places a value's path in the source text so that
 * errors come out in file order; ties keep the schema's order.
 */
export function validateConfigDocument(
  raw: unknown,
  source: string,
  env: Env,
  offsetOf: (path: readonly (string | number)[]) => number,
): DeploymentConfig {
  const expansion = expandEnv(raw, env);
  const result = deploymentConfigSchema.safeParse(expansion.value, { error: messageFor });
  if (result.success && expansion.issues.length === 0) return result.data;

  const envPaths = new Set(expansion.issues.map((issue) => formatPath(issue.path)));
  // A value with a missing variable was not really checked: its own errors would only confuse.
  const schemaIssues = (result.success ? [] : result.error.issues)
    .flatMap((issue) => toIssues(issue, expansion.value))
    .filter(
      (issue) =>
        envPaths.size === 0 || !issue.path.some((_, i) => envPaths.has(formatPath(issue.path.slice(0, i + 1)))),
    );
  const all = [...expansion.issues.map((issue) => ({ ...issue, path: [...issue.path] })), ...schemaIssues];

  const redact = redactorFor(
    [...expansion.substituted, ...secretsIn(expansion.value)].flatMap((secret) => secretForms(secret)),
  );
  const seen = new Set<string>();
  const issues: ConfigIssue[] = all
    .map((issue, order) => ({ issue, order, offset: offsetOf(issue.path) }))
    .sort((a, b) => a.offset - b.offset || a.order - b.order)
    .map(({ issue }) => ({ path: formatPath(issue.path), message: redact(issue.message) }))
    .filter((issue) => {
      const key = `${issue.path}\u0000${issue.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  throw new ConfigError(source, issues);
}

const ROOT = '(root)';
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A top-level key such as `x-base` reads fine bare; inside a path it is quoted to stay unambiguous. */
const TOP_LEVEL_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['rule_groups', 0, 'rules', 3, 'for']` → `rule_groups[0].rules[3].for`; odd keys are quoted. */
export function formatPath(path: ValuePath): string {
  if (path.length === 0) return ROOT;
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else if (out === '' && TOP_LEVEL_KEY.test(segment)) out += segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

interface PathIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

function toPath(path: readonly PropertyKey[]): (string | number)[] {
  return path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
}

function toIssues(issue: z.core.$ZodIssue, value: unknown): PathIssue[] {
  const path = toPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(path, key, value) }));
    case 'invalid_key':
      // The key is already the last path segment; say what is wrong with it.
      return [{ path, message: issue.issues[0]?.message ?? issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}

const kindMaps: Readonly<Record<string, { what: string; kinds: Readonly<Record<string, unknown>> }>> = {
  probes: { what: 'probe', kinds: probeKindSettings },
  channels: { what: 'channel', kinds: channelKindSettings },
};

function unknownKeyMessage(parentPath: (string | number)[], key: string, value: unknown): string {
  const [collection, index] = parentPath;
  const kindMap = parentPath.length === 2 && typeof collection === 'string' ? kindMaps[collection] : undefined;
  if (kindMap && Object.hasOwn(kindMap.kinds, key)) {
    const item = valueAt(value, parentPath);
    const kind = isRecord(item) && typeof item.kind === 'string' ? item.kind : '?';
    return `a ${key} block belongs to a ${kindMap.what} of kind ${key}, but ${collection}[${String(index)}] is kind ${kind}`;
  }
  return 'unknown key';
}

/** Zod's messages, reworded for people editing YAML; none of them shows the offending value. */
export function messageFor(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${expectedType(issue.expected)}, got ${describeType(issue.input)}`;
    case 'invalid_value':
      if (issue.input === undefined) return 'required';
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      return sizeMessage(issue.origin, 'at least', issue.minimum, issue.inclusive);
    case 'too_big':
      return sizeMessage(issue.origin, 'at most', issue.maximum, issue.inclusive);
    case 'invalid_union': {
      const discriminator = (issue as { discriminator?: string }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (discriminator === undefined || options === undefined) return undefined;
      const given = isRecord(issue.input) ? issue.input[discriminator] : undefined;
      const allowed = options.map((option) => String(option)).join(', ');
      return given === undefined ? `required: one of ${allowed}` : `must be one of: ${allowed}`;
    }
    default:
      return undefined;
  }
}

function expectedType(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'int':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${expected}`;
  }
}

function sizeMessage(origin: string, bound: 'at least' | 'at most', limit: unknown, inclusive?: boolean): string {
  const n = Number(limit);
  if (origin === 'array' || origin === 'set') {
    if (bound === 'at least' && n === 1) return 'must not be empty';
    return `must have ${bound} ${n} item${n === 1 ? '' : 's'}`;
  }
  if (origin === 'string') {
    if (bound === 'at least' && n === 1) return 'must not be empty';
    return `must be ${bound} ${n} character${n === 1 ? '' : 's'} long`;
  }
  if (inclusive === false) return `must be ${bound === 'at least' ? 'greater' : 'less'} than ${n}`;
  return `must be ${bound} ${n}`;
}

/**
 * A message may quote a value escaped (`\"`) or only in part (a matcher's regex, a URL's token),
 * so each secret is also hidden as its JSON-escaped form and as each of its longer words.
 */
function secretForms(secret: string): string[] {
  const words = secret.split(/[^A-Za-z0-9_-]+/).filter((word) => word.length >= MIN_SECRET_WORD);
  return [secret, JSON.stringify(secret).slice(1, -1), ...words];
}

/** Shorter words are too likely to be ordinary ones (`https`, `probe`) to hide everywhere. */
const MIN_SECRET_WORD = 8;

/** Values that must never appear in a message: channels' secret fields and URL passwords in targets. */
function secretsIn(value: unknown): string[] {
  if (!isRecord(value)) return [];
  const secrets: string[] = [];
  const channelKinds: Readonly<Record<string, { secretFields: readonly string[] }>> = channelKindSettings;
  for (const channel of Array.isArray(value.channels) ? value.channels : []) {
    if (!isRecord(channel) || typeof channel.kind !== 'string') continue;
    const kind = Object.hasOwn(channelKinds, channel.kind) ? channelKinds[channel.kind] : undefined;
    if (kind) secrets.push(...secretValues(channel[channel.kind], kind.secretFields));
  }
  for (const probe of Array.isArray(value.probes) ? value.probes : []) {
    if (!isRecord(probe) || typeof probe.target !== 'string') continue;
    try {
      const password = new URL(probe.target).password;
      if (password) secrets.push(password, decodeURIComponent(password));
    } catch {
      // not a URL: nothing to hide
    }
  }
  return secrets;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let node = value;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isRecord(node) && typeof segment === 'string') node = node[segment];
    else return undefined;
  }
  return node;
}

/**
 * `${NAME}` in any string value of the config is replaced by the environment variable NAME before
 * validation, so secrets (webhook URLs, passwords) stay out of the file. `$${` writes a literal `${`.
 * Hand-written rather than a template library because it must report each problem with its path
 * and remember every substituted value, so errors can be redacted.
 */

export type Env = Readonly<Record<string, string | undefined>>;
export type ValuePath = readonly (string | number)[];

export interface EnvIssue {
  readonly path: ValuePath;
  readonly message: string;
}

export interface Expansion {
  readonly value: unknown;
  readonly issues: readonly EnvIssue[];
  /** Every substituted value: they may be secrets, so no error message may show them. */
  readonly substituted: readonly string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function expandEnv(value: unknown, env: Env): Expansion {
  const issues: EnvIssue[] = [];
  const substituted: string[] = [];

  const expandString = (input: string, path: ValuePath): string => {
    let out = '';
    let i = 0;
    while (i < input.length) {
      const dollar = input.indexOf('$', i);
      if (dollar < 0) {
        out += input.slice(i);
        break;
      }
      out += input.slice(i, dollar);
      if (input.startsWith('$${', dollar)) {
        out += '${';
        i = dollar + 3;
      } else if (input.startsWith('${', dollar)) {
        const close = input.indexOf('}', dollar + 2);
        if (close < 0) {
          issues.push({ path, message: 'unterminated ${ (write $${ for a literal ${)' });
          return input;
        }
        const name = input.slice(dollar + 2, close);
        const replacement = NAME.test(name) ? env[name] : undefined;
        if (!NAME.test(name)) {
          issues.push({ path, message: 'invalid environment variable name in ${…} (use letters, digits and _)' });
        } else if (replacement === undefined) {
          issues.push({ path, message: `environment variable ${name} is not set` });
        } else {
          out += replacement;
          substituted.push(replacement);
        }
        i = close + 1;
      } else {
        out += '$';
        i = dollar + 1;
      }
    }
    return out;
  };

  const walk = (node: unknown, path: ValuePath): unknown => {
    if (typeof node === 'string') return node.includes('$') ? expandString(node, path) : node;
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return node;
  };

  return { value: walk(value, []), issues, substituted };
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

/** Each string of a parsed config value that holds a `${NAME}`: its path and the names it references. */
export function referencesByPath(value: unknown): [(string | number)[], string[]][] {
  const found: [(string | number)[], string[]][] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (typeof node === 'string') {
      if (node.includes('${')) found.push([path, secretNamesIn(node)]);
    } else if (Array.isArray(node)) node.forEach((item, index) => walk(item, [...path, index]));
    else if (typeof node === 'object' && node !== null) {
      for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
    }
  };
  walk(value, []);
  return found;
}

import { PflowError } from '../../src/domain/errors.js';

/**
 * Checks the small JSON inputs the stack's schedules send (`{site, probeIds}`, `{site, group}`, …).
 * By hand rather than with zod: a schema library for four fields would be most of what keeps a
 * function's bundle and cold start large (the config is validated at synth for the same reason).
 */

export interface InputField {
  /** `text`: a non-empty string; `texts`: a non-empty list of them. */
  readonly type: 'text' | 'texts';
  readonly optional?: boolean;
  /** A text must match; the message says what it must be. */
  readonly pattern?: readonly [RegExp, string];
  /** A text must be one of these. */
  readonly oneOf?: readonly string[];
}

/**
 * The event, typed, or a PflowError `invalid_event` that starts with `what` and lists each
 * problem by field. `strict`: a key not listed is a problem too.
 */
export function checkInput<T>(
  event: unknown,
  fields: Readonly<Record<string, InputField>>,
  what: string,
  strict: boolean,
): T {
  const problems: string[] = [];
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    problems.push('(root) expected an object');
  } else {
    const record = event as Readonly<Record<string, unknown>>;
    for (const [name, field] of Object.entries(fields)) {
      const problem = fieldProblem(record[name], field);
      if (problem !== undefined) problems.push(`${name} ${problem}`);
    }
    if (strict) {
      for (const key of Object.keys(record)) if (!Object.hasOwn(fields, key)) problems.push(`${key} unknown key`);
    }
  }
  if (problems.length > 0) throw new PflowError('invalid_event', `${what}: ${problems.join('; ')}`);
  return event as T;
}

function fieldProblem(value: unknown, field: InputField): string | undefined {
  if (value === undefined) return field.optional ? undefined : 'required';
  if (field.type === 'texts') {
    if (!Array.isArray(value) || value.length === 0) return 'expected a non-empty list of ids';
    const bad = value.findIndex((item) => typeof item !== 'string' || item === '');
    return bad < 0 ? undefined : `[${bad}] expected a non-empty string`;
  }
  if (typeof value !== 'string' || value === '') return 'expected a non-empty string';
  if (field.pattern && !field.pattern[0].test(value)) return field.pattern[1];
  if (field.oneOf && !field.oneOf.includes(value)) return `must be one of: ${field.oneOf.join(', ')}`;
  return undefined;
}

import { createHash } from 'node:crypto';
import * as z from 'zod';
import { compileAnchored } from '../labels.js';

/**
 * Prometheus's `relabel_configs` / `metric_relabel_configs`, with its semantics: the values of
 * `source_labels` joined by `separator` are matched against `regex`, anchored at both ends; a
 * missing label reads as the empty string; setting a label to the empty string removes it;
 * `replacement` is expanded as Go's Regexp.Expand does (`$1`, `${1}`, `$name`, `${name}`, `$$`; an
 * unknown or unmatched group is empty, so `$1x` is the group named `1x`: write `${1}x`).
 *
 * Regexes are JavaScript's, read the way Prometheus's Go (RE2) regexes are usually written: leading
 * flags such as `(?i)` become flags and `(?P<name>…)` is a named group. `.` matches a newline too,
 * as in Prometheus 3.
 */

export const RELABEL_ACTIONS = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
] as const;
export type RelabelAction = (typeof RELABEL_ACTIONS)[number];

/** One compiled rule, as `relabel()` applies it. */
export interface RelabelRule {
  readonly action: RelabelAction;
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  readonly targetLabel: string | undefined;
  /** Anchored. */
  readonly regex: RegExp;
  /** The regex as written, for reports. */
  readonly regexSource: string;
  readonly modulus: number | undefined;
  readonly replacement: string;
}

const DEFAULTS = { separator: ';', regex: '(.*)', replacement: '$1' } as const;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A label name that may hold `$1` / `${name}` references (Prometheus's own check for replace targets). */
const LABEL_TEMPLATE = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

/** Compiles a relabel regex: anchored, Go's leading flags and `(?P<name>` accepted. */
export function compileRelabelRegex(source: string): RegExp {
  const body = source.replaceAll('(?P<', '(?<');
  const compiled = compileAnchored(body, source);
  // Prometheus 3 lets `.` match a newline; a label value rarely holds one, but a regex must not
  // silently fail on the one that does.
  return compiled.flags.includes('s') ? compiled : new RegExp(compiled.source, compiled.flags + 's');
}

const labelName = z
  .string()
  .regex(LABEL_NAME, 'is not a valid label name (letters, digits and _, not starting with a digit)');

export const relabelConfigSchema = z
  .strictObject({
    source_labels: z.array(labelName).optional().describe('Labels whose values are joined by separator and matched'),
    separator: z.string().optional().describe('Between the source label values; default ";"'),
    target_label: z
      .string()
      .optional()
      .describe('The label written by replace, hashmod, lowercase, uppercase; compared by keepequal, dropequal'),
    regex: z.string().optional().describe('Anchored at both ends; default "(.*)"'),
    modulus: z.number().int().positive().optional().describe('hashmod: the hash of the joined values modulo this'),
    replacement: z
      .string()
      .optional()
      .describe('replace and labelmap: the value (or name) written, with $1, ${1}, ${name}; default "$1"'),
    action: z
      .string()
      .default('replace')
      .transform((action) => action.toLowerCase())
      .pipe(z.enum(RELABEL_ACTIONS))
      .describe(
        'replace (default), keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase',
      ),
  })
  .transform((config, ctx): RelabelRule => {
    const { action } = config;
    const problem = (message: string, path: string): void => {
      ctx.issues.push({ code: 'custom', message, path: [path], input: config });
    };
    const differs = (key: 'separator' | 'regex' | 'replacement'): boolean =>
      config[key] !== undefined && config[key] !== DEFAULTS[key];

    const needsTarget = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action);
    const target = config.target_label;
    if (needsTarget && (target === undefined || target === '')) {
      problem(`the ${action} action needs target_label`, 'target_label');
    } else if (target !== undefined && action === 'replace' && !LABEL_TEMPLATE.test(target)) {
      problem(`${JSON.stringify(target)} is not a valid label name (nor one built from $1 / \${name})`, 'target_label');
    } else if (target !== undefined && needsTarget && action !== 'replace' && !LABEL_NAME.test(target)) {
      problem(`${JSON.stringify(target)} is not a valid label name`, 'target_label');
    }
    if (action === 'hashmod' && config.modulus === undefined)
      problem('the hashmod action needs a modulus above 0', 'modulus');
    if (action === 'labelmap' && config.replacement !== undefined && !LABEL_TEMPLATE.test(config.replacement)) {
      problem(
        `${JSON.stringify(config.replacement)} is not a valid label name (nor one built from $1 / \${name})`,
        'replacement',
      );
    }
    if (action === 'keepequal' || action === 'dropequal') {
      if (differs('regex') || differs('separator') || differs('replacement') || config.modulus !== undefined) {
        problem(`the ${action} action takes only source_labels and target_label`, 'action');
      }
    }
    if (action === 'labeldrop' || action === 'labelkeep') {
      if (
        config.source_labels !== undefined ||
        target !== undefined ||
        config.modulus !== undefined ||
        differs('separator') ||
        differs('replacement')
      ) {
        problem(`the ${action} action takes only regex`, 'action');
      }
    }
    if (
      ['keep', 'drop', 'keepequal', 'dropequal', 'hashmod', 'lowercase', 'uppercase'].includes(action) &&
      config.source_labels === undefined
    ) {
      problem(`the ${action} action needs source_labels`, 'source_labels');
    }

    const regexSource = config.regex ?? DEFAULTS.regex;
    let regex: RegExp;
    try {
      regex = compileRelabelRegex(regexSource);
    } catch (error) {
      problem((error as Error).message, 'regex');
      return z.NEVER;
    }
    return {
      action,
      sourceLabels: config.source_labels ?? [],
      separator: config.separator ?? DEFAULTS.separator,
      targetLabel: target,
      regex,
      regexSource,
      modulus: config.modulus,
      replacement: config.replacement ?? DEFAULTS.replacement,
    };
  });

export type RelabelConfigInput = z.input<typeof relabelConfigSchema>;

/** Labels being relabelled: name → value. A label set to '' is removed, as in Prometheus. */
export type LabelBuilder = Map<string, string>;

function setLabel(labels: LabelBuilder, name: string, value: string): void {
  if (value === '') labels.delete(name);
  else labels.set(name, value);
}

/**
 * Applies the rules in order to `labels` (changed in place). Returns false when a rule drops the
 * whole set (keep, drop, keepequal, dropequal): the target or sample is then discarded.
 */
export function relabel(labels: LabelBuilder, rules: readonly RelabelRule[]): boolean {
  for (const rule of rules) {
    if (!applyRule(labels, rule)) return false;
  }
  return true;
}

function joinedSources(labels: LabelBuilder, rule: RelabelRule): string {
  if (rule.sourceLabels.length === 1) return labels.get(rule.sourceLabels[0]!) ?? '';
  return rule.sourceLabels.map((name) => labels.get(name) ?? '').join(rule.separator);
}

function applyRule(labels: LabelBuilder, rule: RelabelRule): boolean {
  switch (rule.action) {
    case 'keep':
      return rule.regex.test(joinedSources(labels, rule));
    case 'drop':
      return !rule.regex.test(joinedSources(labels, rule));
    case 'keepequal':
      return (labels.get(rule.targetLabel!) ?? '') === joinedSources(labels, rule);
    case 'dropequal':
      return (labels.get(rule.targetLabel!) ?? '') !== joinedSources(labels, rule);
    case 'replace': {
      const match = rule.regex.exec(joinedSources(labels, rule));
      if (match === null) return true;
      const target = expandTemplate(rule.targetLabel!, match);
      // A target that expands to an invalid name is skipped, as Prometheus skips it.
      if (!LABEL_NAME.test(target)) return true;
      setLabel(labels, target, expandTemplate(rule.replacement, match));
      return true;
    }
    case 'hashmod': {
      // Prometheus: the last 8 bytes of the MD5 of the joined values, big-endian, modulo `modulus`.
      const digest = createHash('md5').update(joinedSources(labels, rule), 'utf8').digest();
      const mod = digest.readBigUInt64BE(8) % BigInt(rule.modulus!);
      setLabel(labels, rule.targetLabel!, mod.toString());
      return true;
    }
    case 'lowercase':
      setLabel(labels, rule.targetLabel!, joinedSources(labels, rule).toLowerCase());
      return true;
    case 'uppercase':
      setLabel(labels, rule.targetLabel!, joinedSources(labels, rule).toUpperCase());
      return true;
    case 'labelmap':
      for (const [name, value] of [...labels]) {
        const match = rule.regex.exec(name);
        if (match !== null) setLabel(labels, expandTemplate(rule.replacement, match), value);
      }
      return true;
    case 'labeldrop':
      for (const name of [...labels.keys()]) if (rule.regex.test(name)) labels.delete(name);
      return true;
    case 'labelkeep':
      for (const name of [...labels.keys()]) if (!rule.regex.test(name)) labels.delete(name);
      return true;
  }
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/**
 * Go's Regexp.Expand: `$name` takes the longest run of letters, digits and `_` (so `$1x` names
 * group `1x`), `${name}` is braced, a name of digits only (no leading zero) is a group number, an
 * unknown or unmatched group is empty, `$$` is `$`, and a `$` not followed by a name stays as is.
 */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar === -1) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i += 1;
      continue;
    }
    const braced = template[i] === '{';
    let end = braced ? i + 1 : i;
    while (end < template.length && NAME_CHAR.test(template[end]!)) end += 1;
    const name = template.slice(braced ? i + 1 : i, end);
    if (name === '' || (braced && template[end] !== '}')) {
      out += '$';
      continue;
    }
    i = braced ? end + 1 : end;
    out += groupValue(name, match);
  }
  return out;
}

function groupValue(name: string, match: RegExpExecArray): string {
  if (/^(0|[1-9][0-9]{0,7})$/.test(name)) return match[Number(name)] ?? '';
  return match.groups?.[name] ?? '';
}

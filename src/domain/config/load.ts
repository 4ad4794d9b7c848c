import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { validateConfigDocument } from './document.js';
import type { Env } from './env.js';
import type { DeploymentConfig } from './model.js';
import { controlCharacterIssue, duplicateKeyOffsets, OffsetIndex } from './yaml-text.js';

/**
 * Reads a site config: YAML text → `${NAME}` expansion → one schema → DeploymentConfig (the last
 * two in document.ts).
 * Either the whole file is valid, or a ConfigError lists every problem with its path
 * (`rule_groups[0].rules[3].for`), in the order they appear in the file. No message shows a
 * value taken from the environment or held in a channel's secret field.
 */
export function parseDeploymentConfig(text: string, source: string, env: Env): DeploymentConfig {
  const binary = controlCharacterIssue(text);
  if (binary) throw new ConfigError(source, [binary]);
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes source lines, which may hold secrets. uniqueKeys off:
  // duplicateKeyOffsets does that check in linear time.
  const doc = parseDocument(text, { prettyErrors: false, lineCounter, uniqueKeys: false, merge: true });
  const yamlProblems = [
    ...[...doc.errors, ...doc.warnings].map((problem) => ({
      offset: problem.pos[0],
      message: yamlMessage(problem.code, problem.message, text, problem.pos),
    })),
    ...duplicateKeyOffsets(doc).map((offset) => ({
      offset,
      message: yamlMessage('DUPLICATE_KEY', '', text, [offset, offset]),
    })),
  ];
  if (yamlProblems.length > 0) {
    throw new ConfigError(
      source,
      // In file order, like every other list of errors (the parser reports some out of order).
      yamlProblems
        .map((problem, order) => ({ ...problem, order }))
        .sort((a, b) => a.offset - b.offset || a.order - b.order)
        .map((problem) => {
          const { line, col } = lineCounter.linePos(problem.offset);
          return { path: `line ${line}:${col}`, message: problem.message };
        }),
    );
  }

  if (doc.contents === null) {
    throw new ConfigError(source, [{ path: ROOT, message: 'the file is empty: it needs at least version and sites' }]);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(source, [{ path: ROOT, message: (error as Error).message }]);
  }

  const index = new OffsetIndex(doc);
  return validateConfigDocument(raw, source, env, (path) => index.offsetOf(path));
}

const ROOT = '(root)';

function yamlMessage(code: string, message: string, text: string, pos: [number, number]): string {
  if (code === 'DUPLICATE_KEY') {
    // The error points at the key's first character; a plain or quoted key ends before its colon.
    const key = /^("[^"\n]*"|'[^'\n]*'|[^\s:,{}[\]]+)/.exec(text.slice(pos[0]))?.[0] ?? '';
    // A key is a name, never a secret; show it unless it is long or odd.
    return key.length > 0 && key.length <= 64 && !/\s/.test(key) ? `duplicate key ${key}` : 'duplicate key';
  }
  return message;
}

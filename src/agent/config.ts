import { LineCounter, parseDocument } from 'yaml';
import { readConfigText } from '../adapters/local/config-file.js';
import { agentConfigSchema, agentSecrets, toAgentConfig, type AgentConfig } from '../domain/agent/agent-config.js';
import { formatPath, messageFor } from '../domain/config/document.js';
import { expandEnv, type Env } from '../domain/config/env.js';
import { controlCharacterIssue, duplicateKeyOffsets, OffsetIndex } from '../domain/config/yaml-text.js';
import { ConfigError, type ConfigIssue } from '../domain/errors.js';
import { redactorFor } from '../domain/redact.js';

/**
 * Reads agent.yaml: YAML → `${NAME}` expansion → schema, the same steps and wording as the site
 * config. Every problem is listed, in file order, as `line N: path: message`; no message shows a
 * token or any value taken from the environment.
 */
export async function loadAgentConfig(file: string, env: Env = process.env): Promise<AgentConfig> {
  return parseAgentConfig(await readConfigText(file), file, env);
}

export function parseAgentConfig(text: string, source: string, env: Env): AgentConfig {
  const binary = controlCharacterIssue(text);
  if (binary) throw new ConfigError(source, [binary]);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter, uniqueKeys: false });
  const yamlProblems = [
    ...[...doc.errors, ...doc.warnings].map((problem) => ({ offset: problem.pos[0], message: problem.message })),
    ...duplicateKeyOffsets(doc).map((offset) => ({ offset, message: 'duplicate key' })),
  ].sort((a, b) => a.offset - b.offset);
  if (yamlProblems.length > 0) {
    throw new ConfigError(
      source,
      yamlProblems.map((problem) => {
        const { line, col } = lineCounter.linePos(problem.offset);
        return { path: `line ${String(line)}:${String(col)}`, message: problem.message };
      }),
    );
  }
  if (doc.contents === null) {
    throw new ConfigError(source, [
      { path: '(root)', message: 'the file is empty: it needs agent, ingest and buffer' },
    ]);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(source, [{ path: '(root)', message: (error as Error).message }]);
  }

  const expansion = expandEnv(raw, env);
  const result = agentConfigSchema.safeParse(expansion.value, { error: messageFor, reportInput: false });
  if (result.success && expansion.issues.length === 0) return toAgentConfig(result.data);

  const index = new OffsetIndex(doc);
  const envPaths = new Set(expansion.issues.map((issue) => formatPath(issue.path)));
  const schemaIssues = (result.success ? [] : result.error.issues).flatMap((issue) => {
    const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown key' }));
    return [
      { path, message: issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message },
    ];
  });
  // A value whose variable is missing was not really checked: its own errors would only confuse.
  const kept = schemaIssues.filter(
    (issue) => !issue.path.some((_, i) => envPaths.has(formatPath(issue.path.slice(0, i + 1)))),
  );
  const redact = redactorFor([...expansion.substituted, ...agentSecrets(expansion.value)]);
  const issues: ConfigIssue[] = [...expansion.issues.map((issue) => ({ ...issue, path: [...issue.path] })), ...kept]
    .map((issue, order) => ({ issue, order, offset: index.offsetOf(issue.path) }))
    .sort((a, b) => a.offset - b.offset || a.order - b.order)
    .map(({ issue, offset }) => ({
      path: `line ${String(lineCounter.linePos(offset).line)}: ${formatPath(issue.path)}`,
      message: redact(issue.message),
    }));
  throw new ConfigError(source, issues);
}

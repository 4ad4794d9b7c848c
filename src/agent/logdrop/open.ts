import { join } from 'node:path';
import type { AgentConfig } from '../../domain/agent/agent-config.js';
import { HttpEventsClient } from './events-client.js';
import { LogDropWriter, type LogDropWriterDeps } from './log-drop-writer.js';

/** The state file, next to the disk buffer's (the agent's state directory). */
export function logDropStateFile(config: AgentConfig): string {
  return join(config.buffer.dir, 'logdrop-state.json');
}

/**
 * The agent's log drop writer for agent.yaml's `log_drop:`, reading `GET /v1/events` next to
 * ingest.url with the agent's token, proxy and CA; undefined without a `log_drop:` section.
 */
export function openLogDrop(
  config: AgentConfig,
  deps: Omit<LogDropWriterDeps, 'source'> & {
    readonly source?: LogDropWriterDeps['source'];
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly userAgent: string;
  },
): LogDropWriter | undefined {
  const logDrop = config.logDrop;
  if (logDrop === undefined) return undefined;
  const { url, token, caFile, timeoutMs } = config.ingest;
  if (url === undefined || token === undefined) throw new Error('agent: log_drop needs ingest.url and token');
  const source =
    deps.source ??
    new HttpEventsClient({
      ingestUrl: url,
      token,
      timeoutMs,
      ...(caFile !== undefined ? { caFile } : {}),
      env: deps.env,
      userAgent: deps.userAgent,
    });
  return LogDropWriter.open({ ...logDrop, stateFile: logDropStateFile(config) }, { ...deps, source });
}

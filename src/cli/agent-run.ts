import { consoleLogger } from '../adapters/local/console-logger.js';
import { Agent, AGENT_VERSION } from '../agent/agent.js';
import { loadAgentConfig } from '../agent/config.js';
import { LogDropPathError } from '../agent/logdrop/log-drop-writer.js';
import { ConfigError } from '../domain/errors.js';
import { systemClock, systemTimers } from '../domain/ports.js';
import { ListenError } from '../runtime/listen.js';
import { reportRefusal, type CliOutput } from './config.js';

export interface AgentRunOptions {
  readonly config: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly logJson: boolean;
}

/**
 * `pflow agent run --config agent.yaml`: runs the agent until SIGTERM/SIGINT, then stops cleanly
 * (scrapes stopped, open batch sealed, the send in flight answered, buffer fsynced). Returns the
 * exit code; a kill -9 instead loses nothing either, the buffer replays at the next start.
 */
export async function runAgent(options: AgentRunOptions, out: CliOutput): Promise<number> {
  let config;
  try {
    config = await loadAgentConfig(options.config, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportRefusal(options.config, error, out);
    return 1;
  }
  const logger = consoleLogger({ level: options.logLevel, json: options.logJson });
  let agent: Agent;
  try {
    agent = new Agent(config, { clock: systemClock, timers: systemTimers, logger, env: process.env });
  } catch (error) {
    if (!(error instanceof LogDropPathError)) throw error;
    out.stderr(`${options.config}: ${error.message}\n`);
    return 1;
  }
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  try {
    await agent.start();
  } catch (error) {
    // An address taken (an RTLS HTTP input's, the pull server's): say which setting, start nothing.
    if (!(error instanceof ListenError)) throw error;
    await agent.stop();
    out.stderr(`${options.config}: ${error.message}; nothing was started\n`);
    return 1;
  }
  logger.info('agent running', {
    agent: config.agentId,
    version: AGENT_VERSION,
    mode: config.ingest.mode,
    jobs: config.scrapeConfigs.length,
    ...(agent.rtlsUrls.length > 0 && { rtlsHttp: agent.rtlsUrls }),
    ...(config.rtls !== undefined && { rtlsInputs: config.rtls.inputs.length }),
    buffer: config.buffer.dir,
    pendingBatches: agent.buffer.stats().pendingBatches,
  });
  const signal = await stopped;
  logger.info('stopping', { signal });
  await agent.stop();
  logger.info('stopped: buffer flushed', { pendingBatches: agent.buffer.stats().pendingBatches });
  return 0;
}

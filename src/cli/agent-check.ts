import type { Command } from 'commander';
import { AGENT_VERSION } from '../agent/agent.js';
import { checkPassed, formatAgentCheck, runAgentCheck, type AgentCheckInput } from '../agent/check.js';
import { loadAgentConfig } from '../agent/config.js';
import { readJsonFile } from '../agent/buffer/durable-file.js';
import { HttpEventsClient } from '../agent/logdrop/events-client.js';
import { logDropStateFile } from '../agent/logdrop/open.js';
import type { AgentConfig } from '../domain/agent/agent-config.js';
import { compareWithSiteConfig } from '../domain/agent/agent-probes.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import { loadConfigFile } from '../adapters/local/config-file.js';
import type { Env } from '../domain/config/env.js';
import { ConfigError } from '../domain/errors.js';
import { systemClock } from '../domain/ports.js';
import { reportRefusal, type CliOutput } from './config.js';

/** `pflow agent check`: exit 0 when every target is up, every probe succeeded and every RTLS input would start, 1 otherwise, 2 for a refused config. */
export async function runAgentCheckCommand(
  file: string,
  out: CliOutput,
  env: Env = process.env,
  siteConfigFile?: string,
): Promise<number> {
  let config: AgentConfig;
  let siteConfig: DeploymentConfig | undefined;
  try {
    config = await loadAgentConfig(file, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportRefusal(file, error, out);
    return 2;
  }
  if (siteConfigFile !== undefined) {
    try {
      siteConfig = await loadConfigFile(siteConfigFile, env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      reportRefusal(siteConfigFile, error, out);
      return 2;
    }
  }
  const report = await runAgentCheck(
    {
      scrapeConfigs: config.scrapeConfigs,
      probes: config.probes,
      ...logDropInput(config, env),
      ...(config.rtls !== undefined ? { rtlsInputs: config.rtls.inputs, rtlsTimeoutMs: config.ingest.timeoutMs } : {}),
    },
    { clock: systemClock, userAgent: `pflow-agent/${AGENT_VERSION}` },
  );
  out.stdout(formatAgentCheck(report));
  const mismatches =
    siteConfig === undefined
      ? []
      : compareWithSiteConfig(
          config,
          siteConfig.probes,
          siteConfig.sites.flatMap((site) => (site.agents ?? []).map((declared) => declared.id)),
        );
  if (siteConfigFile !== undefined) {
    out.stdout(
      mismatches.length === 0
        ? `probes match ${siteConfigFile}\n`
        : `probes against ${siteConfigFile}:\n${mismatches.map((line) => `  ${line}\n`).join('')}`,
    );
  }
  return checkPassed(report) && mismatches.length === 0 ? 0 : 1;
}

/** The log drop part of the check: the agent's own endpoint, token, proxy and CA, and its saved cursor. */
function logDropInput(config: AgentConfig, env: Env): Pick<AgentCheckInput, 'logDrop'> {
  const { url, token, caFile, timeoutMs } = config.ingest;
  if (config.logDrop === undefined || url === undefined || token === undefined) return {};
  let cursor: string | undefined;
  try {
    cursor = readJsonFile<{ cursor?: string }>(logDropStateFile(config))?.cursor;
  } catch {
    cursor = undefined; // the agent itself reports a damaged state file
  }
  const events = new HttpEventsClient({
    ingestUrl: url,
    token,
    timeoutMs,
    ...(caFile !== undefined ? { caFile } : {}),
    env,
    userAgent: `pflow-agent/${AGENT_VERSION}`,
  });
  return { logDrop: { path: config.logDrop.path, events, cursor } };
}

export function registerAgentCheck(agent: Command, out: CliOutput, exitWith: (code: number) => void): void {
  agent
    .command('check')
    .description(
      'scrape every target, run every probe and try every RTLS input once; print series per job, errors and what would be sent (sends nothing)',
    )
    .requiredOption('-c, --config <file>', 'agent.yaml')
    .option('--site-config <file>', "also compare the probes with the site config's runs_on: agent:<id> probes")
    .action(async (options: { config: string; siteConfig?: string }) =>
      exitWith(await runAgentCheckCommand(options.config, out, process.env, options.siteConfig)),
    );
}

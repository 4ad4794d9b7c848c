import { Option, type Command } from 'commander';
import { runAgent, type AgentRunOptions } from './agent-run.js';
import type { CliOutput } from './config.js';

/**
 * `pflow agent …`: the on-prem agent's commands. Returns the `agent` command so that the other
 * agent commands (check, install, token) are registered under the same parent.
 */
export function registerAgentCommands(program: Command, out: CliOutput): Command {
  const agent = program.command('agent').description('the on-prem agent: run it, check its config');
  agent
    .command('run')
    .description('scrape, buffer on disk and forward to the ingest (or serve pull mode) until SIGTERM')
    .requiredOption('-c, --config <file>', 'agent.yaml')
    .addOption(
      new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'),
    )
    .option('--log-json', 'log JSON lines instead of text', false)
    // Exit explicitly: a keep-alive socket or a scrape abandoned at stop may still hold the loop.
    .action(async (options: AgentRunOptions) => process.exit(await runAgent(options, out)));
  return agent;
}

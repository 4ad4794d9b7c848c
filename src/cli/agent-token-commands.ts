import type { Command } from 'commander';
import { systemClock } from '../domain/ports.js';
import { awsTokenStore, localTokenStore, runAgentToken, type TokenAction } from './agent-token.js';
import { loadConfigOrReport, type CliOutput } from './config.js';

interface StoreOptions {
  readonly config: string;
  readonly aws: boolean;
  readonly table?: string;
  readonly region?: string;
}

/**
 * `pflow agent token create|revoke|list`: registered under the `agent` command, created here if
 * no other agent command made it first.
 */
export function registerAgentTokenCommands(
  program: Command,
  out: CliOutput,
  exitWith: (code: number) => void,
  defaultConfig: string,
): void {
  const agent =
    program.commands.find((command) => command.name() === 'agent') ??
    program.command('agent').description('the on-prem agent: its tokens for the ingest API');
  const token = agent
    .command('token')
    .description('agent tokens for the ingest API (each bound to one site; stored hashed)');
  const withStore = (command: Command) =>
    command
      .option('-c, --config <file>', 'site config YAML (its data directory and sites)', defaultConfig)
      .option('--aws', "the deployed stack's DynamoDB token table instead of the local pflow.db", false)
      .option('--table <name>', "with --aws: the stack's AgentTokenTable output (default: $PFLOW_AGENT_TOKEN_TABLE)")
      .option('--region <region>', 'with --aws: the AWS region (default: the SDK’s)');
  const run = async (action: TokenAction, options: StoreOptions) => {
    if (options.aws) {
      const store = awsTokenStore(options);
      if (typeof store === 'string') {
        out.stderr(`${store}\n`);
        return exitWith(2);
      }
      return exitWith(await runAgentToken(action, { store, now: systemClock.now(), out }));
    }
    const config = await loadConfigOrReport(options.config, out);
    if (!config) return exitWith(1);
    const local = localTokenStore(config);
    try {
      exitWith(
        await runAgentToken(action, {
          store: local.store,
          sites: config.sites.map((site) => site.id),
          now: systemClock.now(),
          out,
        }),
      );
    } finally {
      local.close();
    }
  };
  withStore(token.command('create').description('create a token for a site; printed once, alone on stdout'))
    .requiredOption('--site <id>', 'the site the agent writes to')
    .option('--name <name>', 'what the token is for, e.g. the agent host', 'agent')
    .action((options: StoreOptions & { site: string; name: string }) =>
      run({ action: 'create', site: options.site, name: options.name }, options),
    );
  withStore(token.command('revoke').description('revoke a token by its id (list shows ids); refused from then on'))
    .argument('<token-id>', 'the token id')
    .option('--site <id>', 'only if the token belongs to this site')
    .action((tokenId: string, options: StoreOptions & { site?: string }) =>
      run({ action: 'revoke', tokenId, ...(options.site !== undefined && { site: options.site }) }, options),
    );
  withStore(token.command('list').description('list tokens: id, site, name, created, revoked (never the token)'))
    .option('--site <id>', 'only this site')
    .option('--json', 'print JSON', false)
    .action((options: StoreOptions & { site?: string; json: boolean }) =>
      run({ action: 'list', json: options.json, ...(options.site !== undefined && { site: options.site }) }, options),
    );
}

import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { loadAgentConfig } from '../agent/config.js';
import {
  agentStatus,
  installAgent,
  uninstallAgent,
  type CommandRunner,
  type InstallTarget,
} from '../agent/install/install.js';
import { ConfigError } from '../domain/errors.js';
import { reportRefusal, type CliOutput } from './config.js';

/** The real runner: the command's own output is kept (shown only when it fails, or by status). */
export const systemRunner: CommandRunner = (command, args) => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error !== undefined) return { status: 127, output: result.error.message };
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
};

interface InstallOptions {
  readonly config?: string;
  readonly platform: 'linux' | 'windows';
  readonly root: string;
  readonly user: string;
  readonly envFile: string;
  readonly bundle?: string;
  readonly node: string;
}

/** The bundle this process runs from (pflow-agent.mjs), which the service will run. */
function runningBundle(): string | undefined {
  const script = process.argv[1];
  if (script === undefined) return undefined;
  const path = realpathSync(script);
  return path.endsWith('.mjs') || path.endsWith('.js') ? path : undefined;
}

function targetOf(options: InstallOptions, config: string, bundle: string): InstallTarget {
  return {
    platform: options.platform,
    root: options.root,
    user: options.user,
    environmentFile: options.envFile,
    scriptDir: join(tmpdir(), 'pflow-agent-install'),
    node: options.node,
    bundle,
    config,
  };
}

export async function runAgentInstall(options: InstallOptions, out: CliOutput, run: CommandRunner): Promise<number> {
  const say = (line: string): void => out.stdout(`${line}\n`);
  const config = resolve(options.config ?? 'agent.yaml');
  try {
    // A service that cannot start is worse than none: the config is checked first, as `agent run` reads it.
    await loadAgentConfig(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportRefusal(config, error, out);
    return 2;
  }
  const bundle = options.bundle ?? runningBundle();
  if (bundle === undefined) {
    out.stderr('run install from the agent bundle (node pflow-agent.mjs agent install …) or give --bundle\n');
    return 2;
  }
  return installAgent(targetOf(options, config, resolve(bundle)), { run, say });
}

function platformOption(): Option {
  return new Option('--platform <platform>', 'service manager to use')
    .choices(['linux', 'windows'])
    .default(process.platform === 'win32' ? 'windows' : 'linux');
}

export function registerAgentInstall(
  agent: Command,
  out: CliOutput,
  exitWith: (code: number) => void,
  run: CommandRunner = systemRunner,
): void {
  const say = (line: string): void => out.stdout(`${line}\n`);
  agent
    .command('install')
    .description('install the agent as a service: a systemd unit on Linux, a Windows service (New-Service) on Windows')
    .requiredOption('-c, --config <file>', 'agent.yaml (checked before anything is installed)')
    .addOption(platformOption())
    .option('--root <dir>', 'prefix of the files written (a package build)', '/')
    .option('--user <name>', 'Linux: system user the agent runs as (created when missing)', 'pflow-agent')
    .option(
      '--env-file <file>',
      'Linux: KEY=value file with PFLOW_AGENT_TOKEN, read by systemd',
      '/etc/pflow/agent.env',
    )
    .option('--bundle <file>', 'the agent bundle the service runs; default: the one running this command')
    .option('--node <file>', 'the node binary the service runs', process.execPath)
    .action(async (options: InstallOptions) => exitWith(await runAgentInstall(options, out, run)));
  agent
    .command('uninstall')
    .description('stop and remove the agent service (the buffer and the config stay)')
    .addOption(platformOption())
    .option('--root <dir>', 'prefix of the files written at install', '/')
    .action((options: InstallOptions) =>
      exitWith(uninstallAgent(targetOf({ ...options, user: '', envFile: '', node: '' }, '', ''), { run, say })),
    );
  agent
    .command('status')
    .description("the agent service's state from the service manager; exit 0 when it runs")
    .addOption(platformOption())
    .action((options: { platform: 'linux' | 'windows' }) => exitWith(agentStatus(options, { run, say })));
}

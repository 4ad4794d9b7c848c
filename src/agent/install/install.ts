import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  SERVICE_NAME,
  systemdUnit,
  windowsInstallScript,
  windowsUninstallScript,
  type ServiceSpec,
} from './service-files.js';

export interface CommandResult {
  readonly status: number;
  readonly output: string;
}

/** Runs a system command (systemctl, useradd, powershell.exe); injected so tests assert the exact commands. */
export type CommandRunner = (command: string, args: readonly string[]) => CommandResult;

export interface InstallTarget extends ServiceSpec {
  readonly platform: 'linux' | 'windows';
  /** Prefix of the files written: `/` on a server, a temporary directory in tests or for a package. */
  readonly root: string;
  /** Linux: the system user the agent runs as (created when missing). */
  readonly user: string;
  /** Linux: KEY=value file for the agent token. */
  readonly environmentFile: string;
  /** Windows: where the PowerShell scripts are written before they run. */
  readonly scriptDir: string;
}

export interface InstallDeps {
  readonly run: CommandRunner;
  readonly say: (line: string) => void;
}

const UNIT_PATH = `etc/systemd/system/${SERVICE_NAME}.service`;

export function unitPath(root: string): string {
  return join(root, UNIT_PATH);
}

/** Runs commands in order and stops at the first that fails, saying which and what it printed. */
function runAll(commands: readonly (readonly string[])[], deps: InstallDeps): number {
  for (const [command, ...args] of commands) {
    const result = deps.run(command!, args);
    if (result.status !== 0) {
      deps.say(`${[command, ...args].join(' ')} failed (exit ${String(result.status)}): ${result.output.trim()}`);
      return 1;
    }
  }
  return 0;
}

function powershell(script: string): string[] {
  return ['powershell.exe', '-NoProfile', '-ExecutionPolicy', 'Bypass', '-File', script];
}

/** `pflow agent install`: writes the service definition and enables and starts it. */
export function installAgent(target: InstallTarget, deps: InstallDeps): number {
  if (target.platform === 'windows') {
    const script = join(target.scriptDir, 'install-service.ps1');
    mkdirSync(target.scriptDir, { recursive: true });
    writeFileSync(script, windowsInstallScript(target));
    deps.say(`wrote ${script}`);
    const status = runAll([powershell(script)], deps);
    if (status === 0) deps.say(`service ${SERVICE_NAME} installed and started`);
    return status;
  }
  const path = unitPath(target.root);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, systemdUnit(target), { mode: 0o644 });
  deps.say(`wrote ${path}`);
  if (deps.run('id', ['-u', target.user]).status !== 0) {
    const created = runAll(
      [
        [
          'useradd',
          '--system',
          '--no-create-home',
          '--home-dir',
          '/var/lib/pflow-agent',
          '--shell',
          '/usr/sbin/nologin',
          target.user,
        ],
      ],
      deps,
    );
    if (created !== 0) return created;
    deps.say(`created the system user ${target.user}`);
  }
  const status = runAll(
    [
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', `${SERVICE_NAME}.service`],
    ],
    deps,
  );
  if (status === 0) deps.say(`service ${SERVICE_NAME} enabled and started (journalctl -u ${SERVICE_NAME} for its log)`);
  return status;
}

/** `pflow agent uninstall`: stops and removes the service; the buffer, the config and the user stay. */
export function uninstallAgent(target: InstallTarget, deps: InstallDeps): number {
  if (target.platform === 'windows') {
    const script = join(target.scriptDir, 'uninstall-service.ps1');
    mkdirSync(target.scriptDir, { recursive: true });
    writeFileSync(script, windowsUninstallScript());
    return runAll([powershell(script)], deps);
  }
  const path = unitPath(target.root);
  if (!existsSync(path)) {
    deps.say(`${path} does not exist: the service is not installed`);
    return 0;
  }
  const stopped = runAll([['systemctl', 'disable', '--now', `${SERVICE_NAME}.service`]], deps);
  if (stopped !== 0) return stopped;
  rmSync(path);
  deps.say(`removed ${path}`);
  return runAll([['systemctl', 'daemon-reload']], deps);
}

/** `pflow agent status`: the service manager's view; exit 0 when it is running. */
export function agentStatus(target: Pick<InstallTarget, 'platform'>, deps: InstallDeps): number {
  const [command, ...args] =
    target.platform === 'windows'
      ? [
          'powershell.exe',
          '-NoProfile',
          '-Command',
          `Get-Service -Name ${SERVICE_NAME} | Format-List Name,Status,StartType; if ((Get-Service -Name ${SERVICE_NAME}).Status -ne 'Running') { exit 3 }`,
        ]
      : ['systemctl', 'status', `${SERVICE_NAME}.service`, '--no-pager', '--lines=20'];
  const result = deps.run(command!, args);
  deps.say(result.output.trimEnd());
  return result.status;
}

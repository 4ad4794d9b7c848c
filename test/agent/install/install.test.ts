import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentStatus,
  installAgent,
  uninstallAgent,
  unitPath,
  type InstallTarget,
} from '../../../src/agent/install/install.js';
import { windowsInstallScript } from '../../../src/agent/install/service-files.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function target(platform: 'linux' | 'windows'): InstallTarget {
  root = mkdtempSync(join(tmpdir(), 'pflow-install-'));
  return {
    platform,
    root,
    user: 'pflow-agent',
    environmentFile: '/etc/pflow/agent.env',
    scriptDir: join(root, 'scripts'),
    node: '/usr/bin/node',
    bundle: '/opt/pflow-agent/pflow-agent.mjs',
    config: '/etc/pflow/agent.yaml',
  };
}

/** Records every command and answers from a table (default: success), never running anything. */
function recorder(answers: Record<string, number> = {}) {
  const commands: string[] = [];
  const lines: string[] = [];
  return {
    commands,
    lines,
    deps: {
      run: (command: string, args: readonly string[]) => {
        const line = [command, ...args].join(' ');
        commands.push(line);
        return { status: answers[line] ?? 0, output: answers[line] ? 'it went wrong\n' : '' };
      },
      say: (line: string) => lines.push(line),
    },
  };
}

describe('pflow agent install on Linux (systemd)', () => {
  it('writes the unit into the root and enables it with exactly these commands', () => {
    const spec = target('linux');
    const { commands, deps } = recorder();
    expect(installAgent(spec, deps)).toBe(0);
    expect(readFileSync(unitPath(root), 'utf8'))
      .toBe(`# Written by pflow agent install; pflow agent uninstall removes it.
[Unit]
Description=PerformanceFlow agent (scrape, probe, buffer, forward)
Wants=network-online.target
After=network-online.target

[Service]
Type=exec
User=pflow-agent
ExecStart=/usr/bin/node /opt/pflow-agent/pflow-agent.mjs agent run --config /etc/pflow/agent.yaml
# The agent token lives here (PFLOW_AGENT_TOKEN=…), readable by root only, never in the unit.
EnvironmentFile=-/etc/pflow/agent.env
# /var/lib/pflow-agent (the buffer) and /var/log/pflow (the log drop), owned by the agent's user.
StateDirectory=pflow-agent
LogsDirectory=pflow
Restart=always
RestartSec=5
# SIGTERM lets the agent stop its scrapes and close the buffer; after this it is killed.
TimeoutStopSec=30
ProtectSystem=full
ProtectHome=true
PrivateTmp=true
# No NoNewPrivileges=: it would strip the system ping's cap_net_raw, which ping probes need.

[Install]
WantedBy=multi-user.target
`);
    expect(commands).toEqual([
      'id -u pflow-agent',
      'systemctl daemon-reload',
      'systemctl enable --now pflow-agent.service',
    ]);
  });

  it('creates the system user when it is missing, and stops at the first failing command', () => {
    const spec = target('linux');
    const { commands, lines, deps } = recorder({ 'id -u pflow-agent': 1, 'systemctl daemon-reload': 1 });
    expect(installAgent(spec, deps)).toBe(1);
    expect(commands).toEqual([
      'id -u pflow-agent',
      'useradd --system --no-create-home --home-dir /var/lib/pflow-agent --shell /usr/sbin/nologin pflow-agent',
      'systemctl daemon-reload',
    ]);
    expect(lines.at(-1)).toBe('systemctl daemon-reload failed (exit 1): it went wrong');
  });

  it('quotes paths with spaces in ExecStart', () => {
    const spec = { ...target('linux'), bundle: '/opt/pflow agent/pflow-agent.mjs' };
    installAgent(spec, recorder().deps);
    expect(readFileSync(unitPath(root), 'utf8')).toContain(
      'ExecStart=/usr/bin/node "/opt/pflow agent/pflow-agent.mjs" agent run',
    );
  });

  it('uninstall disables, removes the unit and reloads; status asks systemctl', () => {
    const spec = target('linux');
    installAgent(spec, recorder().deps);
    const { commands, deps } = recorder({ 'systemctl status pflow-agent.service --no-pager --lines=20': 3 });
    expect(uninstallAgent(spec, deps)).toBe(0);
    expect(existsSync(unitPath(root))).toBe(false);
    expect(agentStatus(spec, deps)).toBe(3);
    expect(commands).toEqual([
      'systemctl disable --now pflow-agent.service',
      'systemctl daemon-reload',
      'systemctl status pflow-agent.service --no-pager --lines=20',
    ]);
  });
});

describe('pflow agent install on Windows (New-Service)', () => {
  it('writes the PowerShell script and runs it with powershell.exe', () => {
    const spec = {
      ...target('windows'),
      node: 'C:\\Program Files\\nodejs\\node.exe',
      bundle: "C:\\pflow-agent\\O'Brien\\pflow-agent.mjs",
      config: 'C:\\ProgramData\\pflow\\agent.yaml',
    };
    const { commands, deps } = recorder();
    expect(installAgent(spec, deps)).toBe(0);
    const script = join(root, 'scripts', 'install-service.ps1');
    expect(commands).toEqual([`powershell.exe -NoProfile -ExecutionPolicy Bypass -File ${script}`]);
    expect(readFileSync(script, 'utf8')).toBe(windowsInstallScript(spec));
    expect(windowsInstallScript(spec)).toBe(`# Written by pflow agent install; run in an elevated PowerShell.
$ErrorActionPreference = 'Stop'
$Name = 'pflow-agent'
if (Get-Service -Name $Name -ErrorAction SilentlyContinue) {
  throw "The service $Name exists already: run 'pflow agent uninstall' first."
}
$BinaryPath = '"C:\\Program Files\\nodejs\\node.exe" "C:\\pflow-agent\\O''Brien\\pflow-agent.mjs" agent run --config "C:\\ProgramData\\pflow\\agent.yaml"'
New-Service -Name $Name -BinaryPathName $BinaryPath -DisplayName 'PerformanceFlow agent' \`
  -Description 'Scrapes exporters, runs probes, buffers on disk and forwards to PerformanceFlow' \`
  -StartupType Automatic | Out-Null
# Restart after 5 s, 5 s, then 60 s; the failure count resets after a day.
& sc.exe failure $Name reset= 86400 actions= restart/5000/restart/5000/restart/60000 | Out-Null
Start-Service -Name $Name
Get-Service -Name $Name
`);
  });

  it('uninstall runs its script; status asks Get-Service', () => {
    const spec = target('windows');
    const { commands, deps } = recorder();
    expect(uninstallAgent(spec, deps)).toBe(0);
    expect(readFileSync(join(root, 'scripts', 'uninstall-service.ps1'), 'utf8')).toContain('& sc.exe delete $Name');
    agentStatus(spec, deps);
    expect(commands[1]).toMatch(/^powershell\.exe -NoProfile -Command Get-Service -Name pflow-agent/);
  });
});

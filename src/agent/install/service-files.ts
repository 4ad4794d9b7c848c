/**
 * The service definitions `pflow agent install` writes: a systemd unit on Linux, a PowerShell
 * script around New-Service on Windows. Pure text, so tests read exactly what a server gets.
 */

export const SERVICE_NAME = 'pflow-agent';

export interface ServiceSpec {
  /** Absolute path of the node binary. */
  readonly node: string;
  /** Absolute path of the agent bundle (pflow-agent.mjs). */
  readonly bundle: string;
  /** Absolute path of agent.yaml. */
  readonly config: string;
}

export interface LinuxServiceSpec extends ServiceSpec {
  /** The system user the agent runs as. */
  readonly user: string;
  /** Optional file of KEY=value lines (the agent token), read by systemd, kept out of the unit. */
  readonly environmentFile: string;
}

/** A systemd ExecStart argument: quoted when it holds a space or a quote (systemd's own quoting). */
function systemdArg(value: string): string {
  return /[\s"'\\]/.test(value) ? `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : value;
}

export function systemdUnit(spec: LinuxServiceSpec): string {
  const exec = [spec.node, spec.bundle, 'agent', 'run', '--config', spec.config].map(systemdArg).join(' ');
  return `# Written by pflow agent install; pflow agent uninstall removes it.
[Unit]
Description=PerformanceFlow agent (scrape, probe, buffer, forward)
Wants=network-online.target
After=network-online.target

[Service]
Type=exec
User=${spec.user}
ExecStart=${exec}
# The agent token lives here (PFLOW_AGENT_TOKEN=…), readable by root only, never in the unit.
EnvironmentFile=-${spec.environmentFile}
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
`;
}

/** A PowerShell single-quoted string (a quote is written twice). */
function psString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The service's command line: node, the bundle and the config, each in double quotes (paths under Program Files). */
export function windowsBinaryPath(spec: ServiceSpec): string {
  return `"${spec.node}" "${spec.bundle}" agent run --config "${spec.config}"`;
}

export function windowsInstallScript(spec: ServiceSpec): string {
  return `# Written by pflow agent install; run in an elevated PowerShell.
$ErrorActionPreference = 'Stop'
$Name = ${psString(SERVICE_NAME)}
if (Get-Service -Name $Name -ErrorAction SilentlyContinue) {
  throw "The service $Name exists already: run 'pflow agent uninstall' first."
}
$BinaryPath = ${psString(windowsBinaryPath(spec))}
New-Service -Name $Name -BinaryPathName $BinaryPath -DisplayName 'PerformanceFlow agent' \`
  -Description 'Scrapes exporters, runs probes, buffers on disk and forwards to PerformanceFlow' \`
  -StartupType Automatic | Out-Null
# Restart after 5 s, 5 s, then 60 s; the failure count resets after a day.
& sc.exe failure $Name reset= 86400 actions= restart/5000/restart/5000/restart/60000 | Out-Null
Start-Service -Name $Name
Get-Service -Name $Name
`;
}

export function windowsUninstallScript(): string {
  return `# Written by pflow agent uninstall; run in an elevated PowerShell. The buffer and the config stay.
$ErrorActionPreference = 'Stop'
$Name = ${psString(SERVICE_NAME)}
if (-not (Get-Service -Name $Name -ErrorAction SilentlyContinue)) {
  Write-Output "The service $Name is not installed."
  exit 0
}
Stop-Service -Name $Name -ErrorAction SilentlyContinue
# Remove-Service exists only from PowerShell 6; sc.exe delete works on every Windows Server.
& sc.exe delete $Name | Out-Null
Write-Output "The service $Name is removed."
`;
}

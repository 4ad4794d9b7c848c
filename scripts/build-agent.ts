import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const INSTALL_SH = `#!/bin/sh
# Installs the agent as a systemd service from this directory. Run as root:
#   sudo ./install.sh /etc/pflow/agent.yaml
set -eu
here=$(cd "$(dirname "$0")" && pwd)
config=\${1:-/etc/pflow/agent.yaml}
mkdir -p /opt/pflow-agent
cp "$here/pflow-agent.mjs" /opt/pflow-agent/pflow-agent.mjs
exec node /opt/pflow-agent/pflow-agent.mjs agent install --config "$config"
`;

const INSTALL_PS1 = `# Installs the agent as a Windows service from this folder. Run in an elevated PowerShell:
#   .\\install.ps1 -Config C:\\ProgramData\\pflow\\agent.yaml
param([string]$Config = 'C:\\ProgramData\\pflow\\agent.yaml')
$ErrorActionPreference = 'Stop'
$Target = 'C:\\Program Files\\pflow-agent'
New-Item -ItemType Directory -Force -Path $Target | Out-Null
Copy-Item -Force (Join-Path $PSScriptRoot 'pflow-agent.mjs') (Join-Path $Target 'pflow-agent.mjs')
& node (Join-Path $Target 'pflow-agent.mjs') agent install --config $Config
exit $LASTEXITCODE
`;

/** The agent as one self-contained ES module (also what bench/agent-overhead.ts runs). */
export async function bundleAgent(outfile: string): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: ['bin/pflow-agent.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: false,
    legalComments: 'eof',
    logLevel: 'warning',
    // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __pflowCreateRequire } from 'node:module';\nconst require = __pflowCreateRequire(import.meta.url);",
    },
  });
}

/**
 * npm run build:agent: one archive, dist/pflow-agent-<version>.tar.gz, holding the agent as one
 * esbuild bundle with every dependency inside (a hospital server has node and nothing else),
 * the example agent.yaml, and install scripts for Linux and Windows.
 */
export async function buildAgent(outDir = join(root, 'dist')): Promise<string> {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const name = `pflow-agent-${version}`;
  const stage = join(outDir, name);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  await bundleAgent(join(stage, 'pflow-agent.mjs'));
  copyFileSync(join(root, 'config', 'agent.example.yaml'), join(stage, 'agent.example.yaml'));
  writeFileSync(join(stage, 'install.sh'), INSTALL_SH, { mode: 0o755 });
  writeFileSync(join(stage, 'install.ps1'), INSTALL_PS1);
  const archive = join(outDir, `${name}.tar.gz`);
  execFileSync('tar', ['-czf', archive, '-C', outDir, name]);
  rmSync(stage, { recursive: true, force: true });
  return archive;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${await buildAgent()}\n`);
}

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../src/agent/config.js';
import { buildAgent } from '../../scripts/build-agent.js';

const out = mkdtempSync(join(tmpdir(), 'pflow-build-agent-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run build:agent', () => {
  it('makes one archive: a self-contained bundle that runs, the example agent.yaml and the install scripts', async () => {
    const archive = await buildAgent(out);
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(archive).toBe(join(out, `pflow-agent-${version}.tar.gz`));
    const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n').sort();
    const dir = `pflow-agent-${version}/`;
    expect(listing).toEqual([
      dir,
      `${dir}agent.example.yaml`,
      `${dir}install.ps1`,
      `${dir}install.sh`,
      `${dir}pflow-agent.mjs`,
    ]);

    // Unpacked away from the repository (no node_modules beside it), the bundle runs on its own.
    const unpacked = mkdtempSync(join(out, 'unpacked-'));
    execFileSync('tar', ['-xzf', archive, '-C', unpacked]);
    const help = spawnSync(process.execPath, [join(unpacked, dir, 'pflow-agent.mjs'), 'agent', '--help'], {
      encoding: 'utf8',
    });
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(
      /run \[options\][\s\S]*check \[options\][\s\S]*install \[options\][\s\S]*uninstall[\s\S]*status/,
    );
    const check = spawnSync(
      process.execPath,
      [join(unpacked, dir, 'pflow-agent.mjs'), 'agent', 'check', '--config', join(unpacked, dir, 'agent.example.yaml')],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    // The token is missing from the environment: the config is refused, naming it, before anything is scraped.
    expect(check.status).toBe(2);
    expect(check.stderr).toContain('PFLOW_AGENT_TOKEN');
  }, 60_000);

  it('the example agent.yaml is a valid agent config', () => {
    const text = readFileSync(new URL('../../config/agent.example.yaml', import.meta.url), 'utf8');
    const config = parseAgentConfig(text, 'agent.example.yaml', {
      PFLOW_AGENT_TOKEN: 'pfa_abc123_SECRETsecretSECRETsecret0123456789',
    });
    expect(config.scrapeConfigs.map((job) => job.job_name)).toEqual(['node', 'windows']);
    expect(config.probes.map((probe) => probe.kind)).toEqual(['ping', 'http']);
  });
});

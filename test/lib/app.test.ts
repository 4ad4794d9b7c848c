import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

describe('bin/app.ts (cdk synth -c config=FILE)', { timeout: 120_000 }, () => {
  it('stops on an invalid config with every error, as pflow validate lists them, before building anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pflow-app-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      "version: 1\nsites: [{ id: site-a }]\nprobes: [{ id: p, site: site-a, kind: http, target: 'https://x.example', interval: 30s, timeout: 5s }]\nchannels: [{ id: s, kind: slack, slack: { url: '${SLACK_URL}' } }]\nroutes: [{ channels: [s, nope] }]\n",
    );
    const failure = await run('npx', ['tsx', 'bin/app.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: file }), CDK_OUTDIR: dir },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toBe(
      `${file}: 2 error(s)\n` +
        "  probes[0].interval: a cloud probe runs on whole minutes (EventBridge Scheduler's floor): 30s is not; use 1m, 2m, … or run it on an agent (runs_on: agent:<id>) for shorter intervals\n" +
        '  routes[0].channels[1]: no channel "nope" (channels: s)\n',
    );
  });
});

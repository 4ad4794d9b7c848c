import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * What `pflow` says to a person, through the shipped bundle (dist/pflow.mjs, built by the global
 * setup): one refusal for an invalid config in every command, a plain message for a taken port,
 * and a banner that lists only what exists.
 */

const dir = mkdtempSync(join(tmpdir(), 'pflow-messages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bundle to completion, or until `until` matches stdout; then stops it with SIGTERM. */
function pflow(args: string[], options: { until?: RegExp; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/pflow.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pflow ${args.join(' ')} did not finish\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!stopping && options.until?.test(stdout)) {
        stopping = true; // once: a second signal is a different story (it may exit at once)
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function configFile(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

const minimal = (local: string, channels = '[{ id: terminal, kind: console }]') => `version: 1
sites: [{ id: site-a }]
channels: ${channels}
routes: [{ channels: [terminal] }]
local: { data_dir: ${JSON.stringify(join(dir, 'data'))}, ${local} }
`;

describe('refusing an invalid config', () => {
  const bad = configFile(
    'bad.yaml',
    [
      'version: 1',
      'sites: [{ id: site-a }]',
      'probes:',
      '  - { id: p, site: site-b, kind: tcp, target: "127.0.0.1:1", interval: 5s, timeout: 10s }',
      '',
    ].join('\n'),
  );
  const expected =
    'probes[0].site: no site "site-b" (sites: site-a)\n' +
    'probes[0].timeout: must be shorter than the interval (10s is not shorter than 5s)\n' +
    `${bad}: 2 errors, config not loaded\n`;

  it.each([
    [['validate', bad]],
    [['local', '--config', bad]],
    [['notify', 'test', '--config', bad, '--channel', 'x']],
    [['notify', 'dead-letters', '--config', bad]],
  ])('pflow %j: the errors, then one summary line, exit 1', async (args) => {
    const run = await pflow(args);
    expect(run).toEqual({ code: 1, stdout: '', stderr: expected });
  });

  it.each([
    [
      'a binary file',
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00]),
      /^line 1: not a YAML text file: it contains a NUL byte/,
    ],
    [
      'a Latin-1 file',
      Buffer.from('version: 1\n# Z\xfcrich\n', 'latin1'),
      /^line 2: not a YAML text file: it is not valid UTF-8/,
    ],
    [
      'a 5 MB file',
      Buffer.alloc(5_000_000, 0x23),
      /^\(file\): the file is 4\.8 MiB, over the 4\.0 MiB limit for a site config/,
    ],
  ])('says %s is not a config it can read', async (_name, content, message) => {
    const file = join(dir, 'odd.yaml');
    writeFileSync(file, content);
    const run = await pflow(['validate', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.split('\n')).toHaveLength(3);
    expect(run.stderr.endsWith(`${file}: 1 error, config not loaded\n`)).toBe(true);
  });
});

describe('pflow local', () => {
  async function occupiedPort(): Promise<{ server: Server; address: string }> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, address: `127.0.0.1:${(server.address() as { port: number }).port}` };
  }

  it.each([
    ['API', (address: string) => `api_listen: ${address}`, 'local.api_listen'],
    [
      'demo target',
      (address: string) => `api_listen: 127.0.0.1:0, demo_target: { listen: ${address} }`,
      'local.demo_target.listen',
    ],
  ])(
    'names the taken %s address and the setting that moves it, without a stack trace',
    async (_what, local, setting) => {
      const { server, address } = await occupiedPort();
      try {
        const file = configFile('taken.yaml', minimal(local(address)));
        const run = await pflow(['local', '--config', file]);
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toBe(
          `cannot listen on ${address}: the address is already in use (another pflow, or another program, is listening there); set ${setting} in the config to another host:port\n` +
            `${file}: nothing was started\n`,
        );
      } finally {
        server.close();
      }
    },
  );

  it('prints the health URL, and a log drop line only for a channel that writes one', async () => {
    const withoutDrop = await pflow(
      ['local', '--config', configFile('plain.yaml', minimal('api_listen: 127.0.0.1:0'))],
      {
        until: /Ctrl-C/,
      },
    );
    expect(withoutDrop.code).toBe(0);
    expect(withoutDrop.stdout).toMatch(/^ {2}health {7}http:\/\/127\.0\.0\.1:\d+\/api\/health$/m);
    expect(withoutDrop.stdout).not.toMatch(/log ?drop/i);

    const drop = join(dir, 'drops');
    const withDrop = await pflow(
      [
        'local',
        '--config',
        configFile(
          'drop.yaml',
          minimal(
            'api_listen: 127.0.0.1:0',
            `[{ id: terminal, kind: console }, { id: audit, kind: logdrop, logdrop: { directory: ${JSON.stringify(drop)} } }]`,
          ),
        ),
      ],
      { until: /Ctrl-C/ },
    );
    expect(withDrop.code).toBe(0);
    expect(withDrop.stdout).toContain(`  log drop     ${drop} (channel audit)\n`);
  });
});

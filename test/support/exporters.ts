import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './closed-port.js';

/**
 * Debian's prometheus-node-exporter and prometheus-blackbox-exporter, started on a free loopback
 * port. CI installs both (.ci/run); when one is missing the tests fail with this message rather
 * than skip.
 */
export interface Exporter {
  /** host:port, as a scrape target. */
  readonly address: string;
  stop(): Promise<void>;
}

function binary(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(`${name} is not installed: apt-get install -y --no-install-recommends ${name} (.ci/run does it)`);
  }
  return path;
}

async function start(name: string, args: (address: string) => string[], cleanup?: () => void): Promise<Exporter> {
  const port = await closedPort();
  const address = `127.0.0.1:${port}`;
  const child = spawn(binary(name), args(address), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const stop = async (): Promise<void> => {
    await stopChild(child);
    cleanup?.();
  };
  try {
    await waitListening(`http://${address}/metrics`, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, stop };
}

export function startNodeExporter(): Promise<Exporter> {
  // A few collectors only: the others read hardware a test machine may not have, and add nothing here.
  return start('prometheus-node-exporter', (address) => [
    `--web.listen-address=${address}`,
    '--collector.disable-defaults',
    '--collector.cpu',
    '--collector.meminfo',
    '--collector.loadavg',
    '--collector.time',
  ]);
}

export function startBlackboxExporter(): Promise<Exporter> {
  const dir = mkdtempSync(join(tmpdir(), 'pflow-blackbox-'));
  const config = join(dir, 'blackbox.yml');
  writeFileSync(
    config,
    [
      'modules:',
      '  http_2xx:',
      '    prober: http',
      '    timeout: 2s',
      '  tcp_connect:',
      '    prober: tcp',
      '    timeout: 2s',
      '',
    ].join('\n'),
  );
  return start(
    'prometheus-blackbox-exporter',
    (address) => [`--config.file=${config}`, `--web.listen-address=${address}`, '--log.level=warn'],
    () => rmSync(dir, { recursive: true, force: true }),
  );
}

/** Polls the metrics page until the exporter answers (startup readiness, not a timing assumption). */
async function waitListening(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exporter exited with ${child.exitCode}: ${stderr()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`exporter did not answer within 15 s: ${stderr()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './closed-port.js';

/**
 * A real Prometheus (Debian's `prometheus` package, 2.42) on 127.0.0.1 with a temporary data
 * directory and the remote-write receiver on: the local stand-in for AMP. CI installs the package
 * (.ci/run); when it is missing the tests fail with this message rather than skip.
 */
export interface PrometheusServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface PrometheusServerOptions {
  /** `storage.tsdb.out_of_order_time_window`, e.g. '1d'; absent: out-of-order samples are rejected. */
  readonly outOfOrderWindow?: string;
  readonly extraArgs?: readonly string[];
  /** `scrape_configs` (Prometheus's own keys) written into prometheus.yml; default none. */
  readonly scrapeConfigs?: readonly unknown[];
}

export function prometheusBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(
      'the prometheus binary is not installed: these tests need a real Prometheus ' +
        '(apt-get install -y --no-install-recommends prometheus; .ci/run does it)',
    );
  }
  return path;
}

export async function startPrometheus(options: PrometheusServerOptions = {}): Promise<PrometheusServer> {
  const binary = prometheusBinary();
  const dir = mkdtempSync(join(tmpdir(), 'pflow-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: {}',
      `scrape_configs: ${JSON.stringify(options.scrapeConfigs ?? [])}`,
      ...(options.outOfOrderWindow === undefined
        ? []
        : ['storage:', '  tsdb:', `    out_of_order_time_window: ${options.outOfOrderWindow}`]),
      '',
    ].join('\n'),
  );
  const port = await closedPort();
  const child = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    port,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls /-/ready until Prometheus answers (startup readiness, not a timing assumption). */
async function waitReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr()}`);
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`prometheus did not become ready within 20 s: ${stderr()}`);
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

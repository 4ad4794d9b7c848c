import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './closed-port.js';

/**
 * A real MQTT broker (Debian's `mosquitto`) on 127.0.0.1, in memory; anonymous unless `users` are
 * given (then only they may connect, with their passwords, hashed by mosquitto_passwd). CI installs the
 * package (.ci/run); when it is missing the tests fail with this message rather than skip.
 */
export interface MosquittoBroker {
  readonly url: string;
  readonly port: number;
  /** Stops the broker; `start` again on the same port (a broker restart). */
  stop(): Promise<void>;
  restart(): Promise<void>;
}

function mosquittoBinary(): string {
  for (const candidate of ['/usr/sbin/mosquitto', 'mosquitto']) {
    const found = spawnSync('sh', ['-c', `command -v ${candidate}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim();
  }
  throw new Error(
    'the mosquitto binary is not installed: these tests need a real MQTT broker ' +
      '(apt-get install -y --no-install-recommends mosquitto; .ci/run does it)',
  );
}

export async function startMosquitto(options: { users?: Record<string, string> } = {}): Promise<MosquittoBroker> {
  const binary = mosquittoBinary();
  const dir = mkdtempSync(join(tmpdir(), 'pflow-mosquitto-'));
  const port = await closedPort();
  const config = join(dir, 'mosquitto.conf');
  const passwords = join(dir, 'passwords');
  const users = Object.entries(options.users ?? {});
  if (users.length > 0) {
    writeFileSync(passwords, '');
    for (const [user, password] of users) {
      const made = spawnSync('mosquitto_passwd', ['-b', passwords, user, password], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
    }
    // Started as root, mosquitto drops to its own user before reading the file: it must reach it.
    chmodSync(dir, 0o755);
    chmodSync(passwords, 0o644);
  }
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      ...(users.length > 0 ? ['allow_anonymous false', `password_file ${passwords}`] : ['allow_anonymous true']),
      'persistence false',
      'log_dest stderr',
      'log_type error',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let stderr = '';
  const launch = async () => {
    child = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    await waitListening(port, child, () => stderr);
  };
  await launch();
  const stop = async () => {
    if (child) await stopChild(child);
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    restart: async () => {
      await stop();
      await launch();
    },
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls the port until the broker accepts connections (startup readiness, not a timing assumption). */
async function waitListening(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`mosquitto did not listen within 10 s: ${stderr()}`);
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

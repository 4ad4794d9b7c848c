import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { LocalRuntime } from '../../src/runtime/local-runtime.js';
import { captureLogger } from '../support/logger.js';

/**
 * The whole runtime, not only its ClockWatch: after the wall clock steps back (an NTP correction, a
 * VM resume), /api/health must say `degraded` and show the jump, while probing goes on. The jump is
 * made through the injected clock, so nothing touches the machine's clock.
 */

let runtime: LocalRuntime | undefined;
let dir: string | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('/api/health across a wall-clock jump', () => {
  it('says degraded and shows the jump once the wall clock stepped back 60 s, and goes on probing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pflow-jump-'));
    let wallOffsetMs = 0;
    const clock = { now: () => Date.now() + wallOffsetMs, monotonic: () => performance.now() };
    const config = parseDeploymentConfig(
      `
version: 1
sites: [{ id: site-a }]
probes:
  - { id: closed, site: site-a, kind: tcp, target: '127.0.0.1:9', interval: 200ms, timeout: 150ms }
channels: [{ id: terminal, kind: console }]
local: { data_dir: '${join(dir, 'data')}', api_listen: '127.0.0.1:0' }
`,
      'jump.yaml',
      {},
    );
    runtime = new LocalRuntime(config, {
      clock,
      logger: captureLogger(),
      stdout: () => {},
      probeIsolation: 'in-process',
    });
    const api = (await runtime.start()).api;
    const health = async () => (await fetch(`${api}/api/health`)).json() as Promise<any>;

    const before = await until('the first probe run', async () => {
      const body = await health();
      return body.tasks['probe:site-a/closed']?.runs > 0 ? body : undefined;
    });
    expect(before.status).toBe('ok');
    expect(before.clock).toEqual({ jumps: 0, lastJump: null });

    wallOffsetMs = -60_000;
    const after = await until('the jump in /api/health', async () => {
      const body = await health();
      return body.clock.jumps > 0 ? body : undefined;
    });
    expect(after.status).toBe('degraded');
    expect(after.clock.lastJump.byMs).toBeLessThanOrEqual(-59_000);
    expect(after.clock.lastJump.detectedAt).toMatch(/Z$/);
    const runsAtJump = after.tasks['probe:site-a/closed'].runs;
    await until('probing after the jump', async () => {
      const body = await health();
      return body.tasks['probe:site-a/closed'].runs > runsAtJump + 2 ? body : undefined;
    });
  });
});

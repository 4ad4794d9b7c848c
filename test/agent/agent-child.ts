/**
 * A real agent process for the kill -9 tests (run with `node --import tsx`).
 * argv: <config JSON> <mode> <n>
 * - `forward n`: appends samples test_seq 1..n (one record each, fsync always) with nothing sent,
 *   prints `filled`, then starts forwarding and prints `sent <k>` after each answered send.
 * - `pause n`: appends 1, 2, … and blocks after record n's header is on disk, printing `header`.
 * - `drain`: only forwards what the buffer holds; exits 0 on SIGTERM after a clean stop.
 */
import { writeSync } from 'node:fs';
import { Agent } from '../../src/agent/agent.js';
import { HttpTransport } from '../../src/agent/forward/transport.js';
import type { AgentConfig } from '../../src/domain/agent/agent-config.js';
import { systemClock, systemTimers } from '../../src/domain/ports.js';

const [configJson, mode, n] = process.argv.slice(2) as [string, 'forward' | 'pause' | 'drain', string];
const config = JSON.parse(configJson) as AgentConfig;
const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let sends = 0;
const http = new HttpTransport({
  url: config.ingest.url ?? '',
  token: config.ingest.token ?? '',
  timeoutMs: config.ingest.timeoutMs,
  env: {},
  userAgent: 'pflow-agent/test',
});
let pauseArmed = false;
const agent = new Agent(config, {
  clock: systemClock,
  timers: systemTimers,
  logger,
  env: {},
  scrape: false,
  transport: {
    send: async (body, gzipped) => {
      const outcome = await http.send(body, gzipped);
      writeSync(1, `sent ${String(++sends)} ${outcome.kind} ${'reason' in outcome ? outcome.reason : ''}\n`);
      return outcome;
    },
    close: () => http.close(),
  },
  afterHeaderWrite: () => {
    if (!pauseArmed) return;
    writeSync(1, 'header\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  },
});

const sample = (i: number) => ({
  name: 'test_seq',
  labels: { agent: config.agentId, n: String(i) },
  time: 1_796_000_000_000 + i,
  value: i,
});

if (mode === 'forward') {
  for (let i = 1; i <= Number(n); i++) agent.batcher.add([sample(i)]);
  agent.batcher.flush();
  writeSync(1, 'filled\n');
  void agent.start();
} else if (mode === 'pause') {
  for (let i = 1; ; i++) {
    if (i === Number(n)) pauseArmed = true;
    agent.batcher.add([sample(i)]);
    writeSync(1, `ok ${String(i)}\n`);
  }
} else {
  void agent.start();
}
process.once('SIGTERM', () => {
  void agent.stop().then(() => process.exit(0));
});

/**
 * A real agent process with a log_drop: section, for the kill -9 tests (run with `node --import tsx`).
 * argv: <config JSON> <mode>
 * - `torn`: blocks halfway through the second write to log_drop.path, printing `torn`.
 * - `appended`: blocks after the second write, before the state file is updated, printing `appended`.
 * - `run`: polls; exits 0 on SIGTERM after a clean stop.
 * Prints `wrote <n>` after each write.
 */
import { writeSync } from 'node:fs';
import { Agent } from '../../../src/agent/agent.js';
import type { AgentConfig } from '../../../src/domain/agent/agent-config.js';
import { systemClock, systemTimers } from '../../../src/domain/ports.js';

const [configJson, mode] = process.argv.slice(2) as [string, 'torn' | 'appended' | 'run'];
const config = JSON.parse(configJson) as AgentConfig;
const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let writes = 0;
const block = (line: string) => {
  writeSync(1, `${line}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
};
const agent = new Agent(config, {
  clock: systemClock,
  timers: systemTimers,
  logger,
  env: {},
  scrape: false,
  logDrop: {
    midWrite: () => {
      if (mode === 'torn' && writes === 1) block('torn');
    },
    afterAppend: () => {
      writes += 1;
      if (mode === 'appended' && writes === 2) block('appended');
      writeSync(1, `wrote ${String(writes)}\n`);
    },
  },
});
await agent.start();
process.once('SIGTERM', () => {
  void agent.stop().then(() => process.exit(0));
});

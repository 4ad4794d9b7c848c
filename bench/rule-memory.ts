/**
 * The rule function's peak memory (prints, asserts nothing): the AMP bundle, built exactly as the
 * stack builds it (lib/function-bundling.ts), runs cycles of one 50-rule group in a fresh Node
 * process — Node 24 from .cache/node24 when it is there, the runtime's version — and prints that
 * process's peak RSS (`process.resourceUsage().maxRSS`), which is what Lambda's "Max Memory Used"
 * reports.
 *
 * What the cycle reads decides the memory, not the number of rules: the one query per table
 * returns every matching series of the site over the longest window. AMP has no local stand-in, so
 * a loopback server answers its query API with SERIES series of POINTS samples each (default
 * 10,000 × 6: every series of the reference site's five agents over a 5-minute window, far more
 * than 50 probe rules match) and takes the remote writes; the alert state, silences and
 * acknowledgements are in a dynalite (a real DynamoDB-compatible server). The rules stay ok, so
 * nothing is published to SNS.
 *
 *   nice npx tsx bench/rule-memory.ts        # SERIES=20000 POINTS=11 CYCLES=5 to push it
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { ESBUILD_OPTIONS, bundleDefines } from '../lib/function-bundling.js';
import { bundleEntries } from '../lambdas/shared/environment.js';
import { node24Binary } from '../scripts/node24.js';
import { bundledConfig } from '../test/support/bundled-config.js';
import { startDynamoLocal } from '../test/support/dynamodb-local.js';
import { ruleFunctionEnv } from '../test/support/rule-function-env.js';

const RULES = 50;
const SERIES = Number(process.env.SERIES ?? 10_000);
const POINTS = Number(process.env.POINTS ?? 6);
const CYCLES = Number(process.env.CYCLES ?? 3);
const SITE = 'site-a';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'pflow-bench-rule-memory-'));
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const entry = bundleEntries().find((candidate) => candidate.name === 'rule')!.entry;
const bundle = join(dir, 'rule-amp', 'index.mjs');
await build({
  ...ESBUILD_OPTIONS,
  mainFields: [...ESBUILD_OPTIONS.mainFields],
  external: [...ESBUILD_OPTIONS.external],
  define: bundleDefines('amp'),
  entryPoints: [entry],
  outfile: bundle,
  logLevel: 'warning',
});

// 50 rules on 50 probes: success below 1 over 3 minutes, the reference site's availability rules.
const probes = Array.from({ length: RULES }, (_, i) => `ep-${String(i).padStart(3, '0')}`);
writeFileSync(
  join(dir, 'pflow-config.json'),
  bundledConfig({
    version: 1,
    sites: [{ id: SITE, timezone: 'UTC' }],
    probes: probes.map((id) => ({
      id,
      site: SITE,
      kind: 'http',
      target: `https://${id}.example.org/`,
      interval: '1m',
    })),
    rule_groups: [
      {
        name: 'availability',
        interval: '1m',
        rules: probes.map((id) => ({
          id: `${id}-down`,
          severity: 'critical',
          measure: 'success',
          matchers: [`probe="${id}"`],
          window: '3m',
          threshold: { op: '<', value: 1 },
        })),
      },
    ],
    channels: [{ id: 'log', kind: 'console' }],
    routes: [{ channels: ['log'] }],
  }),
);

// The query API's answer: SERIES series, the first RULES of them the probes' success, the rest
// other series of the site, each with POINTS samples a minute apart ending now.
let queries = 0;
let answerBytes = 0;
const amp = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    if (!request.url!.endsWith('/api/v1/query')) {
      response.writeHead(204).end();
      return;
    }
    queries++;
    const now = Date.now() / 1000;
    const values = (value: string) => Array.from({ length: POINTS }, (_, p) => [now - (POINTS - 1 - p) * 60, value]);
    const result = Array.from({ length: SERIES }, (_, i) =>
      i < RULES
        ? {
            metric: { __name__: 'probe_success', site: SITE, probe: probes[i], kind: 'http', instance: probes[i] },
            values: values('1'),
          }
        : {
            metric: {
              __name__: 'node_filesystem_free_ratio',
              site: SITE,
              agent: `agent-${i % 5}`,
              instance: `host-${i % 400}:9100`,
              mountpoint: `/data/${i}`,
            },
            values: values('0.42'),
          },
    );
    const body = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
    answerBytes = body.length;
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
});
await new Promise<void>((resolve) => amp.listen(0, '127.0.0.1', resolve));
const ddb = await startDynamoLocal();

// The adapter signs for and sends to the workspace's AMP host; the child's fetch takes those
// requests to the loopback server instead (the test suite answers at the same boundary).
const ampPort = (amp.address() as AddressInfo).port;
const script = `
  const realFetch = globalThis.fetch;
  globalThis.fetch = (url, init) =>
    realFetch(String(url).replace('https://aps-workspaces.eu-west-1.amazonaws.com', 'http://127.0.0.1:${ampPort}'), init);
  const before = process.memoryUsage().rss;
  const { handler } = await import(${JSON.stringify(bundle)});
  const loaded = process.memoryUsage().rss;
  const context = { functionName: 'bench', awsRequestId: 'r', getRemainingTimeInMillis: () => 60000 };
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true; // the JSON log and EMF lines
  const reports = [];
  for (let i = 0; i < ${CYCLES}; i++) reports.push(await handler({ site: '${SITE}', group: 'availability' }, context));
  process.stdout.write = write;
  console.log(JSON.stringify({ before, loaded, maxRssKb: process.resourceUsage().maxRSS, reports }));`;
const node = node24Binary() ?? process.execPath;
const { stdout: version } = await run(node, ['--version']);
const { stdout } = await run(node, ['--enable-source-maps', '--input-type=module', '-e', script], {
  env: {
    PATH: process.env.PATH,
    ...ruleFunctionEnv(dir, ddb.endpoint),
    PFLOW_METRICS_BACKEND: 'amp',
    PFLOW_AMP_WORKSPACE_URL: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-bench/',
    POWERTOOLS_SERVICE_NAME: 'pflow-rule',
    POWERTOOLS_METRICS_NAMESPACE: 'PerformanceFlow',
  },
  maxBuffer: 64 * 2 ** 20,
  timeout: 120_000,
});
const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
  before: number;
  loaded: number;
  maxRssKb: number;
  reports: { evaluated?: number; queries?: number; failedQueries?: number }[];
};
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
console.log(
  `rule function (AMP bundle, Node ${version.trim()}${node24Binary() ? '' : ', not the runtime version'}): ` +
    `${RULES} rules, ${CYCLES} cycles, ${queries} queries answered with ${SERIES.toLocaleString('en-US')} series × ${POINTS} samples ` +
    `(${(answerBytes / 2 ** 20).toFixed(1)} MB of JSON each)\n` +
    `RSS ${mb(last.before)} MB at start, ${mb(last.loaded)} MB with the bundle loaded, peak ${(last.maxRssKb / 1024).toFixed(0)} MB; ` +
    `last cycle ${JSON.stringify(last.reports.at(-1))}`,
);
amp.close();
await ddb.close();
rmSync(dir, { recursive: true, force: true });

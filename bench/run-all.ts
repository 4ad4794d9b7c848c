/**
 * Runs the benchmarks one after another, each in its own process so one's heap and timers cannot
 * colour the next one's figures, and passes their output through. The soak (hours) is left out
 * unless named.
 *
 *   npm run bench                      every benchmark but the soak, with its default arguments
 *   npm run bench -- rules validate    only these (file names under bench/, without .ts)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const QUICK = [
  'rules',
  'validate',
  'store',
  'store-hold',
  'probes',
  'probe-timing',
  'notify',
  'logdrop',
  'remote-write',
  'prometheus-rules',
  'lambdas',
  'rule-memory',
  'exposition',
  'assets',
] as const;

const here = fileURLToPath(new URL('.', import.meta.url));
const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : [...QUICK];
const unknown = names.filter((name) => !existsSync(`${here}${name}.ts`));
if (unknown.length > 0) {
  process.stderr.write(`no such benchmark: ${unknown.join(', ')} (files under bench/, without .ts)\n`);
  process.exit(2);
}

const failed: string[] = [];
for (const name of names) {
  process.stdout.write(`\n=== bench/${name}.ts ===\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', `${here}${name}.ts`], { stdio: 'inherit' });
  if (run.status !== 0) failed.push(`${name} (exit ${run.status ?? run.signal})`);
}
if (failed.length > 0) {
  process.stderr.write(`\nbenchmarks that did not finish: ${failed.join(', ')}\n`);
  process.exit(1);
}

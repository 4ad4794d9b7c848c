/**
 * Config validation benchmark: `pflow validate`'s work (YAML parse, duplicate-key check, `${}`
 * expansion, schema, errors in file order) on the example config with N labels added to one
 * probe, each line about 72 bytes like the 5 MB / 70,000-label file of issue 6. Three shapes per
 * N: a valid file, one where every label value has the wrong type (N errors to place and sort),
 * and one where every label repeats a name (N duplicate keys). Issue 6 measured 6 s for 20,000
 * labels and 175 s for 70,000: validation time must grow linearly with the file.
 * Run: `npx tsx bench/validate.ts [labelCounts…]` (default 20000 70000); SHAPES=valid,duplicate
 * picks shapes.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseDeploymentConfig } from '../src/domain/config/load.js';
import { ConfigError } from '../src/domain/errors.js';

const COUNTS = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [20_000, 70_000];
const EXAMPLE = readFileSync(new URL('../config/example.yaml', import.meta.url), 'utf8');
const ANCHOR = '    labels:\n      service: portal\n';

type Shape = 'valid' | 'wrong-type' | 'duplicate';
const SHAPES = (process.env.SHAPES ?? 'valid,wrong-type,duplicate').split(',') as Shape[];

function configWith(count: number, shape: Shape): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const name = shape === 'duplicate' ? `label_${Math.floor(i / 2)}` : `label_${i}`;
    const text = `value-${String(i).padStart(6, '0')}-${'x'.repeat(40)}`;
    const value = shape === 'wrong-type' ? `[${text}]` : text;
    lines.push(`      ${name}: ${value}`);
  }
  if (!EXAMPLE.includes(ANCHOR)) throw new Error('config/example.yaml changed: update the bench anchor');
  return EXAMPLE.replace(ANCHOR, `${ANCHOR}${lines.join('\n')}\n`);
}

function measure(text: string): { ms: number; errors: number } {
  const started = performance.now();
  let errors = 0;
  try {
    parseDeploymentConfig(text, 'bench.yaml', {});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    errors = error.issues.length;
  }
  return { ms: performance.now() - started, errors };
}

console.log(`node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}`);
console.log('labels   shape       file MB   errors     time');
for (const count of COUNTS) {
  for (const shape of SHAPES) {
    const text = configWith(count, shape);
    measure(text.slice(0, 2000)); // warm the code paths without the big file
    const { ms, errors } = measure(text);
    console.log(
      [
        String(count).padStart(6),
        shape.padEnd(10),
        (Buffer.byteLength(text) / 1_048_576).toFixed(2).padStart(8),
        String(errors).padStart(8),
        `${(ms / 1000).toFixed(2).padStart(7)} s`,
      ].join('   '),
    );
  }
}

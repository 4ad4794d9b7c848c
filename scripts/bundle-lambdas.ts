import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESBUILD_OPTIONS } from '../lib/function-bundling.js';
import { LAMBDA_ENTRIES, type LambdaName } from '../lambdas/shared/environment.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface BuiltLambda {
  readonly name: LambdaName;
  readonly file: string;
  readonly bytes: number;
}

/**
 * Bundles every Lambda the way `NodejsFunction` will (ESBUILD_OPTIONS from lib/function-bundling.ts):
 * one minified ESM file per function with its source map, under `outDir/<name>/index.mjs`. Used by
 * the Node 24 smoke test and the bundle benchmark.
 */
export async function bundleLambdas(outDir: string): Promise<BuiltLambda[]> {
  return Promise.all(
    (Object.entries(LAMBDA_ENTRIES) as [LambdaName, string][]).map(async ([name, entry]) => {
      const file = join(outDir, name, 'index.mjs');
      await build({
        ...ESBUILD_OPTIONS,
        mainFields: [...ESBUILD_OPTIONS.mainFields],
        external: [...ESBUILD_OPTIONS.external],
        absWorkingDir: root,
        entryPoints: [entry],
        outfile: file,
        logLevel: 'warning',
      });
      return { name, file, bytes: statSync(file).size };
    }),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? join(root, 'dist', 'lambdas');
  for (const built of await bundleLambdas(out))
    console.log(`${built.name.padEnd(10)} ${(built.bytes / 1024).toFixed(0).padStart(6)} KB  ${built.file}`);
}

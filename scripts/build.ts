import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundles the `pflow` CLI into one ESM file; native and AWS SDK modules stay external. */
export async function buildCli(): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: ['bin/pflow.ts'],
    outfile: 'dist/pflow.mjs',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    packages: 'external',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli();
}

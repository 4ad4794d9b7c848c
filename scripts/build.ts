import { build, type BuildOptions } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const common: BuildOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
};

/**
 * Bundles the `pflow` CLI into one ESM file; native and AWS SDK modules stay external. The probe
 * worker thread's entry is a second file beside it (dist/probe-worker.mjs), which the runtime
 * starts by that name.
 */
export async function buildCli(): Promise<void> {
  await Promise.all([
    build({
      ...common,
      entryPoints: ['bin/pflow.ts'],
      outfile: 'dist/pflow.mjs',
      banner: { js: '#!/usr/bin/env node' },
    }),
    build({ ...common, entryPoints: ['src/runtime/probe-worker-entry.ts'], outfile: 'dist/probe-worker.mjs' }),
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli();
}

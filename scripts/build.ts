import { build, type BuildOptions } from 'esbuild';
import { cpSync, rmSync } from 'node:fs';
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
 * starts by that name. The web console's pages are copied to dist/console/.
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
  // The web console's static pages, at the same place relative to the bundle as to its source file.
  rmSync(`${root}/dist/console`, { recursive: true, force: true });
  cpSync(`${root}/src/runtime/console`, `${root}/dist/console`, { recursive: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli();
}

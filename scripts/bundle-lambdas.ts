import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESBUILD_OPTIONS, bundleDefines, type BundledMetricsBackend } from '../lib/function-bundling.js';
import { bundleEntries } from '../lambdas/shared/environment.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface BuiltLambda {
  /** `probe`, `rule`, …; `deliver-<kind>` for the deliver function's bundle per channel kind. */
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  /** The files that contribute bytes to the bundle (esbuild's metafile), relative to the repository root. */
  readonly inputs: readonly string[];
  /** Every module reachable from the entry point (esbuild's metafile), whether or not it kept any bytes. */
  readonly modules: readonly string[];
  /** Each reachable module's imports, as esbuild resolved them. */
  readonly imports: Readonly<Record<string, readonly string[]>>;
}

/** The functions that open the metric store: bundled once per store, as the stack does for its one. */
const STORE_READERS = new Set(['probe', 'rule', 'ingest', 'report', 'collect']);
const BACKENDS: readonly BundledMetricsBackend[] = ['amp', 'timestream'];

/**
 * Bundles every Lambda the way `NodejsFunction` will (ESBUILD_OPTIONS and the metric store's define
 * from lib/function-bundling.ts): one minified ESM file per function with its source map, under
 * `outDir/<name>/index.mjs`. A function that opens the metric store is built for each store
 * (`rule-amp`, `rule-timestream`); the deliver function for each channel kind (`deliver-slack`, …).
 * Used by the Node 24 smoke test and the bundle benchmark.
 */
export async function bundleLambdas(outDir: string): Promise<BuiltLambda[]> {
  const builds = bundleEntries().flatMap(({ name, entry }) =>
    STORE_READERS.has(name)
      ? BACKENDS.map((backend) => ({ name: `${name}-${backend}`, entry, backend }))
      : // The store's define changes nothing in these; the default store's is given for likeness.
        [{ name, entry, backend: 'amp' as const }],
  );
  return Promise.all(
    builds.map(async ({ name, entry, backend }) => {
      const file = join(outDir, name, 'index.mjs');
      const result = await build({
        ...ESBUILD_OPTIONS,
        mainFields: [...ESBUILD_OPTIONS.mainFields],
        external: [...ESBUILD_OPTIONS.external],
        define: bundleDefines(backend),
        absWorkingDir: root,
        entryPoints: [entry],
        outfile: file,
        logLevel: 'warning',
        metafile: true,
      });
      const output = Object.values(result.metafile.outputs).find((candidate) => candidate.entryPoint !== undefined)!;
      // Only what made it into the file: a module imported but tree-shaken away has 0 bytes here.
      const inputs = Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path);
      const imports = Object.fromEntries(
        Object.entries(result.metafile.inputs).map(([path, input]) => [path, input.imports.map((i) => i.path)]),
      );
      return { name, file, bytes: statSync(file).size, inputs, modules: Object.keys(result.metafile.inputs), imports };
    }),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? join(root, 'dist', 'lambdas');
  for (const built of await bundleLambdas(out))
    console.log(`${built.name.padEnd(18)} ${(built.bytes / 1024).toFixed(0).padStart(6)} KB  ${built.file}`);
}

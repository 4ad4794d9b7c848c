import { build, type Metafile } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { configSchemaFingerprint } from './config-fingerprint.js';
import { sdkSchemaKeysPlugin } from './sdk-schema-keys.js';

/**
 * How every Lambda is bundled, in one place: `bundleLambda()` runs the local esbuild with
 * `ESBUILD_OPTIONS` and the SDK schema plugin. The stack's functions are built by it at synth
 * (lib/function-code.ts, through scripts/bundle-lambda.ts), and so are the bundles the Node 24
 * smoke test loads and the benchmark measures (scripts/bundle-lambdas.ts): what is measured is
 * what deploys.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The Lambda runtime's Node major; esbuild's target follows it. */
export const LAMBDA_NODE_TARGET = 'node24';

/**
 * ESM output still meets CommonJS dependencies that call `require` (the AWS SDK's transitive
 * deps); this shim gives them one. Named so it cannot collide with a bundled `require`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __pflowCreateRequire } from 'node:module'; const require = __pflowCreateRequire(import.meta.url);";

/** What `@aws-sdk/credential-provider-node` resolves to in a Lambda bundle. */
export const LAMBDA_CREDENTIALS_MODULE = './lambdas/shared/lambda-credentials.ts';

/** esbuild options of every bundle (esbuild's names); `bundleLambda()` adds the plugin, the defines and the files. */
export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: LAMBDA_NODE_TARGET,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  // The AWS SDK is bundled, not taken from the runtime: a pinned version and a faster cold start
  // (one file instead of the runtime's module resolution).
  external: [] as string[],
  legalComments: 'none',
  // Lambda gives the role's credentials in environment variables; the SDK's full default chain is
  // replaced by a small provider (see lambdas/shared/lambda-credentials.ts). Relative to the
  // repository root, where esbuild runs.
  alias: { '@aws-sdk/credential-provider-node': LAMBDA_CREDENTIALS_MODULE },
} as const;

/** The metric stores a bundle can be built for (PFLOW_METRICS_BACKEND's values in AWS). */
export type BundledMetricsBackend = 'timestream' | 'amp';

/**
 * esbuild `define`s of a bundle: built for one metric store (lambdas/shared/metric-store.ts tests
 * this expression, so esbuild drops the other store's adapter and SDK clients, about 30–45 KB), and
 * for the config schema synth writes with (lambdas/shared/config.ts refuses a config stamped with
 * another: lib/config-fingerprint.ts).
 */
export function bundleDefines(backend: BundledMetricsBackend): Record<string, string> {
  return {
    'process.env.PFLOW_BUNDLE_METRICS_BACKEND': JSON.stringify(backend),
    'process.env.PFLOW_BUNDLE_CONFIG_SCHEMA': JSON.stringify(configSchemaFingerprint()),
  };
}

/** What `bundleLambda()` builds: one entry file into one minified ESM file, its source map beside it. */
export interface LambdaBundleRequest {
  /** The handler's file, relative to the repository root (LAMBDA_ENTRIES, DELIVER_ENTRIES). */
  readonly entry: string;
  /** Where the bundle is written (`index.mjs`, for the `index.handler` the functions name). */
  readonly outfile: string;
  /** `bundleDefines(backend)`: given by the caller, so a synth computes the schema fingerprint once. */
  readonly define: Readonly<Record<string, string>>;
}

/**
 * Bundles one function. esbuild's JavaScript API rather than its command line (which
 * `NodejsFunction` runs), for the plugin: with it the SDK clients' unused operation schemas are
 * dropped (lib/sdk-schema-keys.ts; about 60 KB in each function with the S3 client). Returns
 * esbuild's metafile, for the size checks.
 */
export async function bundleLambda(request: LambdaBundleRequest): Promise<Metafile> {
  const result = await build({
    ...ESBUILD_OPTIONS,
    mainFields: [...ESBUILD_OPTIONS.mainFields],
    external: [...ESBUILD_OPTIONS.external],
    alias: { ...ESBUILD_OPTIONS.alias },
    define: { ...request.define },
    plugins: [sdkSchemaKeysPlugin],
    absWorkingDir: ROOT,
    entryPoints: [request.entry],
    outfile: request.outfile,
    logLevel: 'warning',
    metafile: true,
  });
  return result.metafile;
}

import { basename } from 'node:path';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { DEFAULT_CONFIG_FILE } from '../lambdas/shared/environment.js';
import { configSchemaFingerprint } from './config-fingerprint.js';

/**
 * How every Lambda is bundled, in one place: `NodejsFunction` uses `lambdaBundling()`, and
 * `scripts/bundle-lambdas.ts` (the Node 24 smoke test and the bundle benchmarks) runs esbuild with
 * `ESBUILD_OPTIONS`, the same settings spelled in esbuild's own names, so what is measured here is
 * what deploys.
 */

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

/** esbuild options (esbuild's names) matching `lambdaBundling()`. */
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

/**
 * `NodejsFunction` bundling for every PerformanceFlow function. `configJsonPath` is the deployment
 * config as synth validated and normalised it (`CloudDeployment.bundledConfig`, `${NAME}`
 * unresolved); it is copied into the bundle as
 * `PFLOW_CONFIG_FILE` (default `pflow-config.json`), where the handlers read it at cold start.
 * `metricsBackend` is the deployment's store: only its adapter is bundled.
 */
export function lambdaBundling(
  configJsonPath: string,
  metricsBackend: BundledMetricsBackend,
  configFileName: string = DEFAULT_CONFIG_FILE,
): BundlingOptions {
  if (basename(configFileName) !== configFileName) {
    throw new Error(`config file name must be a bare file name, got ${JSON.stringify(configFileName)}`);
  }
  return {
    minify: ESBUILD_OPTIONS.minify,
    sourceMap: ESBUILD_OPTIONS.sourcemap,
    sourcesContent: ESBUILD_OPTIONS.sourcesContent,
    target: ESBUILD_OPTIONS.target,
    format: OutputFormat.ESM,
    mainFields: [...ESBUILD_OPTIONS.mainFields],
    banner: ESM_REQUIRE_BANNER,
    bundleAwsSDK: true,
    define: bundleDefines(metricsBackend),
    externalModules: [],
    esbuildArgs: {
      '--alias': Object.entries(ESBUILD_OPTIONS.alias).map(([from, to]) => `${from}=${to}`),
    },
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        `cp ${shellQuote(configJsonPath)} ${shellQuote(`${outputDir}/${configFileName}`)}`,
      ],
    },
  };
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

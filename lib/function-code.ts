import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type ILocalBundling } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { DEFAULT_CONFIG_FILE } from '../lambdas/shared/environment.js';
import { bundleDefines, type BundledMetricsBackend } from './function-bundling.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE_SCRIPT = join(ROOT, 'scripts/bundle-lambda.ts');

/**
 * A function's code asset, bundled at synth by the local esbuild (`bundleLambda()`, run through
 * scripts/bundle-lambda.ts: CDK's local bundling is synchronous, esbuild's plugins are not):
 * `index.mjs` and its source map, built for the deployment's metric store, with the deployment
 * config as synth validated and normalised it (`CloudDeployment.bundledConfig`, `${NAME}`
 * unresolved) copied in as `configFileName` (PFLOW_CONFIG_FILE, default `pflow-config.json`), where
 * the handlers read it at cold start. The asset is named by the hash of that output, as
 * `NodejsFunction`'s are.
 */
export function bundledLambdaCode(
  entry: string,
  configJsonPath: string,
  metricsBackend: BundledMetricsBackend,
  configFileName: string = DEFAULT_CONFIG_FILE,
): Code {
  if (basename(configFileName) !== configFileName) {
    throw new Error(`config file name must be a bare file name, got ${JSON.stringify(configFileName)}`);
  }
  return Code.fromAsset(ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the API, never run: the local bundling either builds the bundle or stops synth
      // with the reason (no Docker on the build machines).
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: new LocalLambdaBundling(entry, bundleDefines(metricsBackend), configJsonPath, configFileName),
    },
  });
}

/**
 * The local bundling of one function. Its fields are what tells one function's asset from
 * another's: CDK reuses a bundle within a synth when the asset's source path and bundling options
 * serialise the same, and every function's source path is the repository root.
 */
class LocalLambdaBundling implements ILocalBundling {
  constructor(
    readonly entry: string,
    readonly define: Readonly<Record<string, string>>,
    readonly configJsonPath: string,
    readonly configFileName: string,
  ) {}

  tryBundle(outputDir: string): boolean {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', BUNDLE_SCRIPT, this.entry, join(outputDir, 'index.mjs'), JSON.stringify(this.define)],
      { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (result.error) throw result.error;
    if (result.status !== 0) {
      throw new Error(
        `bundling ${this.entry} failed: scripts/bundle-lambda.ts ended with ${result.status ?? result.signal}`,
      );
    }
    copyFileSync(this.configJsonPath, join(outputDir, this.configFileName));
    return true;
  }
}

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { parseConfigForDeployment } from '../src/domain/config/deploy.js';
import { secretReadersOf } from '../src/domain/config/bundled.js';
import { ConfigError } from '../src/domain/errors.js';
import { configSchemaFingerprint } from '../lib/config-fingerprint.js';
import { PerformanceFlowStack } from '../lib/performance-flow-stack.js';

/**
 * The CDK app: `npx cdk deploy -c config=FILE` (default config/aws-example.yaml). The file is
 * validated like `pflow validate` (secrets aside: they live in Secrets Manager); an invalid file
 * stops synth with every error. No account or region lookups, so synth works offline.
 */
export const DEFAULT_DEPLOY_CONFIG = 'config/aws-example.yaml';

const app = new App();
const configPath = resolve(String(app.node.tryGetContext('config') ?? DEFAULT_DEPLOY_CONFIG));
let deployment;
try {
  deployment = parseConfigForDeployment(readFileSync(configPath, 'utf8'), configPath);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

// The functions bundle the config as validated and normalised here (`${NAME}` kept, stamped with
// the schema's fingerprint, which each bundle is built with too): a content-addressed copy.
const bundledConfig = deployment.bundledConfig(configSchemaFingerprint());
const bundledDir = resolve(app.outdir, 'pflow-config');
mkdirSync(bundledDir, { recursive: true });
const digest = createHash('sha256').update(bundledConfig).digest('hex').slice(0, 16);
const configJsonPath = join(bundledDir, `${digest}.json`);
writeFileSync(configJsonPath, bundledConfig);

new PerformanceFlowStack(app, String(app.node.tryGetContext('stackName') ?? 'PerformanceFlow'), {
  config: deployment.config,
  secretNames: deployment.secretNames,
  secretReaders: secretReadersOf(bundledConfig, configJsonPath),
  code: { kind: 'bundle', configJsonPath },
});
// cdk-nag runs at synth: a finding without a written acknowledgement fails `cdk synth`.
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app, { verbose: true }),
  new HIPAASecurityChecks(app, { verbose: true }),
);

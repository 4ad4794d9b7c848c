import { readConfigText } from '../adapters/local/config-file.js';
import { parseConfigForDeployment } from '../domain/config/deploy.js';
import { parseAssumptionArgs, withAssumptions } from '../domain/cost/assumptions.js';
import { estimateCost } from '../domain/cost/estimate.js';
import { secretReadersOf } from '../domain/config/bundled.js';
import { renderCostJson, renderCostText } from '../domain/cost/render.js';
import { ConfigError } from '../domain/errors.js';
import { reportRefusal, type CliOutput } from './config.js';

export const COST_FORMATS = ['text', 'json'] as const;
export type CostFormat = (typeof COST_FORMATS)[number];

/**
 * `pflow cost --config FILE`: the monthly AWS estimate of a deployment config, for both metric
 * stores, beside CloudWatch Synthetics. The file is read as `cdk deploy` reads it: `${NAME}` is a
 * Secrets Manager secret (counted), never an environment variable. Exit 0 with the estimate, 1 when
 * the config is refused (same words as every command) or an `--assume` is not understood.
 */
export async function runCost(
  options: { config: string; format: CostFormat; assume?: readonly string[] },
  out: CliOutput,
): Promise<number> {
  const assumed = parseAssumptionArgs(options.assume ?? []);
  if ('errors' in assumed) {
    for (const error of assumed.errors) out.stderr(`${error}\n`);
    return 1;
  }
  const assumptions = withAssumptions(assumed.changes);
  let deployment;
  try {
    deployment = parseConfigForDeployment(await readConfigText(options.config), options.config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportRefusal(options.config, error, out);
    return 1;
  }
  // The secrets' readers as synth records them: a secret only its channel uses is read only there.
  const readers = secretReadersOf(deployment.bundledConfig('pflow-cost'), options.config);
  const estimate = estimateCost(deployment.config, deployment.secretNames, assumptions, readers);
  const render = options.format === 'json' ? renderCostJson : renderCostText;
  out.stdout(render(estimate, options.config, assumptions));
  return 0;
}

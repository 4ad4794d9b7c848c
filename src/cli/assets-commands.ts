import { Option, type Command } from 'commander';
import type { AssetStatus } from '../domain/assets/answers.js';
import { systemClock } from '../domain/ports.js';
import { runAssetsFind, runAssetsImport } from './assets.js';
import { runAwsAssetsFind, runAwsAssetsImport } from './assets-aws.js';
import { lifecycleApiClientOrReport, withLifecycleApiOptions, type LifecycleApiFlags } from './lifecycle-api-client.js';
import { loadConfigOrReport, type CliOutput } from './config.js';
import { parseSimulateOptions, runSimulateRtls, type SimulateFlags } from './simulate-rtls.js';

/** `pflow assets import|find`: kept here so main.ts only registers them. */
export function registerAssetCommands(
  program: Command,
  out: CliOutput,
  exitWith: (code: number) => void,
  defaultConfig: string,
): void {
  const assets = program
    .command('assets')
    .description('RF-ID assets: import the registry from CSV, find where they are');
  withLifecycleApiOptions(assets.command('import'))
    .description('import assets from a CSV export (id,tag,type,department,home_zone,site); every bad row by line')
    .argument('<file>', 'CSV file')
    .option('-c, --config <file>', 'site config YAML', defaultConfig)
    .option('--site <id>', 'site of rows without a site column')
    .action(async (file: string, options: { config: string; site?: string } & LifecycleApiFlags) => {
      if (options.aws) {
        const client = lifecycleApiClientOrReport(options, out, exitWith);
        if (client === undefined) return;
        return exitWith(
          await runAwsAssetsImport(client, { file, ...(options.site !== undefined && { site: options.site }) }, out),
        );
      }
      const config = await loadConfigOrReport(options.config, out);
      if (!config) return exitWith(1);
      exitWith(
        await runAssetsImport(
          { file, config, clock: systemClock, ...(options.site !== undefined && { site: options.site }) },
          out,
        ),
      );
    });
  withLifecycleApiOptions(assets.command('find'))
    .description('where is it: by id, or by type ("nearest available infusion pump on floor 3")')
    .argument('[id]', 'asset id')
    .option('-c, --config <file>', 'site config YAML', defaultConfig)
    .option('--type <type>', 'asset type, e.g. infusion-pump')
    .option('--floor <floor>', 'put assets on this floor first')
    .option('--site <id>', 'only this site')
    .option('--available', 'only available ones (present, in a storage or clean zone)', false)
    .addOption(
      new Option('--status <status>', 'only this status').choices([
        'present',
        'missing',
        'left_building',
        'never_seen',
      ]),
    )
    .option('--limit <n>', 'at most this many', (text) => Number.parseInt(text, 10))
    .option('--json', 'print JSON', false)
    .action(
      async (
        id: string | undefined,
        options: {
          config: string;
          type?: string;
          floor?: string;
          site?: string;
          available: boolean;
          status?: AssetStatus;
          limit?: number;
          json: boolean;
        } & LifecycleApiFlags,
      ) => {
        const { config: _file, aws, apiUrl, outputsFile, region, ...question } = options;
        if (aws) {
          const client = lifecycleApiClientOrReport({ aws, apiUrl, outputsFile, region }, out, exitWith);
          if (client === undefined) return;
          return exitWith(
            await runAwsAssetsFind(client, { ...question, ...(id !== undefined && { id }), clock: systemClock }, out),
          );
        }
        const config = await loadConfigOrReport(options.config, out);
        if (!config) return exitWith(1);
        exitWith(await runAssetsFind({ ...options, ...(id !== undefined && { id }), config, clock: systemClock }, out));
      },
    );

  program
    .command('simulate')
    .description('simulated traffic for demos and load tests')
    .command('rtls')
    .description(
      "a hospital wing's RTLS traffic (assets moving between zones, one going missing, batteries draining, patients passing stages) into an RTLS HTTP input or an MQTT broker",
    )
    .option('--url <url>', 'POST to this RTLS HTTP input, e.g. http://127.0.0.1:8181/tags')
    .option('--mqtt <url>', 'publish to this broker, e.g. mqtt://127.0.0.1:1883')
    .option('--topic <topic>', 'MQTT topic to publish on (with --mqtt)')
    .option('--bearer-token-env <name>', "environment variable holding the HTTP input's bearer token")
    .option('--site <id>', 'site id in the simulated registry', 'site-a')
    .option('--tags <n>', 'asset tags in the wing (ids T-000001…)', '200')
    .option('--rate <n>', 'events per second over all tags (default: every tag every 5 s)')
    .option('--duration <d>', 'stop after this long, e.g. 5m (default: until Ctrl-C)')
    .option('--seed <n>', 'same seed, same traffic', '1')
    .option('--patients-per-hour <n>', 'anonymous patient tags arriving per hour', '40')
    .action(async (flags: SimulateFlags & { bearerTokenEnv?: string }) => {
      const options = parseSimulateOptions(flags);
      if ('error' in options) {
        out.stderr(`${options.error}\n`);
        return exitWith(2);
      }
      const bearer = flags.bearerTokenEnv === undefined ? undefined : process.env[flags.bearerTokenEnv];
      if (flags.bearerTokenEnv !== undefined && bearer === undefined) {
        out.stderr(`--bearer-token-env: ${flags.bearerTokenEnv} is not set\n`);
        return exitWith(2);
      }
      exitWith(await runSimulateRtls(options, out, bearer));
    });
}

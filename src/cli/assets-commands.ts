import { Option, type Command } from 'commander';
import type { AssetStatus } from '../domain/assets/answers.js';
import { systemClock } from '../domain/ports.js';
import { runAssetsFind, runAssetsImport } from './assets.js';
import { loadConfigOrReport, type CliOutput } from './config.js';

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
  assets
    .command('import')
    .description('import assets from a CSV export (id,tag,type,department,home_zone,site); every bad row by line')
    .argument('<file>', 'CSV file')
    .option('-c, --config <file>', 'site config YAML', defaultConfig)
    .option('--site <id>', 'site of rows without a site column')
    .action(async (file: string, options: { config: string; site?: string }) => {
      const config = await loadConfigOrReport(options.config, out);
      if (!config) return exitWith(1);
      exitWith(
        await runAssetsImport(
          { file, config, clock: systemClock, ...(options.site !== undefined && { site: options.site }) },
          out,
        ),
      );
    });
  assets
    .command('find')
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
        },
      ) => {
        const config = await loadConfigOrReport(options.config, out);
        if (!config) return exitWith(1);
        exitWith(await runAssetsFind({ ...options, ...(id !== undefined && { id }), config, clock: systemClock }, out));
      },
    );
}

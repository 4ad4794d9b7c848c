import { Command, Option } from 'commander';
import { runLocal } from './local.js';
import { runSchema } from './schema.js';
import { runValidate, type CliOutput } from './validate.js';

const DEFAULT_CONFIG = 'config/example.yaml';

const terminal: CliOutput = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

/** The `pflow` command line; each subcommand's work lives in its own file under src/cli/. */
export function buildProgram(out: CliOutput = terminal): Command {
  const program = new Command('pflow')
    .description('PerformanceFlow: probe, store, evaluate and notify for hospital assets')
    .version('0.1.0')
    .showHelpAfterError();
  const exitWith = (code: number) => {
    process.exitCode = code;
  };

  program
    .command('validate')
    .description('check a site config file; prints every error with its path, or a one-line summary')
    .argument('<file>', 'site config YAML')
    .action(async (file: string) => exitWith(await runValidate(file, out)));

  program
    .command('schema')
    .description('print the JSON Schema of the site config (for editor completion)')
    .action(() => exitWith(runSchema(out)));

  program
    .command('local')
    .description('run the whole loop on this machine: probe, store, evaluate, notify')
    .option('-c, --config <file>', 'site config YAML', DEFAULT_CONFIG)
    .addOption(
      new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'),
    )
    .option('--log-json', 'log JSON lines instead of text', false)
    .action(async (options: { config: string; logLevel: 'debug' | 'info' | 'warn' | 'error'; logJson: boolean }) =>
      exitWith(await runLocal(options, out)),
    );

  return program;
}

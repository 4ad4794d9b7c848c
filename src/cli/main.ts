import { runAwsDeadLetters } from './dead-letters-aws.js';
import { runAwsNotifyTest } from './notify-test-aws.js';
import { Command, Option } from 'commander';
import { consoleLogger } from '../adapters/local/console-logger.js';
import { deliveryDatabasePath } from '../adapters/local/sqlite-delivery.js';
import { systemClock } from '../domain/ports.js';
import { siteTimezones } from '../domain/config/model.js';
import { PRICE_REGION } from '../domain/cost/prices.js';
import { loadDataDirOrReport } from './data-dir.js';
import { loadConfigOrReport } from './config.js';
import { COST_FORMATS, runCost, type CostFormat } from './cost.js';
import { runLocal } from './local.js';
import { runDeadLetters, runNotifyTest } from './notify.js';
import { runSchema } from './schema.js';
import { registerAgentCheck } from './agent-check.js';
import { registerAgentCommands } from './agent-commands.js';
import { registerAgentInstall } from './agent-install.js';
import { registerAgentTokenCommands } from './agent-token-commands.js';
import { registerAssetCommands } from './assets-commands.js';
import { registerLifecycleCommands } from './lifecycle-commands.js';
import { REPORT_FORMATS, runReport, type ReportFormat } from './report.js';
import { runValidate, type CliOutput } from './validate.js';

const DEFAULT_CONFIG = 'config/example.yaml';

const terminal: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
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
      // Exit explicitly: a send abandoned at the shutdown grace may still hold a timer or socket.
      process.exit(await runLocal(options, out)),
    );

  program
    .command('cost')
    .description('monthly AWS estimate of a deployment config: both metric stores, and CloudWatch Synthetics beside it')
    .requiredOption('-c, --config <file>', 'site config YAML (as deployed: ${NAME} is a secret)')
    .addOption(
      new Option('--region <region>', 'AWS region of the prices').choices([PRICE_REGION]).default(PRICE_REGION),
    )
    .addOption(new Option('--format <format>', 'output').choices(COST_FORMATS).default('text'))
    .option('--assume <key=value...>', 'replace an assumption, e.g. agentSeries=1000 (the output lists them)')
    .action(async (options: { config: string; format: CostFormat; assume?: string[] }) =>
      exitWith(await runCost(options, out)),
    );

  const notify = program.command('notify').description('notification channels: send a test, inspect dead letters');
  notify
    .command('test')
    .description('send a clearly marked test notification through one configured channel and print the outcome')
    .option('-c, --config <file>', 'site config YAML', DEFAULT_CONFIG)
    .requiredOption('--channel <id>', 'channel id from the config')
    .option('--aws', 'through the deployed stack: publish on its alert topic, routed to this channel only', false)
    .option('--topic-arn <arn>', "with --aws: the stack's AlertTopicArn output")
    .action(async (options: { config: string; channel: string; aws: boolean; topicArn?: string }) => {
      if (options.aws) {
        return exitWith(
          await runAwsNotifyTest({
            configPath: options.config,
            channelId: options.channel,
            topicArn: options.topicArn,
            out,
          }),
        );
      }
      const config = await loadConfigOrReport(options.config, out);
      if (!config) return exitWith(1);
      exitWith(
        await runNotifyTest({
          config,
          channelId: options.channel,
          out,
          deps: {
            clock: systemClock,
            logger: consoleLogger({ level: 'warn', write: (line) => out.stderr(`${line}\n`) }),
            dataDir: config.local.dataDir,
            timezoneFor: siteTimezones(config.sites),
            stdout: (line) => out.stdout(`${line}\n`),
          },
        }),
      );
    });
  notify
    .command('dead-letters')
    .description('list notifications that could not be delivered, and why; --retry re-queues them')
    .option('-c, --config <file>', 'site config YAML (for its data directory)', DEFAULT_CONFIG)
    .option('--retry', 're-queue every dead letter with a fresh attempt budget', false)
    .option('--aws', "the deployed stack's SQS dead-letter queues instead of the local store", false)
    .option('--queue-url <url...>', 'with --aws: the dead-letter queue URL(s) to inspect')
    .option('--to <url>', 'with --aws --retry: re-send to this queue instead of the original one')
    .action(async (options: { config: string; retry: boolean; aws: boolean; queueUrl?: string[]; to?: string }) => {
      if (options.aws) {
        exitWith(
          await runAwsDeadLetters({
            queueUrls: options.queueUrl ?? [],
            retry: options.retry,
            ...(options.to !== undefined ? { to: options.to } : {}),
            out,
          }),
        );
        return;
      }
      // Listing reads local files only, so it needs no channel secrets; --retry checks the whole config.
      const dataDir = options.retry
        ? (await loadConfigOrReport(options.config, out))?.local.dataDir
        : await loadDataDirOrReport(options.config, out);
      if (dataDir === undefined) return exitWith(1);
      exitWith(await runDeadLetters({ dbPath: deliveryDatabasePath(dataDir), retry: options.retry, out }));
    });

  registerAssetCommands(program, out, exitWith, DEFAULT_CONFIG);
  registerLifecycleCommands(program, out, exitWith, DEFAULT_CONFIG);
  const agent = registerAgentCommands(program, out);
  registerAgentCheck(agent, out, exitWith);
  registerAgentInstall(agent, out, exitWith);

  program
    .command('report')
    .description("print (or --send) one site's daily report from the local store")
    .requiredOption('--site <id>', 'site id')
    .option('--day <date>', "YYYY-MM-DD; default: yesterday in the site's time zone")
    .option('-c, --config <file>', 'site config YAML', DEFAULT_CONFIG)
    .addOption(new Option('--format <format>', 'what to print').choices(REPORT_FORMATS).default('text'))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option(
      '--send',
      "send it to the channels of the site's report (reports: section), once per day and channel",
      false,
    )
    .action(
      async (options: {
        site: string;
        day?: string;
        config: string;
        format: ReportFormat;
        output?: string;
        send: boolean;
      }) => {
        const config = await loadConfigOrReport(options.config, out);
        if (!config) return exitWith(1);
        exitWith(
          await runReport(
            {
              config,
              site: options.site,
              format: options.format,
              clock: systemClock,
              send: options.send,
              ...(options.day !== undefined && { day: options.day }),
              ...(options.output !== undefined && { output: options.output }),
            },
            out,
          ),
        );
      },
    );
  registerAgentTokenCommands(program, out, exitWith, DEFAULT_CONFIG);

  return program;
}

import type { Command } from 'commander';
import { systemClock } from '../domain/ports.js';
import type { CliOutput } from './config.js';
import { loadDataDirOrReport } from './data-dir.js';
import { runSilenceAdd, runSilenceExpire, runSilenceList } from './silence.js';
import { runAlertsAck, runAlertsList } from './alerts.js';
import { registerOnCallCommands } from './oncall-commands.js';
import { loadConfigOrReport } from './config.js';
import { lifecycleApiClientOrReport, withLifecycleApiOptions, type LifecycleApiFlags } from './lifecycle-api-client.js';
import { runAwsAlertsAck, runAwsSilenceAdd, runAwsSilenceExpire, runAwsSilenceList } from './lifecycle-aws.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `pflow silence …` (and the alert life-cycle commands): kept here so main.ts only registers them. */
export function registerLifecycleCommands(
  program: Command,
  out: CliOutput,
  exitWith: (code: number) => void,
  defaultConfig: string,
): void {
  const awsClient = (flags: LifecycleApiFlags) => lifecycleApiClientOrReport(flags, out, exitWith);

  const silence = program
    .command('silence')
    .description('run-time silences: hold notifications of matching alerts for a while, with author and comment');
  withLifecycleApiOptions(silence.command('add'))
    .description('silence matching alerts; prints the new silence id')
    .option('-c, --config <file>', 'site config YAML (for its data directory)', defaultConfig)
    .requiredOption(
      '-m, --match <matcher>',
      'label matcher, e.g. probe="pfsw-login" (repeat for more; all must match)',
      collect,
    )
    .option('--for <duration>', 'how long, e.g. 2h')
    .option('--until <time>', 'ISO 8601 end, e.g. 2026-12-02T06:00:00Z')
    .option('--start <time>', 'ISO 8601 start (default now)')
    .option('--author <name>', 'who silences (default $USER)')
    .requiredOption('--comment <text>', 'why')
    .action(
      async (
        options: {
          config: string;
          match: string[];
          for?: string;
          until?: string;
          start?: string;
          author?: string;
          comment: string;
        } & LifecycleApiFlags,
      ) => {
        const author = options.author ?? process.env.USER;
        // The same silence either way: to the AWS lifecycle API, or into the local data directory.
        const request = {
          match: options.match,
          comment: options.comment,
          ...(author !== undefined && { author }),
          ...(options.for !== undefined && { for: options.for }),
          ...(options.until !== undefined && { until: options.until }),
          ...(options.start !== undefined && { start: options.start }),
        };
        if (options.aws) {
          const client = awsClient(options);
          if (client === undefined) return;
          return exitWith(await runAwsSilenceAdd(client, request, out));
        }
        const dataDir = await loadDataDirOrReport(options.config, out);
        if (dataDir === undefined) return exitWith(1);
        exitWith(runSilenceAdd({ dataDir, clock: systemClock, ...request }, out));
      },
    );
  withLifecycleApiOptions(silence.command('list'))
    .description('active and pending run-time silences (--all: ended ones too)')
    .option('-c, --config <file>', 'site config YAML (for its data directory)', defaultConfig)
    .option('--all', 'include ended and expired silences', false)
    .option('--json', 'print JSON', false)
    .action(async (options: { config: string; all: boolean; json: boolean } & LifecycleApiFlags) => {
      if (options.aws) {
        const client = awsClient(options);
        if (client === undefined) return;
        return exitWith(await runAwsSilenceList(client, { all: options.all, json: options.json }, out));
      }
      const dataDir = await loadDataDirOrReport(options.config, out);
      if (dataDir === undefined) return exitWith(1);
      exitWith(runSilenceList({ dataDir, clock: systemClock, all: options.all, json: options.json }, out));
    });
  withLifecycleApiOptions(silence.command('expire'))
    .description('end a run-time silence now')
    .argument('<id>', 'silence id')
    .option('-c, --config <file>', 'site config YAML (for its data directory)', defaultConfig)
    .option('--by <name>', 'who ends it (default $USER)')
    .action(async (id: string, options: { config: string; by?: string } & LifecycleApiFlags) => {
      const by = options.by ?? process.env.USER;
      if (options.aws) {
        const client = awsClient(options);
        if (client === undefined) return;
        return exitWith(await runAwsSilenceExpire(client, { id, ...(by !== undefined && { by }) }, out));
      }
      const dataDir = await loadDataDirOrReport(options.config, out);
      if (dataDir === undefined) return exitWith(1);
      exitWith(runSilenceExpire({ dataDir, clock: systemClock, id, ...(by !== undefined && { by }) }, out));
    });

  const alerts = program
    .command('alerts')
    .description('active alerts: list, acknowledge, take an acknowledgement back');
  const apiOf = (listen: string) => `http://${listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
  for (const undo of [false, true]) {
    const command = withLifecycleApiOptions(alerts.command(undo ? 'unack' : 'ack'))
      .description(
        undo
          ? 'take an acknowledgement back: reminders and escalation resume (audited)'
          : 'acknowledge an alert: no reminders or escalation, and the channels told hear who and why',
      )
      .argument('<alert>', 'alert key rule/fingerprint (see pflow alerts list), or a rule id with one active alert')
      .option('-c, --config <file>', 'site config YAML (for the API address and data directory)', defaultConfig)
      .option('--api <url>', 'the runtime API URL (default: from local.api_listen)')
      .requiredOption('--by <name>', 'who')
      .requiredOption('--reason <text>', 'why');
    if (!undo) command.option('--expires <duration>', 'the acknowledgement ends after this long, e.g. 4h');
    command.action(
      async (
        alert: string,
        options: { config: string; api?: string; by: string; reason: string; expires?: string } & LifecycleApiFlags,
      ) => {
        // The same request either way: to the AWS lifecycle API, or to the local runtime's.
        const request = {
          alert,
          by: options.by,
          reason: options.reason,
          ...(options.expires !== undefined && { expires: options.expires }),
          undo,
        };
        if (options.aws) {
          const client = awsClient(options);
          if (client === undefined) return;
          return exitWith(await runAwsAlertsAck(client, request, out));
        }
        const config = await loadConfigOrReport(options.config, out);
        if (!config) return exitWith(1);
        exitWith(
          await runAlertsAck(
            { api: options.api ?? apiOf(config.local.apiListen), dataDir: config.local.dataDir, ...request },
            out,
          ),
        );
      },
    );
  }
  alerts
    .command('list')
    .description('active alerts with their keys and last acknowledgement')
    .option('-c, --config <file>', 'site config YAML (for the API address)', defaultConfig)
    .option('--api <url>', 'the runtime API URL (default: from local.api_listen)')
    .action(async (options: { config: string; api?: string }) => {
      const config = await loadConfigOrReport(options.config, out);
      if (!config) return exitWith(1);
      exitWith(await runAlertsList({ api: options.api ?? apiOf(config.local.apiListen) }, out));
    });

  registerOnCallCommands(program, out, exitWith, defaultConfig);
}

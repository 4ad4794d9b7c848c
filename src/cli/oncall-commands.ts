import type { Command } from 'commander';
import { systemClock } from '../domain/ports.js';
import { loadConfigOrReport, type CliOutput } from './config.js';
import { lifecycleApiClientOrReport, withLifecycleApiOptions, type LifecycleApiFlags } from './lifecycle-api-client.js';
import {
  awsOnCall,
  localOnCall,
  runOnCallWho,
  runOverrideAdd,
  runOverrideList,
  runOverrideRemove,
  type OnCallTransport,
} from './oncall.js';

interface TransportFlags extends LifecycleApiFlags {
  readonly config: string;
}

function withTransportOptions(command: Command, defaultConfig: string): Command {
  return withLifecycleApiOptions(
    command.option('-c, --config <file>', 'site config YAML (its schedules and data directory)', defaultConfig),
  );
}

/**
 * `pflow oncall who` and `pflow oncall override add|list|remove`: on pflow.db (the config's
 * schedules, seeded, and the run-time overrides), or with --aws on the deployment's lifecycle table
 * through its API.
 */
export function registerOnCallCommands(
  program: Command,
  out: CliOutput,
  exitWith: (code: number) => void,
  defaultConfig: string,
): void {
  /** Where the calls go, or undefined after saying why not (exit 2 for a bad flag, 1 for a bad config). */
  const transportFor = async (flags: TransportFlags): Promise<OnCallTransport | undefined> => {
    if (flags.aws) {
      const client = lifecycleApiClientOrReport(flags, out, exitWith);
      return client === undefined ? undefined : awsOnCall(client);
    }
    const config = await loadConfigOrReport(flags.config, out);
    if (!config) {
      exitWith(1);
      return undefined;
    }
    return localOnCall(config, systemClock);
  };

  const oncall = program
    .command('oncall')
    .description('on-call schedules: who is on call, and run-time overrides for swaps and holidays');
  withTransportOptions(oncall.command('who'), defaultConfig)
    .description('who is on call for a team, now or at a time (overrides included)')
    .requiredOption('--team <team>', 'team of an oncall: schedule')
    .option('--at <time>', "date-time, local to the team's zone (2026-12-24T20:00) or with an offset")
    .option('--json', 'print JSON', false)
    .action(async (options: TransportFlags & { team: string; at?: string; json: boolean }) => {
      const transport = await transportFor(options);
      if (transport === undefined) return;
      exitWith(
        await runOnCallWho(
          { transport, team: options.team, json: options.json, ...(options.at !== undefined && { at: options.at }) },
          out,
        ),
      );
    });

  const override = oncall
    .command('override')
    .description('run-time overrides: someone else on call for a while (a swap, holiday cover)');
  withTransportOptions(override.command('add'), defaultConfig)
    .description('put a member on call instead of the rotation from one time to another; prints the override id')
    .requiredOption('--team <team>', 'team of an oncall: schedule')
    .requiredOption('--who <name>', "the member on call instead (a name in the team's members)")
    .requiredOption('--from <time>', "start, local to the team's zone (2026-12-24T18:00) or with an offset")
    .requiredOption('--to <time>', 'end, the same way')
    .option('--reason <text>', 'why (a swap, a holiday)')
    .option('--by <name>', 'who makes the override (default $USER)')
    .action(
      async (
        options: TransportFlags & { team: string; who: string; from: string; to: string; reason?: string; by?: string },
      ) => {
        const transport = await transportFor(options);
        if (transport === undefined) return;
        const by = options.by ?? process.env.USER;
        exitWith(
          await runOverrideAdd(
            {
              transport,
              team: options.team,
              who: options.who,
              from: options.from,
              to: options.to,
              ...(by !== undefined && { by }),
              ...(options.reason !== undefined && { reason: options.reason }),
            },
            out,
          ),
        );
      },
    );
  withTransportOptions(override.command('list'), defaultConfig)
    .description('current and coming overrides (--all: ended and removed ones too)')
    .option('--team <team>', 'one team (default: every team)')
    .option('--all', 'include ended and removed overrides', false)
    .option('--json', 'print JSON', false)
    .action(async (options: TransportFlags & { team?: string; all: boolean; json: boolean }) => {
      const transport = await transportFor(options);
      if (transport === undefined) return;
      exitWith(
        await runOverrideList(
          {
            transport,
            all: options.all,
            json: options.json,
            ...(options.team !== undefined && { team: options.team }),
          },
          out,
        ),
      );
    });
  withTransportOptions(override.command('remove'), defaultConfig)
    .description('end an override now (it is kept, marked removed)')
    .argument('<id>', 'override id (see override list)')
    .requiredOption('--team <team>', 'the team the override is for')
    .option('--by <name>', 'who removes it (default $USER)')
    .action(async (id: string, options: TransportFlags & { team: string; by?: string }) => {
      const transport = await transportFor(options);
      if (transport === undefined) return;
      const by = options.by ?? process.env.USER;
      exitWith(await runOverrideRemove({ transport, team: options.team, id, ...(by !== undefined && { by }) }, out));
    });
}

import { Command } from 'commander';

/** The `pflow` command line; each subcommand lives in its own file under src/cli/. */
export function buildProgram(): Command {
  const program = new Command('pflow').description('PerformanceFlow: probe, store, evaluate, notify').version('0.1.0');
  return program;
}

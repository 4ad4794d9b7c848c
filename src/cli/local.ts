import { consoleLogger } from '../adapters/local/console-logger.js';
import { systemClock } from '../domain/ports.js';
import { ListenError } from '../runtime/listen.js';
import { LocalRuntime } from '../runtime/local-runtime.js';
import { loadConfigOrReport, type CliOutput } from './config.js';
import { localBanner } from './banner.js';

export interface LocalOptions {
  readonly config: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly logJson: boolean;
}

/**
 * `pflow local`: runs the whole loop on this machine until SIGINT/SIGTERM, then stops cleanly —
 * in-flight probes finish, deliveries complete or are queued, buffered results are written.
 */
export async function runLocal(options: LocalOptions, out: CliOutput): Promise<number> {
  const config = await loadConfigOrReport(options.config, out);
  if (!config) return 1;
  const logger = consoleLogger({
    level: options.logLevel,
    json: options.logJson,
    write: (line) => out.stderr(`${line}\n`),
  });
  const runtime = new LocalRuntime(config, { clock: systemClock, logger, stdout: (line) => out.stdout(`${line}\n`) });
  let urls;
  try {
    urls = await runtime.start();
  } catch (error) {
    if (!(error instanceof ListenError)) throw error;
    out.stderr(`${error.message}\n${options.config}: nothing was started\n`);
    await runtime.stop();
    return 1;
  }
  // Listen for the stop signal before saying we are up: a signal sent on seeing the banner must stop cleanly.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      logger.info('stopping', { signal });
      resolve();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  out.stdout(localBanner(config, urls));
  await stopped;
  await runtime.stop();
  logger.info('stopped cleanly');
  return 0;
}

import { consoleLogger } from '../adapters/local/console-logger.js';
import { systemClock } from '../domain/ports.js';
import { LocalRuntime } from '../runtime/local-runtime.js';
import { loadConfigOrReport, type CliOutput } from './config.js';
import { summarise } from './validate.js';

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
  const urls = await runtime.start();
  out.stdout(
    [
      `PerformanceFlow local runtime — ${summarise(config)}`,
      `  API          ${urls.api}/api/probes  ${urls.api}/api/alerts  ${urls.api}/api/events`,
      ...(urls.demoTarget ? [`  demo target  ${urls.demoTarget}/health (up, then down, on a fixed cycle)`] : []),
      `  data         ${urls.dataDir} (SQLite ${urls.database}; log drop under ${urls.dataDir}/logdrop)`,
      '  Ctrl-C stops cleanly.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
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
  await runtime.stop();
  logger.info('stopped cleanly');
  return 0;
}

import { consoleLogger } from '../adapters/local/console-logger.js';
import { systemClock } from '../domain/ports.js';
import { dashboardLinkBase } from '../domain/rules/dashboard-links.js';
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
  // Alerts link to this Grafana's dashboards when set, to the console otherwise; checked before anything starts.
  const grafanaUrl = process.env.PFLOW_GRAFANA_URL || undefined;
  if (grafanaUrl !== undefined) {
    try {
      dashboardLinkBase('grafana', grafanaUrl);
    } catch (error) {
      out.stderr(`PFLOW_GRAFANA_URL: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  }
  const runtime = new LocalRuntime(config, {
    clock: systemClock,
    logger,
    stdout: (line) => out.stdout(`${line}\n`),
    ...(grafanaUrl !== undefined && { grafanaUrl }),
  });
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
  // A second signal exits at once: safe, because every notification is durable by then (see abort()).
  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        logger.info('stopping (a second signal exits at once; nothing undelivered is lost)', { signal });
        resolve();
        return;
      }
      logger.warn('second stop signal: exiting now; undelivered notifications are sent at the next start', {
        signal,
      });
      runtime.abort();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  out.stdout(localBanner(config, urls));
  await stopped;
  await runtime.stop();
  logger.info('stopped cleanly');
  return 0;
}

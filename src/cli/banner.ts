import { logDropRoot } from '../channels/logdrop/logdrop.js';
import type { LogDropSettings } from '../channels/logdrop/settings.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import type { LocalRuntimeUrls } from '../runtime/local-runtime.js';
import { summarise } from './validate.js';

/**
 * What `pflow local` prints once it is up: where the API and its health check answer, the demo
 * target if there is one, where data goes, and the log drop directories of the channels that
 * really write one (none, if no channel is a directory log drop).
 */
export function localBanner(config: DeploymentConfig, urls: LocalRuntimeUrls): string {
  const logDrops = config.channels.flatMap((channel) => {
    if (channel.kind !== 'logdrop') return [];
    const settings = channel.settings as LogDropSettings;
    return settings.target === 'directory' ? [`${logDropRoot(settings, urls.dataDir)} (channel ${channel.id})`] : [];
  });
  return [
    `PerformanceFlow local runtime — ${summarise(config)}`,
    `  console      ${urls.api}/console/ (status, probes, alerts)`,
    `  API          ${urls.api}/api/probes  ${urls.api}/api/alerts  ${urls.api}/api/events`,
    `  health       ${urls.api}/api/health`,
    ...(urls.demoTarget ? [`  demo target  ${urls.demoTarget}/health (up, then down, on a fixed cycle)`] : []),
    `  data         ${urls.dataDir} (SQLite ${urls.database})`,
    ...logDrops.map((drop) => `  log drop     ${drop}`),
    '  Ctrl-C stops cleanly.',
    '',
  ].join('\n');
}

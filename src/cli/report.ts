import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SqliteConsoleQueries } from '../adapters/local/sqlite-console.js';
import { deliveryDatabasePath, SqliteDelivery } from '../adapters/local/sqlite-delivery.js';
import { createChannelSender } from '../channels/registry.js';
import { NotificationDispatcher } from '../delivery/dispatcher.js';
import { siteTimezones } from '../domain/config/model.js';
import { reportNotification } from '../domain/report/digest.js';
import { SqliteLifecycleStore } from '../adapters/local/sqlite-lifecycle.js';
import { SqliteReportReads } from '../adapters/local/sqlite-report-reads.js';
import { SqliteStore } from '../adapters/local/sqlite-store.js';
import { SqliteTagStore } from '../adapters/local/sqlite-tags.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import type { Clock, Logger } from '../domain/ports.js';
import type { DailyDigest } from '../domain/report/digest.js';
import { renderReportSlack, renderReportTeams } from '../domain/report/render-chat.js';
import { renderReportEmail } from '../domain/report/render-html.js';
import { renderReportText } from '../domain/report/render-text.js';
import { previousLocalDay, ReportWindowError } from '../domain/report/window.js';
import { AssetService } from '../services/assets.js';
import { DailyReportService, ReportSiteError } from '../services/daily-report.js';
import type { CliOutput } from './config.js';

export const REPORT_FORMATS = ['text', 'html', 'slack', 'teams', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export function renderAs(digest: DailyDigest, format: ReportFormat): string {
  switch (format) {
    case 'text':
      return renderReportText(digest);
    case 'html':
      return renderReportEmail(digest).html;
    case 'slack':
      return `${JSON.stringify(renderReportSlack(digest), null, 2)}\n`;
    case 'teams':
      return `${JSON.stringify(renderReportTeams(digest), null, 2)}\n`;
    case 'json':
      return `${JSON.stringify(digest, null, 2)}\n`;
  }
}

export interface ReportCommandOptions {
  readonly config: DeploymentConfig;
  readonly site: string;
  /** YYYY-MM-DD; default: yesterday in the site's time zone. */
  readonly day?: string;
  readonly format: ReportFormat;
  /** Write here instead of stdout. */
  readonly output?: string;
  readonly clock: Clock;
  /** Send to the channels of the report that covers the site instead of printing. */
  readonly send?: boolean;
}

/**
 * Computes one site's daily report from the local store (`pflow.db` in the data directory), read
 * only: what the runtime writes meanwhile is not disturbed (WAL readers do not block the writer).
 */
export async function withLocalReportService<T>(
  config: DeploymentConfig,
  clock: Clock,
  use: (service: DailyReportService) => Promise<T>,
): Promise<T> {
  const store = new SqliteStore({
    database: join(resolve(config.local.dataDir), 'pflow.db'),
    clock,
    retentionMs: config.storage.retentionMs,
  });
  try {
    const queries = new SqliteConsoleQueries(store.db);
    const assets = config.assets
      ? new AssetService(config.assets, { store: new SqliteTagStore(store.db), clock, logger: quiet })
      : undefined;
    const service = new DailyReportService({
      config,
      reads: new SqliteReportReads(store, queries, new SqliteLifecycleStore(store.db)),
      clock,
      ...(assets && { assets }),
    });
    return await use(service);
  } finally {
    store.close();
  }
}

/** `pflow report --site S [--day D] [--format F] [--output FILE]`. */
export async function runReport(options: ReportCommandOptions, out: CliOutput): Promise<number> {
  const { config, clock } = options;
  const site = config.sites.find((s) => s.id === options.site);
  if (!site) {
    out.stderr(
      `--site: no site ${JSON.stringify(options.site)} (sites: ${config.sites.map((s) => s.id).join(', ')})\n`,
    );
    return 1;
  }
  const day = options.day ?? previousLocalDay(clock.now(), site.timezone);
  const report = config.reports?.find((r) => r.sites.includes(site.id));
  if (options.send && !report) {
    out.stderr(`--send: no report in the reports: section covers site ${site.id}\n`);
    return 1;
  }
  let digest: DailyDigest;
  try {
    digest = await withLocalReportService(config, clock, (service) => service.digest(site.id, day, report));
  } catch (error) {
    if (error instanceof ReportWindowError || error instanceof ReportSiteError) {
      out.stderr(`--${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (options.send && report) return sendReport(config, report.id, report.channels, digest, clock, out);
  const text = renderAs(digest, options.format);
  if (options.output === undefined) {
    out.stdout(text);
  } else {
    await writeFile(options.output, text);
    out.stdout(`${options.output}: daily report of ${site.id} for ${day} (${options.format})\n`);
  }
  return 0;
}

/**
 * Sends a report through the same pipeline as the runtime (delivery.db's log, queue and dead
 * letters): a day already sent to a channel is not sent again, a failure is queued for the runtime.
 */
async function sendReport(
  config: DeploymentConfig,
  reportId: string,
  channelIds: readonly string[],
  digest: DailyDigest,
  clock: Clock,
  out: CliOutput,
): Promise<number> {
  const dataDir = resolve(config.local.dataDir);
  const channels = config.channels.filter((c) => channelIds.includes(c.id));
  const deps = { clock, logger: quiet, dataDir, timezoneFor: siteTimezones(config.sites) };
  const senders = new Map(channels.map((c) => [c.id, createChannelSender(c, deps)]));
  const delivery = SqliteDelivery.open(deliveryDatabasePath(dataDir));
  const dispatcher = new NotificationDispatcher({
    routes: [],
    channels,
    senders,
    delivery: config.delivery,
    queue: delivery.queue,
    log: delivery.log,
    deadLetters: delivery.deadLetters,
    clock,
    logger: quiet,
  });
  try {
    await dispatcher.dispatchReports(channels.map((c) => reportNotification(c.id, reportId, digest)));
    await dispatcher.close();
  } finally {
    await Promise.allSettled([...senders.values()].map((s) => s.close?.()));
    delivery.close();
  }
  const { delivered, queued, deadLettered, duplicatesSkipped } = dispatcher.stats;
  out.stdout(
    `daily report of ${digest.site.id} for ${digest.day}: ${delivered} delivered, ${duplicatesSkipped} already sent, ${queued} queued for retry, ${deadLettered} dead-lettered\n`,
  );
  return deadLettered > 0 ? 1 : 0;
}

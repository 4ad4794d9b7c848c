import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsReportPublisher } from '../src/adapters/aws/sns-report-publisher.js';
import { MetricStoreReportReads } from '../src/adapters/metric-store-report-reads.js';
import { PflowError } from '../src/domain/errors.js';
import { systemClock, type Clock, type MetricStore } from '../src/domain/ports.js';
import { reportMessage } from '../src/domain/report/message.js';
import { previousLocalDay } from '../src/domain/report/window.js';
import { DailyReportService } from '../src/services/daily-report.js';
import { assetsNow, type TagLocationsReader } from '../src/services/asset-answers.js';
import { DynamoTagLocations } from '../src/adapters/aws/dynamodb-tag-locations.js';
import { RegistryIndex } from '../src/domain/assets/registry.js';
import { DynamoAssetImports } from '../src/adapters/aws/dynamodb-asset-imports.js';
import type { DeploymentConfig } from '../src/domain/config/model.js';
import { requireEnv } from './shared/config.js';
import { ENV, METRICS, type ReportScheduleInput } from './shared/environment.js';
import { handlerBase, wrap } from './shared/handler.js';
import { alertHistoryFromEnv, lifecycleStoreFromEnv } from './shared/lifecycle.js';
import { metricStoreFromEnv } from './shared/metric-store.js';
import { checkInput } from './shared/event-input.js';

const INPUT = {
  report: { type: 'text' },
  site: { type: 'text' },
  day: { type: 'text', optional: true, pattern: [/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD'] },
  scheduledTime: { type: 'text', optional: true },
} as const;

export interface ReportHandlerOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
}

export interface ReportResult {
  readonly report: string;
  readonly site: string;
  readonly day: string;
  readonly channels: readonly string[];
  readonly messageId?: string;
}

/**
 * The report function: one configured daily report for one site per Scheduler invocation. The
 * digest is the one `pflow report` computes (DailyReportService), read from the metric store's
 * window reads and, for the alerts fired and who acknowledged them, the lifecycle table; it is published once on the alert topic for the report's channels, whose deliver
 * functions render it (email, Slack, Teams) with the notification log's exactly-once — so a retried
 * schedule sends nothing twice.
 */
export function createReportHandler(options: ReportHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const base = handlerBase('report', env);
  const { obs } = base;
  let store: MetricStore | undefined;
  let sns: SNSClient | undefined;
  let ddb: DynamoDBClient | undefined;

  return wrap(base, async (event: ReportScheduleInput, _context: Context): Promise<ReportResult> => {
    const input = checkInput<ReportScheduleInput>(event, INPUT, 'report input must be {report, site, day?}', false);
    const { config } = await base.config();
    const report = (config.reports ?? []).find((candidate) => candidate.id === input.report);
    if (!report) throw new PflowError('unknown_report', `report "${input.report}" is not in the config`);
    const site = config.sites.find((candidate) => candidate.id === input.site);
    if (!site || !report.sites.includes(site.id)) {
      throw new PflowError('unknown_site', `report "${report.id}" is not sent for site "${input.site}"`);
    }
    // The day before the scheduled instant, not before now: a retried or late invocation reports the right day.
    const scheduled = input.scheduledTime === undefined ? Number.NaN : Date.parse(input.scheduledTime);
    const day = input.day ?? previousLocalDay(Number.isNaN(scheduled) ? clock.now() : scheduled, site.timezone);

    store ??= metricStoreFromEnv(env, {
      logger: obs.port,
      maxSamplesProcessed: config.storage.metrics.amp.maxSamplesProcessed,
    });
    sns ??= new SNSClient({});
    ddb ??= new DynamoDBClient({});
    // Alerts fired and who acknowledged them: the lifecycle table's alert history and acknowledgement audit.
    const reads = new MetricStoreReportReads(store, {
      history: alertHistoryFromEnv(env, ddb, config),
      acks: lifecycleStoreFromEnv(env, ddb, config),
    });
    // The asset section, as `pflow report` has it locally: from where the site's tags are now, over
    // the config's registry and the assets imported for the site (pflow assets import --aws).
    const table = env[ENV.tagLocationTable];
    const assets =
      config.assets !== undefined && table !== undefined && table !== ''
        ? await assetsNow(
            config.assets,
            {
              locations: tagLocationsReader(ddb, table, config.assets),
              imports: new DynamoAssetImports(ddb, table),
              logger: obs.port,
            },
            [site.id],
            clock.now(),
          )
        : undefined;
    const service = new DailyReportService({ config, reads, clock, ...(assets && { assets }) });
    const digest = await service.digest(site.id, day, report);
    const message = reportMessage(report.id, digest);
    const published = await new SnsReportPublisher({
      client: sns,
      topicArn: requireEnv(env, ENV.alertTopicArn),
    }).publish(message, report.channels);

    // The "report not published" alarm reads this, per (report, site), flushed at once.
    const metric = obs.metrics.singleMetric();
    metric.addDimensions({ report: report.id, site: site.id });
    metric.addMetric(METRICS.reportPublished, MetricUnit.Count, 1);
    obs.metrics.addMetric('ReportProbes', MetricUnit.Count, digest.availability.length);
    // How close a site's report comes to SNS's 256 KiB.
    obs.metrics.addMetric('ReportBytes', MetricUnit.Bytes, Buffer.byteLength(JSON.stringify(message)));
    obs.port.info('daily report published', { report: report.id, site: site.id, day, channels: report.channels });
    return { report: report.id, site: site.id, day, channels: report.channels, ...published };
  });
}

/** The tag location table as the asset answers read it (Query per site). */
function tagLocationsReader(
  client: DynamoDBClient,
  table: string,
  assets: NonNullable<DeploymentConfig['assets']>,
): TagLocationsReader {
  const index = new RegistryIndex(assets.registry);
  return new DynamoTagLocations(client, table, () => index, assets.settings);
}

export const handler = createReportHandler();

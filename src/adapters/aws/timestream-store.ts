import type { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import type { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import type { AlertEvent } from '../../domain/alerts/event.js';
import type { Logger, MetricStore } from '../../domain/ports.js';
import type { ProbeResult } from '../../domain/probe-result.js';
import type { MetricSample, SeriesWindow, WindowQuery } from '../../domain/records.js';
import { queryPages, WindowCollector, windowQuerySql } from './timestream-query.js';
import { alertRecord, metricRecord, metricSource, probeRecord, type SourcedRecord } from './timestream-records.js';
import { TimestreamWriter, type WriteReport } from './timestream-writer.js';

export interface TimestreamTables {
  readonly probes: string;
  readonly metrics: string;
  readonly alerts: string;
}

export interface TimestreamStoreOptions {
  readonly writeClient: Pick<TimestreamWriteClient, 'send'>;
  readonly queryClient: Pick<TimestreamQueryClient, 'send'>;
  readonly database: string;
  readonly tables?: TimestreamTables;
  readonly logger: Logger;
  readonly writeConcurrency?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onReport?: (report: WriteReport) => void;
  /** Called once per SQL statement sent (the rule Lambda's query-count metric). */
  readonly onQuery?: (sql: string) => void;
}

const DEFAULT_TABLES: TimestreamTables = { probes: 'probes', metrics: 'metrics', alerts: 'alerts' };

/** MetricStore on Timestream for LiveAnalytics (accounts onboarded before 2025-06-20). */
export class TimestreamStore implements MetricStore {
  private readonly writer: TimestreamWriter;
  private readonly tables: TimestreamTables;

  constructor(private readonly options: TimestreamStoreOptions) {
    this.tables = options.tables ?? DEFAULT_TABLES;
    this.writer = new TimestreamWriter({
      client: options.writeClient,
      database: options.database,
      logger: options.logger,
      ...(options.writeConcurrency !== undefined ? { concurrency: options.writeConcurrency } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.onReport ? { onReport: options.onReport } : {}),
    });
  }

  async writeProbeResults(results: readonly ProbeResult[]): Promise<void> {
    await this.writer.write(this.tables.probes, results.map(probeRecord));
  }

  async writeMetricSamples(samples: readonly MetricSample[]): Promise<void> {
    const records: SourcedRecord[] = [];
    const unwritable: string[] = [];
    for (const sample of samples) {
      const record = metricRecord(sample);
      if (record) records.push(record);
      else unwritable.push(metricSource(sample));
    }
    if (unwritable.length > 0) {
      // Timestream has no NaN or infinity: said out loud rather than dropped quietly.
      this.options.logger.warn('samples Timestream cannot store (NaN or infinite) were not written', {
        count: unwritable.length,
        first: unwritable.slice(0, 5),
      });
    }
    await this.writer.write(this.tables.metrics, records);
  }

  async writeAlertEvents(events: readonly AlertEvent[]): Promise<void> {
    await this.writer.write(this.tables.alerts, events.map(alertRecord));
  }

  async fetchWindows(query: WindowQuery): Promise<SeriesWindow[]> {
    if (query.measures.length === 0 || (query.sites !== undefined && query.sites.length === 0)) return [];
    const sql = windowQuerySql(this.options.database, this.tables[query.table], query);
    this.options.onQuery?.(sql);
    const collector = new WindowCollector(query);
    for await (const page of queryPages(this.options.queryClient, sql)) collector.add(page);
    return collector.windows();
  }
}

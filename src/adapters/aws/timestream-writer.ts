import {
  RejectedRecordsException,
  WriteRecordsCommand,
  type _Record,
  type Dimension,
  type TimestreamWriteClient,
} from '@aws-sdk/client-timestream-write';
import { Semaphore } from '../../delivery/rate-limiter.js';
import type { Logger } from '../../domain/ports.js';
import type { SourcedRecord } from './timestream-records.js';

/** Timestream's WriteRecords ceiling. */
export const MAX_RECORDS_PER_WRITE = 100;

export interface RejectedWrite {
  readonly table: string;
  readonly source: string;
  readonly reason: string;
  readonly existingVersion?: number;
}

export interface WriteReport {
  readonly table: string;
  readonly written: number;
  readonly rejected: readonly RejectedWrite[];
}

export interface TimestreamWriterOptions {
  readonly client: Pick<TimestreamWriteClient, 'send'>;
  readonly database: string;
  readonly logger: Logger;
  /** WriteRecords calls in flight at once (default 4). */
  readonly concurrency?: number;
  /** Attempts per call when Timestream throttles (default 5). */
  readonly throttleAttempts?: number;
  /** Injected so tests run the backoff without waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Every write's report, rejections included (the Lambdas turn it into metrics). */
  readonly onReport?: (report: WriteReport) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes records to one Timestream table: at most 100 per WriteRecords call, the dimensions, measure
 * name and time unit every record of a call shares hoisted into CommonAttributes (they are metered
 * once), a few calls in flight at once. A RejectedRecordsException is a partial success — the other
 * records were written — so each rejected record is reported with its reason and origin; throttles
 * are retried with backoff (the SDK's own retries give up sooner than a scaling table needs).
 */
export class TimestreamWriter {
  private readonly semaphore: Semaphore;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: TimestreamWriterOptions) {
    this.semaphore = new Semaphore(options.concurrency ?? 4);
    this.sleep = options.sleep ?? realSleep;
  }

  /** Resolves with the report once every record was written or rejected; rejects only if a call failed outright. */
  async write(table: string, records: readonly SourcedRecord[]): Promise<WriteReport> {
    if (records.length === 0) return { table, written: 0, rejected: [] };
    // Records of one site (and one series) side by side, so each call shares as much as possible.
    const ordered = [...records].sort((a, b) => compareKeys(sortKey(a.record), sortKey(b.record)));
    const chunks: SourcedRecord[][] = [];
    for (let i = 0; i < ordered.length; i += MAX_RECORDS_PER_WRITE)
      chunks.push(ordered.slice(i, i + MAX_RECORDS_PER_WRITE));

    const results = await Promise.allSettled(
      chunks.map((chunk) => this.semaphore.run(() => this.writeChunk(table, chunk))),
    );
    const rejected: RejectedWrite[] = [];
    const failures: string[] = [];
    let written = 0;
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') {
        rejected.push(...result.value);
        written += chunks[index]!.length - result.value.length;
      } else {
        failures.push(
          result.reason instanceof Error ? `${result.reason.name}: ${result.reason.message}` : String(result.reason),
        );
      }
    });
    const report: WriteReport = { table, written, rejected };
    for (const rejection of rejected) {
      this.options.logger.error('timestream rejected a record', { ...rejection });
    }
    this.options.onReport?.(report);
    if (failures.length > 0) {
      const unwritten = results.reduce((sum, r, i) => sum + (r.status === 'rejected' ? chunks[i]!.length : 0), 0);
      throw new Error(
        `writing ${unwritten} of ${records.length} records to ${this.options.database}.${table} failed: ${[...new Set(failures)].join('; ')}`,
      );
    }
    return report;
  }

  private async writeChunk(table: string, chunk: readonly SourcedRecord[]): Promise<RejectedWrite[]> {
    const { common, records } = hoist(chunk.map((item) => item.record));
    const command = new WriteRecordsCommand({
      DatabaseName: this.options.database,
      TableName: table,
      ...(common ? { CommonAttributes: common } : {}),
      Records: records,
    });
    const attempts = this.options.throttleAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.client.send(command);
        return [];
      } catch (error) {
        if (error instanceof RejectedRecordsException || (error as Error).name === 'RejectedRecordsException') {
          return ((error as RejectedRecordsException).RejectedRecords ?? []).map((rejected) => {
            const source = chunk[rejected.RecordIndex ?? -1]?.source ?? `record #${rejected.RecordIndex}`;
            return {
              table,
              source,
              reason: rejected.Reason ?? 'no reason given',
              ...(rejected.ExistingVersion !== undefined ? { existingVersion: rejected.ExistingVersion } : {}),
            };
          });
        }
        if (!isThrottle(error) || attempt >= attempts) throw error;
        const delay = Math.min(100 * 2 ** (attempt - 1), 5_000);
        this.options.logger.warn('timestream throttled a write; retrying', { table, attempt, delayMs: delay });
        await this.sleep(delay);
      }
    }
  }
}

function isThrottle(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return (
    name === 'ThrottlingException' ||
    (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 429
  );
}

/**
 * Moves what every record of a call shares into CommonAttributes: dimensions with the same name and
 * value everywhere, and the measure name, value type and time unit when they agree. Timestream
 * rejects a call whose records repeat a common dimension, so hoisted ones leave the records.
 */
export function hoist(records: readonly _Record[]): { common?: _Record; records: _Record[] } {
  if (records.length < 2) return { records: [...records] };
  const first = records[0]!;
  const shared = (first.Dimensions ?? []).filter((dimension) =>
    records.every((record) => (record.Dimensions ?? []).some((d) => sameDimension(d, dimension))),
  );
  const same = <K extends keyof _Record>(key: K) => records.every((record) => record[key] === first[key]);
  const common: _Record = {};
  if (shared.length > 0) common.Dimensions = shared;
  if (first.MeasureName !== undefined && same('MeasureName')) common.MeasureName = first.MeasureName;
  if (first.MeasureValueType !== undefined && same('MeasureValueType'))
    common.MeasureValueType = first.MeasureValueType;
  if (first.TimeUnit !== undefined && same('TimeUnit')) common.TimeUnit = first.TimeUnit;
  if (Object.keys(common).length === 0) return { records: [...records] };
  const sharedNames = new Set(shared.map((dimension) => dimension.Name));
  return {
    common,
    records: records.map((record) => {
      const rest: _Record = { ...record };
      if (common.Dimensions) rest.Dimensions = (record.Dimensions ?? []).filter((d) => !sharedNames.has(d.Name));
      if (rest.Dimensions?.length === 0) delete rest.Dimensions;
      if (common.MeasureName !== undefined) delete rest.MeasureName;
      if (common.MeasureValueType !== undefined) delete rest.MeasureValueType;
      if (common.TimeUnit !== undefined) delete rest.TimeUnit;
      return rest;
    }),
  };
}

function sameDimension(a: Dimension, b: Dimension): boolean {
  return a.Name === b.Name && a.Value === b.Value;
}

function sortKey(record: _Record): string[] {
  const dimensions = record.Dimensions ?? [];
  const site = dimensions.find((d) => d.Name === 'site')?.Value ?? '';
  return [site, record.MeasureName ?? '', dimensions.map((d) => `${d.Name}=${d.Value}`).join(','), record.Time ?? ''];
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}

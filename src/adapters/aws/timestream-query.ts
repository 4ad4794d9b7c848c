import { QueryCommand, type ColumnInfo, type Row, type TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import type { Labels } from '../../domain/labels.js';
import { PROBE_MEASURES } from '../../domain/probe-result.js';
import type { SeriesPoint, SeriesWindow, WindowQuery } from '../../domain/records.js';
import { PROBE_RECORD_MEASURE } from './timestream-records.js';

/**
 * The read side of the Timestream store: ONE SQL statement per WindowQuery (a rule cycle asks once
 * per table, scoped to its site — Timestream bills query compute, so the count matters more than
 * the size), its pages followed, and the rows turned into the evaluator's SeriesWindows.
 */

/** Columns of the `probes` table that are measures or bookkeeping, not dimensions. */
const PROBE_NON_DIMENSIONS = new Set<string>([
  'time',
  'measure_name',
  ...PROBE_MEASURES,
  'cert_not_after',
  'tls_version',
  'failure_reason',
  'failure_message',
]);

export function windowQuerySql(database: string, table: string, query: WindowQuery): string {
  const conditions = [
    query.table === 'probes'
      ? `measure_name = ${literal(PROBE_RECORD_MEASURE)}`
      : `measure_name IN (${[...new Set(query.measures)].map(literal).join(', ')})`,
    `time BETWEEN from_milliseconds(${Math.floor(query.since)}) AND from_milliseconds(${Math.ceil(query.until)})`,
  ];
  if (query.sites !== undefined) conditions.push(`site IN (${query.sites.map(literal).join(', ')})`);
  // SELECT *: a series' dimensions are whatever labels its probe or agent sent, unknown here.
  return `SELECT * FROM ${identifier(database)}.${identifier(table)} WHERE ${conditions.join(' AND ')} ORDER BY time ASC`;
}

export interface QueryPage {
  readonly columns: readonly ColumnInfo[];
  readonly rows: readonly Row[];
}

/** Runs one statement and yields its pages (Timestream pages by NextToken, sometimes with empty pages). */
export async function* queryPages(client: Pick<TimestreamQueryClient, 'send'>, sql: string): AsyncGenerator<QueryPage> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new QueryCommand({ QueryString: sql, ...(nextToken ? { NextToken: nextToken } : {}) }),
    );
    yield { columns: page.ColumnInfo ?? [], rows: page.Rows ?? [] };
    nextToken = page.NextToken;
  } while (nextToken);
}

/** Collects a query's pages into windows: one per (measure, dimension set), points oldest first. */
export class WindowCollector {
  private readonly series = new Map<string, { measure: string; labels: Labels; points: SeriesPoint[] }>();
  private readonly wanted: ReadonlySet<string>;

  constructor(private readonly query: WindowQuery) {
    this.wanted = new Set(query.measures);
  }

  add(page: QueryPage): void {
    const names = page.columns.map((column) => column.Name ?? '');
    const timeIndex = names.indexOf('time');
    if (timeIndex < 0) throw new Error('timestream result has no time column');
    const probes = this.query.table === 'probes';
    const dimensionIndexes: number[] = [];
    const measureIndexes: Array<[string, number]> = [];
    let valueIndex = -1;
    let measureNameIndex = -1;
    names.forEach((name, index) => {
      if (name === 'measure_name') measureNameIndex = index;
      else if (name === 'measure_value::double' || name === 'measure_value::bigint') valueIndex = index;
      else if (probes && this.wanted.has(name) && PROBE_NON_DIMENSIONS.has(name)) measureIndexes.push([name, index]);
      if (!name.startsWith('measure_value::') && !(probes ? PROBE_NON_DIMENSIONS : METRIC_NON_DIMENSIONS).has(name))
        dimensionIndexes.push(index);
    });

    for (const row of page.rows) {
      const data = row.Data ?? [];
      const time = parseTimestamp(data[timeIndex]?.ScalarValue);
      const labels: Record<string, string> = {};
      for (const index of dimensionIndexes) {
        const value = data[index]?.ScalarValue;
        if (value !== undefined && data[index]?.NullValue !== true) labels[names[index]!] = value;
      }
      if (probes) {
        for (const [measure, index] of measureIndexes) {
          const value = data[index]?.ScalarValue;
          if (value === undefined || data[index]?.NullValue === true) continue; // a phase the probe skipped
          this.push(measure, labels, time, Number(value));
        }
      } else {
        const measure = data[measureNameIndex]?.ScalarValue;
        const value = data[valueIndex]?.ScalarValue;
        if (measure === undefined || !this.wanted.has(measure)) continue;
        this.push(measure, labels, time, value === undefined ? Number.NaN : Number(value));
      }
    }
  }

  windows(): SeriesWindow[] {
    return [...this.series.values()].map(({ measure, labels, points }) => {
      // ORDER BY time keeps each series in order across pages; sort only if the service ever did not.
      for (let i = 1; i < points.length; i++) {
        if (points[i - 1]!.t > points[i]!.t) {
          points.sort((a, b) => a.t - b.t);
          break;
        }
      }
      return { table: this.query.table, measure, labels, points };
    });
  }

  private push(measure: string, labels: Labels, t: number, v: number): void {
    const key = `${measure}\u0000${Object.keys(labels)
      .sort()
      .map((name) => `${name}=${labels[name]}`)
      .join('\u0001')}`;
    let series = this.series.get(key);
    if (series === undefined) this.series.set(key, (series = { measure, labels, points: [] }));
    series.points.push({ t, v });
  }
}

const METRIC_NON_DIMENSIONS = new Set(['time', 'measure_name']);

/** Timestream renders TIMESTAMP as `2026-12-01 08:00:00.123000000` (UTC, nanoseconds). */
export function parseTimestamp(text: string | undefined): number {
  if (text === undefined) throw new Error('timestream row has no time');
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (!match) throw new Error(`unexpected timestream timestamp ${JSON.stringify(text)}`);
  const millis = (match[3] ?? '').padEnd(3, '0').slice(0, 3);
  return Date.parse(`${match[1]}T${match[2]}.${millis}Z`);
}

/** A SQL string literal: Timestream (Presto dialect) doubles single quotes. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

import type { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import type { MeasureValue } from '@aws-sdk/client-timestream-write';
import type { HistoryRow } from '../../services/assets.js';
import type { LocatedTagEvent, TagHistory } from '../../services/tag-history.js';
import { literal, parseTimestamp, queryPages } from './timestream-query.js';
import type { SourcedRecord } from './timestream-records.js';
import type { TimestreamWriter } from './timestream-writer.js';

/**
 * Tag events in Timestream's `tags` table: one multi-measure record `tag_event` per event, with
 * dimensions `site` and `tag` (what every question is asked by), time = the event's `t`, and the
 * measures it carried — `zone` (resolved from x/y where the event had none), `x`, `y`, `floor`,
 * `battery`, `motion`, `button`. Zone is a measure, not a dimension: a dimension would make every
 * (tag, zone) pair its own series for nothing, since every query filters on site and tag.
 *
 * Records with the same site, tag, time and values are one record to Timestream, so a retried
 * batch writes nothing twice. The writer sends at most 100 records per WriteRecords call, the
 * shared `site`, measure name and time unit hoisted into CommonAttributes.
 */
export const TAG_EVENT_MEASURE = 'tag_event';

export function tagEventRecord(site: string, event: LocatedTagEvent): SourcedRecord {
  const values: MeasureValue[] = [];
  const zone = event.resolvedZone ?? event.zone;
  if (zone !== undefined) values.push({ Name: 'zone', Value: zone, Type: 'VARCHAR' });
  if (event.x !== undefined && event.y !== undefined) {
    values.push(
      { Name: 'x', Value: String(event.x), Type: 'DOUBLE' },
      { Name: 'y', Value: String(event.y), Type: 'DOUBLE' },
    );
  }
  if (event.floor !== undefined) values.push({ Name: 'floor', Value: event.floor, Type: 'VARCHAR' });
  if (event.battery !== undefined) values.push({ Name: 'battery', Value: String(event.battery), Type: 'DOUBLE' });
  if (event.motion !== undefined) values.push({ Name: 'motion', Value: String(event.motion), Type: 'BOOLEAN' });
  if (event.button !== undefined) values.push({ Name: 'button', Value: event.button, Type: 'VARCHAR' });
  // Timestream refuses a multi-measure record without measures: a bare "seen" report keeps one.
  if (values.length === 0) values.push({ Name: 'seen', Value: '1', Type: 'BIGINT' });
  return {
    record: {
      Dimensions: [
        { Name: 'site', Value: site, DimensionValueType: 'VARCHAR' },
        { Name: 'tag', Value: event.tag, DimensionValueType: 'VARCHAR' },
      ],
      MeasureName: TAG_EVENT_MEASURE,
      MeasureValueType: 'MULTI',
      MeasureValues: values,
      Time: String(event.t),
      TimeUnit: 'MILLISECONDS',
    },
    source: `tag event ${site}/${event.tag} at ${new Date(event.t).toISOString()}`,
  };
}

/** The SQL reading a site's located events in [from, to], oldest first per tag. */
export function tagReadingsSql(database: string, table: string, site: string, from: number, to: number): string {
  return [
    `SELECT tag, time, zone, x, y, floor FROM "${database.replace(/"/g, '""')}"."${table.replace(/"/g, '""')}"`,
    `WHERE site = ${literal(site)} AND measure_name = ${literal(TAG_EVENT_MEASURE)}`,
    `AND time BETWEEN from_milliseconds(${Math.floor(from)}) AND from_milliseconds(${Math.ceil(to)})`,
    'AND zone IS NOT NULL ORDER BY tag, time ASC',
  ].join(' ');
}

export interface TimestreamTagHistoryOptions {
  readonly writer: Pick<TimestreamWriter, 'write'>;
  readonly queryClient: Pick<TimestreamQueryClient, 'send'>;
  readonly database: string;
  /** Default `tags`. */
  readonly table?: string;
  /** Called once per SQL statement sent. */
  readonly onQuery?: (sql: string) => void;
}

export class TimestreamTagHistory implements TagHistory {
  private readonly table: string;

  constructor(private readonly options: TimestreamTagHistoryOptions) {
    this.table = options.table ?? 'tags';
  }

  async writeTagEvents(site: string, events: readonly LocatedTagEvent[]): Promise<void> {
    // A rejected record (the same site, tag and time with other values) is one Timestream will
    // never take: the writer logs and reports it, and the batch is not held up by it.
    await this.options.writer.write(
      this.table,
      events.map((event) => tagEventRecord(site, event)),
    );
  }

  async readings(site: string, from: number, to: number): Promise<Map<string, HistoryRow[]>> {
    const sql = tagReadingsSql(this.options.database, this.table, site, from, to);
    this.options.onQuery?.(sql);
    const out = new Map<string, HistoryRow[]>();
    for await (const page of queryPages(this.options.queryClient, sql)) {
      const names = page.columns.map((column) => column.Name ?? '');
      const at = (name: string) => names.indexOf(name);
      const [tagAt, timeAt, zoneAt, xAt, yAt, floorAt] = ['tag', 'time', 'zone', 'x', 'y', 'floor'].map(at);
      for (const row of page.rows) {
        const data = row.Data ?? [];
        const text = (index: number | undefined) =>
          index === undefined || index < 0 || data[index]?.NullValue === true
            ? null
            : (data[index]?.ScalarValue ?? null);
        const tag = text(tagAt);
        if (tag === null) continue;
        const x = text(xAt);
        const y = text(yAt);
        const list = out.get(tag) ?? [];
        list.push({
          t: parseTimestamp(text(timeAt) ?? undefined),
          zone: text(zoneAt),
          x: x === null ? null : Number(x),
          y: y === null ? null : Number(y),
          floor: text(floorAt),
        });
        out.set(tag, list);
      }
    }
    return out;
  }
}

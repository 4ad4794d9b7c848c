import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';

/** The plugin's `FormatOptions` enum: 0 table, 1 time series (long rows turned into one series per group). */
export const TIMESTREAM_FORMAT = { table: 0, time_series: 1 } as const;

/**
 * The query model of Grafana's Timestream plugin (`grafana-timestream-datasource`), which the
 * Foundation SDK does not ship: raw SQL with macros, the result format, and `waitForResult` so a
 * panel gets every page of a result rather than the first.
 */
export interface TimestreamDataquery extends cog.Dataquery {
  refId: string;
  datasource?: common.DataSourceRef;
  rawQuery: string;
  format: (typeof TIMESTREAM_FORMAT)[keyof typeof TIMESTREAM_FORMAT];
  waitForResult: boolean;
}

export class TimestreamDataqueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: Omit<TimestreamDataquery, '_implementsDataqueryVariant'> = {
    refId: 'A',
    rawQuery: '',
    format: TIMESTREAM_FORMAT.table,
    waitForResult: true,
  };

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  datasource(datasource: common.DataSourceRef): this {
    this.internal.datasource = datasource;
    return this;
  }

  rawQuery(sql: string): this {
    this.internal.rawQuery = sql;
    return this;
  }

  format(format: 'time_series' | 'table'): this {
    this.internal.format = TIMESTREAM_FORMAT[format];
    return this;
  }

  build(): TimestreamDataquery {
    // The SDK's variant marker is a type-level tag; a non-enumerable method keeps it out of the JSON.
    const query = { ...this.internal } as TimestreamDataquery;
    Object.defineProperty(query, '_implementsDataqueryVariant', { value: () => undefined, enumerable: false });
    return query;
  }
}

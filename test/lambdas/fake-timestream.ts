import type { ColumnInfo, QueryCommandOutput, Row } from '@aws-sdk/client-timestream-query';
import type { _Record, WriteRecordsCommandInput } from '@aws-sdk/client-timestream-write';

/**
 * Timestream has no local stand-in, so the pipeline test answers the SDK's requests (through
 * aws-sdk-client-mock) from what was written: WriteRecords inputs are kept with their common
 * attributes merged back, and the store's window statements are answered by reading the table,
 * time range and site filter back out of the SQL. It understands exactly the statements
 * `windowQuerySql` builds — the read/write round trip is what it checks, not Timestream's SQL.
 */
export class FakeTimestream {
  readonly tables = new Map<string, _Record[]>();
  readonly statements: string[] = [];

  write(input: WriteRecordsCommandInput): Record<string, never> {
    const common = input.CommonAttributes ?? {};
    const rows = this.tables.get(input.TableName!) ?? [];
    for (const record of input.Records ?? []) {
      rows.push({
        ...common,
        ...record,
        Dimensions: [...(common.Dimensions ?? []), ...(record.Dimensions ?? [])],
      });
    }
    this.tables.set(input.TableName!, rows);
    return {};
  }

  query(sql: string): QueryCommandOutput {
    this.statements.push(sql);
    const table = /FROM "[^"]+"\."([^"]+)"/.exec(sql)![1]!;
    const [, since, until] = /from_milliseconds\((\d+)\) AND from_milliseconds\((\d+)\)/.exec(sql)!.map(Number);
    const sites = /site IN \(([^)]*)\)/
      .exec(sql)?.[1]
      ?.split(', ')
      .map((s) => s.slice(1, -1));
    const records = (this.tables.get(table) ?? []).filter((record) => {
      const time = Number(record.Time);
      const site = record.Dimensions?.find((d) => d.Name === 'site')?.Value;
      return time >= since! && time <= until! && (sites === undefined || sites.includes(site ?? ''));
    });
    const dimensionNames = [...new Set(records.flatMap((r) => (r.Dimensions ?? []).map((d) => d.Name!)))];
    const measureNames = [...new Set(records.flatMap((r) => (r.MeasureValues ?? []).map((m) => m.Name!)))];
    const names = [...dimensionNames, 'measure_name', 'time', ...measureNames];
    const columns: ColumnInfo[] = names.map((Name) => ({ Name, Type: { ScalarType: 'VARCHAR' } }));
    const rows: Row[] = records
      .sort((a, b) => Number(a.Time) - Number(b.Time))
      .map((record) => ({
        Data: names.map((name) => {
          if (name === 'measure_name') return { ScalarValue: record.MeasureName! };
          if (name === 'time')
            return {
              ScalarValue: new Date(Number(record.Time)).toISOString().replace('T', ' ').replace('Z', '000000'),
            };
          const value =
            record.Dimensions?.find((d) => d.Name === name)?.Value ??
            record.MeasureValues?.find((m) => m.Name === name)?.Value;
          return value === undefined ? { NullValue: true } : { ScalarValue: value };
        }),
      }));
    return { ColumnInfo: columns, Rows: rows, QueryId: 'q', $metadata: {} };
  }
}

import type { WriteRecordsCommand, WriteRecordsCommandInput } from '@aws-sdk/client-timestream-write';
import { beforeAll, describe, expect, it } from 'vitest';
import { TIMESTREAM_TABLES } from '../../lambdas/shared/environment.js';
import { TimestreamStore } from '../../src/adapters/aws/timestream-store.js';
import type { TimestreamQuery } from '../../dashboards/src/timestream/query.js';
import { captureLogger } from '../support/logger.js';
import { timestreamQueries } from './queries.js';
import { seedAlertEvents, seedMetricSamples, seedProbeResults } from './seed.js';

/** Per table, what the adapter put in WriteRecords: record measure names, and column names (dimensions and measure values). */
interface Written {
  readonly measureNames: Set<string>;
  readonly columns: Set<string>;
}

/**
 * What the Timestream adapter writes, read off its WriteRecords requests for the seeded data (the
 * same data the Prometheus test writes) — derived from the adapter's code by running it, not listed
 * by hand. Timestream itself is an AWS boundary with no local stand-in, so the client is a recorder.
 */
async function writtenByAdapter(): Promise<Map<string, Written>> {
  const requests: WriteRecordsCommandInput[] = [];
  const writeClient = {
    send: async (command: WriteRecordsCommand) => {
      requests.push(command.input);
      return { RecordsIngested: { Total: command.input.Records?.length ?? 0 } };
    },
  };
  const store = new TimestreamStore({
    writeClient: writeClient as never,
    queryClient: { send: async () => ({}) } as never,
    database: 'pflow',
    tables: TIMESTREAM_TABLES,
    logger: captureLogger(),
  });
  for (const slice of seedProbeResults()) await store.writeProbeResults(slice);
  for (const slice of seedMetricSamples()) await store.writeMetricSamples(slice);
  await store.writeAlertEvents(seedAlertEvents());

  const tables = new Map<string, Written>();
  for (const request of requests) {
    const written = tables.get(request.TableName!) ?? { measureNames: new Set(), columns: new Set() };
    tables.set(request.TableName!, written);
    for (const record of request.Records ?? []) {
      const common = request.CommonAttributes ?? {};
      const measureName = record.MeasureName ?? common.MeasureName;
      if (measureName) written.measureNames.add(measureName);
      for (const dimension of [...(common.Dimensions ?? []), ...(record.Dimensions ?? [])])
        written.columns.add(dimension.Name!);
      const type = record.MeasureValueType ?? common.MeasureValueType;
      if (type === 'MULTI') for (const value of record.MeasureValues ?? []) written.columns.add(value.Name!);
      else if (type) written.columns.add(`measure_value::${type.toLowerCase()}`);
    }
  }
  return tables;
}

/** What the SQL text itself names: the FROM tables, the measure_name literals and every quoted column. */
function namedInSql(sql: string) {
  const tables = [...sql.matchAll(/FROM \$__database\."([^"]+)"/g)].map((m) => m[1]!);
  const measureNames = [...sql.matchAll(/measure_name (?:= '([^']*)'|IN \(([^)]*)\))/g)].flatMap((m) =>
    m[1] !== undefined ? [m[1]] : [...m[2]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!),
  );
  const columns = [...sql.replace(/\$__database\."[^"]+"/g, '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  return { tables, measureNames, columns };
}

describe('every Timestream query of the dashboards', () => {
  let written: Map<string, Written>;
  beforeAll(async () => {
    written = await writtenByAdapter();
  });

  it('is checked against the three tables the adapter writes', () => {
    expect([...written.keys()].sort()).toEqual(Object.values(TIMESTREAM_TABLES).sort());
    expect(written.get(TIMESTREAM_TABLES.probes)!.columns).toContain('duration_ms');
    expect(written.get(TIMESTREAM_TABLES.alerts)!.measureNames).toEqual(new Set(['alert']));
  });

  const queries = timestreamQueries();
  it.each(queries.map((q) => [q.where, q.query] as const))(
    'names only tables, measures and columns the adapter writes: %s',
    (_where, query: TimestreamQuery) => {
      const named = namedInSql(query.sql);
      expect(named.tables.length, query.sql).toBeGreaterThan(0);
      for (const table of named.tables) {
        const table_ = written.get(table);
        expect(table_, `${query.sql}\nnames table ${table}, which the adapter never writes`).toBeDefined();
        for (const measureName of named.measureNames)
          expect(table_!.measureNames, `measure name ${measureName} in\n${query.sql}`).toContain(measureName);
        for (const column of named.columns)
          expect(table_!.columns, `column ${column} in\n${query.sql}`).toContain(column);
      }
      // The builder's own account agrees with the text.
      expect(named.tables).toContain(query.refs.table);
      expect(new Set(named.measureNames)).toEqual(new Set(query.refs.measureNames));
      expect(new Set(named.columns)).toEqual(new Set(query.refs.columns));
    },
  );

  it('catches a column the adapter does not write', () => {
    const named = namedInSql('SELECT "latency" FROM $__database."probes" WHERE measure_name = \'probe\'');
    expect(written.get('probes')!.columns).not.toContain(named.columns[0]);
  });
});

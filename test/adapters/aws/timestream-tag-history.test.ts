import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { TimestreamTagHistory, tagReadingsSql } from '../../../src/adapters/aws/timestream-tag-history.js';
import { TimestreamWriter } from '../../../src/adapters/aws/timestream-writer.js';
import type { LocatedTagEvent } from '../../../src/services/tag-history.js';
import { captureLogger } from '../../support/logger.js';

/** Timestream has no local stand-in: the WriteRecords and Query requests are asserted exactly. */
const writeMock = mockClient(TimestreamWriteClient);
const queryMock = mockClient(TimestreamQueryClient);
afterEach(() => {
  writeMock.reset();
  queryMock.reset();
});

const T0 = Date.parse('2026-12-01T08:00:00.000Z');

function history() {
  const writer = new TimestreamWriter({
    client: new TimestreamWriteClient({ region: 'eu-west-1' }),
    database: 'pflow',
    logger: captureLogger(),
  });
  const statements: string[] = [];
  const tags = new TimestreamTagHistory({
    writer,
    queryClient: new TimestreamQueryClient({ region: 'eu-west-1' }),
    database: 'pflow',
    onQuery: (sql) => statements.push(sql),
  });
  return { tags, statements };
}

describe('TimestreamTagHistory', () => {
  it('writes one multi-measure tag_event record per event to the tags table, site hoisted', async () => {
    writeMock.on(WriteRecordsCommand).resolves({});
    const events: LocatedTagEvent[] = [
      { tag: 'T-1', t: T0, zone: 'store-3', battery: 80, motion: true },
      { tag: 'T-2', t: T0 + 1, x: 4.5, y: 2, floor: '3', resolvedZone: 'room-301', button: 'attention' },
      { tag: 'T-3', t: T0 + 2 },
    ];
    await history().tags.writeTagEvents('site-a', events);
    const calls = writeMock.commandCalls(WriteRecordsCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([
      {
        DatabaseName: 'pflow',
        TableName: 'tags',
        CommonAttributes: {
          Dimensions: [{ Name: 'site', Value: 'site-a', DimensionValueType: 'VARCHAR' }],
          MeasureName: 'tag_event',
          MeasureValueType: 'MULTI',
          TimeUnit: 'MILLISECONDS',
        },
        Records: [
          {
            Dimensions: [{ Name: 'tag', Value: 'T-1', DimensionValueType: 'VARCHAR' }],
            MeasureValues: [
              { Name: 'zone', Value: 'store-3', Type: 'VARCHAR' },
              { Name: 'battery', Value: '80', Type: 'DOUBLE' },
              { Name: 'motion', Value: 'true', Type: 'BOOLEAN' },
            ],
            Time: String(T0),
          },
          {
            Dimensions: [{ Name: 'tag', Value: 'T-2', DimensionValueType: 'VARCHAR' }],
            MeasureValues: [
              { Name: 'zone', Value: 'room-301', Type: 'VARCHAR' },
              { Name: 'x', Value: '4.5', Type: 'DOUBLE' },
              { Name: 'y', Value: '2', Type: 'DOUBLE' },
              { Name: 'floor', Value: '3', Type: 'VARCHAR' },
              { Name: 'button', Value: 'attention', Type: 'VARCHAR' },
            ],
            Time: String(T0 + 1),
          },
          {
            // A bare "seen" report: Timestream refuses a multi-measure record without measures.
            Dimensions: [{ Name: 'tag', Value: 'T-3', DimensionValueType: 'VARCHAR' }],
            MeasureValues: [{ Name: 'seen', Value: '1', Type: 'BIGINT' }],
            Time: String(T0 + 2),
          },
        ],
      },
    ]);
  });

  it('sends at most 100 records per WriteRecords call', async () => {
    writeMock.on(WriteRecordsCommand).resolves({});
    const events = Array.from({ length: 250 }, (_, i) => ({ tag: `T-${i}`, t: T0 + i, zone: 'store-3' }));
    await history().tags.writeTagEvents('site-a', events);
    const sizes = writeMock.commandCalls(WriteRecordsCommand).map((call) => call.args[0].input.Records!.length);
    expect(sizes).toEqual([100, 100, 50]);
    expect(writeMock.commandCalls(WriteRecordsCommand).every((c) => c.args[0].input.TableName === 'tags')).toBe(true);
  });

  it('reads a site located readings back per tag, oldest first, in one statement', async () => {
    const column = (Name: string) => ({ Name, Type: { ScalarType: 'VARCHAR' as const } });
    const cell = (value: string | null) => (value === null ? { NullValue: true } : { ScalarValue: value });
    queryMock.on(QueryCommand).resolves({
      ColumnInfo: ['tag', 'time', 'zone', 'x', 'y', 'floor'].map(column),
      Rows: [
        { Data: ['T-1', '2026-12-01 08:00:00.000000000', 'store-3', null, null, null].map(cell) },
        { Data: ['T-1', '2026-12-01 08:05:00.000000000', 'room-301', '4.5', '2', '3'].map(cell) },
        { Data: ['T-2', '2026-12-01 08:01:00.500000000', 'ct', null, null, null].map(cell) },
      ],
    });
    const { tags, statements } = history();
    const readings = await tags.readings("site-'a", T0, T0 + 3_600_000);
    expect(statements).toEqual([tagReadingsSql('pflow', 'tags', "site-'a", T0, T0 + 3_600_000)]);
    expect(statements[0]).toBe(
      `SELECT tag, time, zone, x, y, floor FROM "pflow"."tags" WHERE site = 'site-''a' AND measure_name = 'tag_event' AND time BETWEEN from_milliseconds(${T0}) AND from_milliseconds(${T0 + 3_600_000}) AND zone IS NOT NULL ORDER BY tag, time ASC`,
    );
    expect(Object.fromEntries(readings)).toEqual({
      'T-1': [
        { t: T0, zone: 'store-3', x: null, y: null, floor: null },
        { t: T0 + 300_000, zone: 'room-301', x: 4.5, y: 2, floor: '3' },
      ],
      'T-2': [{ t: T0 + 60_500, zone: 'ct', x: null, y: null, floor: null }],
    });
  });
});

import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import {
  RejectedRecordsException,
  ThrottlingException,
  TimestreamWriteClient,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { TimestreamStore } from '../../../src/adapters/aws/timestream-store.js';
import { hoist } from '../../../src/adapters/aws/timestream-writer.js';
import { parseTimestamp, windowQuerySql } from '../../../src/adapters/aws/timestream-query.js';
import type { WriteReport } from '../../../src/adapters/aws/timestream-writer.js';
import type { ProbeResult } from '../../../src/domain/probe-result.js';
import { alertEvent } from '../../support/alert-event.js';
import { captureLogger } from '../../support/logger.js';

const writeMock = mockClient(TimestreamWriteClient);
const queryMock = mockClient(TimestreamQueryClient);
afterEach(() => {
  writeMock.reset();
  queryMock.reset();
});

const T0 = Date.parse('2026-12-01T08:00:00.000Z');

function result(index: number, overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    site: 'site-a',
    probe: `web-${index}`,
    kind: 'http',
    target: `http://127.0.0.1:${8000 + index}/`,
    labels: { team: 'clinical' },
    time: T0 + index,
    success: true,
    durationMs: 12.5,
    phases: { connectMs: 1, firstByteMs: 10 },
    statusCode: 200,
    ...overrides,
  };
}

function store(
  extra: { onReport?: (r: WriteReport) => void; sleeps?: number[]; onQuery?: (sql: string) => void } = {},
) {
  const logger = captureLogger();
  const s = new TimestreamStore({
    writeClient: new TimestreamWriteClient({ region: 'eu-west-1' }),
    queryClient: new TimestreamQueryClient({ region: 'eu-west-1' }),
    database: 'pflow',
    logger,
    sleep: async (ms) => {
      extra.sleeps?.push(ms);
    },
    ...(extra.onReport ? { onReport: extra.onReport } : {}),
    ...(extra.onQuery ? { onQuery: extra.onQuery } : {}),
  });
  return { store: s, logger };
}

describe('Timestream writes', () => {
  it('writes probe results as multi-measure records, ≤100 per call, with the shared dimensions hoisted', async () => {
    writeMock.on(WriteRecordsCommand).resolves({ RecordsIngested: { Total: 1 } });
    const { store: s } = store();
    await s.writeProbeResults(Array.from({ length: 250 }, (_, i) => result(i)));

    const calls = writeMock.commandCalls(WriteRecordsCommand);
    expect(calls.map((call) => call.args[0].input.Records!.length)).toEqual([100, 100, 50]);
    const first = calls[0]!.args[0].input;
    expect(first.DatabaseName).toBe('pflow');
    expect(first.TableName).toBe('probes');
    expect(first.CommonAttributes).toEqual({
      Dimensions: [
        { Name: 'kind', Value: 'http', DimensionValueType: 'VARCHAR' },
        { Name: 'site', Value: 'site-a', DimensionValueType: 'VARCHAR' },
        { Name: 'team', Value: 'clinical', DimensionValueType: 'VARCHAR' },
      ],
      MeasureName: 'probe',
      MeasureValueType: 'MULTI',
      TimeUnit: 'MILLISECONDS',
    });
    expect(first.Records![0]).toEqual({
      Dimensions: [
        { Name: 'probe', Value: 'web-0', DimensionValueType: 'VARCHAR' },
        { Name: 'target', Value: 'http://127.0.0.1:8000/', DimensionValueType: 'VARCHAR' },
      ],
      MeasureValues: [
        { Name: 'success', Value: '1', Type: 'DOUBLE' },
        { Name: 'duration_ms', Value: '12.5', Type: 'DOUBLE' },
        { Name: 'connect_ms', Value: '1', Type: 'DOUBLE' },
        { Name: 'first_byte_ms', Value: '10', Type: 'DOUBLE' },
        { Name: 'status_code', Value: '200', Type: 'DOUBLE' },
      ],
      Time: String(T0),
    });
    // Every result written exactly once.
    const probes = calls.flatMap((call) => call.args[0].input.Records!.map((r) => r.Dimensions![0]!.Value));
    expect(new Set(probes).size).toBe(250);
  });

  it('writes failure facts as VARCHAR measures and never a secret in the target', async () => {
    writeMock.on(WriteRecordsCommand).resolves({});
    const { store: s } = store();
    await s.writeProbeResults([
      result(1, {
        success: false,
        target: 'https://user:REDACTED@host/',
        failure: { reason: 'timeout', message: 'no answer within 5000 ms' },
        phases: {},
      }),
    ]);
    const record = writeMock.commandCalls(WriteRecordsCommand)[0]!.args[0].input.Records![0]!;
    expect(record.MeasureValues).toContainEqual({ Name: 'failure_reason', Value: 'timeout', Type: 'VARCHAR' });
    expect(record.MeasureValues).toContainEqual({
      Name: 'failure_message',
      Value: 'no answer within 5000 ms',
      Type: 'VARCHAR',
    });
  });

  it('reports each rejected record with its reason and origin, and counts the others as written', async () => {
    writeMock.on(WriteRecordsCommand).rejects(
      new RejectedRecordsException({
        $metadata: {},
        message: 'One or more records have been rejected.',
        RejectedRecords: [
          { RecordIndex: 2, Reason: 'The record timestamp is outside the time range of the memory store.' },
          { RecordIndex: 4, Reason: 'A record with the same dimensions and time exists.', ExistingVersion: 1 },
        ],
      }),
    );
    const reports: WriteReport[] = [];
    const { store: s, logger } = store({ onReport: (r) => reports.push(r) });
    await s.writeProbeResults(Array.from({ length: 5 }, (_, i) => result(i)));
    expect(reports).toEqual([
      {
        table: 'probes',
        written: 3,
        rejected: [
          {
            table: 'probes',
            source: 'probe site-a/web-2 at 2026-12-01T08:00:00.002Z',
            reason: 'The record timestamp is outside the time range of the memory store.',
          },
          {
            table: 'probes',
            source: 'probe site-a/web-4 at 2026-12-01T08:00:00.004Z',
            reason: 'A record with the same dimensions and time exists.',
            existingVersion: 1,
          },
        ],
      },
    ]);
    expect(
      logger.entries.filter((e) => e.level === 'error' && e.message === 'timestream rejected a record'),
    ).toHaveLength(2);
  });

  it('retries a throttled call with backoff and then succeeds', async () => {
    writeMock
      .on(WriteRecordsCommand)
      .rejectsOnce(new ThrottlingException({ $metadata: {}, message: 'slow down', Message: 'slow down' }))
      .rejectsOnce(new ThrottlingException({ $metadata: {}, message: 'slow down', Message: 'slow down' }))
      .resolves({});
    const sleeps: number[] = [];
    const reports: WriteReport[] = [];
    const { store: s } = store({ sleeps, onReport: (r) => reports.push(r) });
    await s.writeProbeResults([result(1)]);
    expect(writeMock.commandCalls(WriteRecordsCommand)).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]);
    expect(reports[0]).toMatchObject({ written: 1, rejected: [] });
  });

  it('fails loudly, naming how many records, when a call keeps failing — other calls still write', async () => {
    let call = 0;
    writeMock.on(WriteRecordsCommand).callsFake(() => {
      call++;
      if (call === 1) throw Object.assign(new Error('Access denied'), { name: 'AccessDeniedException' });
      return {};
    });
    const { store: s } = store();
    await expect(s.writeProbeResults(Array.from({ length: 150 }, (_, i) => result(i)))).rejects.toThrow(
      /writing 100 of 150 records to pflow\.probes failed: AccessDeniedException: Access denied/,
    );
    expect(writeMock.commandCalls(WriteRecordsCommand)).toHaveLength(2);
  });

  it('writes samples as DOUBLE records named after the metric and says which ones it could not store', async () => {
    writeMock.on(WriteRecordsCommand).resolves({});
    const { store: s, logger } = store();
    await s.writeMetricSamples([
      { name: 'cpu_busy', labels: { site: 'site-a', host: 'db1' }, time: T0, value: 0.5 },
      { name: 'cpu_busy', labels: { site: 'site-a', host: 'db2' }, time: T0, value: Number.NaN },
    ]);
    const input = writeMock.commandCalls(WriteRecordsCommand)[0]!.args[0].input;
    expect(input.TableName).toBe('metrics');
    expect(input.Records).toEqual([
      {
        Dimensions: [
          { Name: 'host', Value: 'db1', DimensionValueType: 'VARCHAR' },
          { Name: 'site', Value: 'site-a', DimensionValueType: 'VARCHAR' },
        ],
        MeasureName: 'cpu_busy',
        MeasureValueType: 'DOUBLE',
        MeasureValue: '0.5',
        Time: String(T0),
        TimeUnit: 'MILLISECONDS',
      },
    ]);
    expect(logger.text()).toContain('cpu_busy{\\"site\\":\\"site-a\\",\\"host\\":\\"db2\\"}');
  });

  it('writes alert events to the alerts table keyed by site, rule, severity and fingerprint', async () => {
    writeMock.on(WriteRecordsCommand).resolves({});
    const { store: s } = store();
    await s.writeAlertEvents([alertEvent()]);
    const input = writeMock.commandCalls(WriteRecordsCommand)[0]!.args[0].input;
    expect(input.TableName).toBe('alerts');
    expect(input.Records![0]).toMatchObject({
      Dimensions: [
        { Name: 'fingerprint', Value: '0123456789abcdef' },
        { Name: 'rule', Value: 'pfsw-login' },
        { Name: 'severity', Value: 'critical' },
        { Name: 'site', Value: 'site-a' },
      ],
      MeasureName: 'alert',
      Time: String(Date.parse('2026-03-02T08:15:00.000Z')),
    });
  });

  it('hoists nothing from a single record and only what all records share', () => {
    expect(hoist([{ MeasureName: 'a' }])).toEqual({ records: [{ MeasureName: 'a' }] });
    const { common, records } = hoist([
      { MeasureName: 'a', Dimensions: [{ Name: 'site', Value: 'x' }], Time: '1' },
      { MeasureName: 'b', Dimensions: [{ Name: 'site', Value: 'x' }], Time: '2' },
    ]);
    expect(common).toEqual({ Dimensions: [{ Name: 'site', Value: 'x' }] });
    expect(records).toEqual([
      { MeasureName: 'a', Time: '1' },
      { MeasureName: 'b', Time: '2' },
    ]);
  });
});

describe('Timestream reads', () => {
  const col = (Name: string) => ({ Name, Type: { ScalarType: 'VARCHAR' as const } });

  it('builds one statement for a cycle’s window, scoped to the site, with the time range in ms', () => {
    expect(
      windowQuerySql('pflow', 'metrics', {
        table: 'metrics',
        measures: ['cpu_busy', "it's", 'cpu_busy'],
        since: T0 - 300_000,
        until: T0,
        sites: ['site-a'],
      }),
    ).toBe(
      `SELECT * FROM "pflow"."metrics" WHERE measure_name IN ('cpu_busy', 'it''s') AND time BETWEEN from_milliseconds(${T0 - 300_000}) AND from_milliseconds(${T0}) AND site IN ('site-a') ORDER BY time ASC`,
    );
  });

  it('follows NextToken and turns probe rows into one window per measure and series', async () => {
    const columns = [
      col('site'),
      col('probe'),
      col('kind'),
      col('target'),
      col('team'),
      col('measure_name'),
      col('time'),
      col('success'),
      col('duration_ms'),
      col('tls_ms'),
      col('failure_reason'),
    ];
    const row = (probe: string, time: string, success: string, duration: string) => ({
      Data: [
        { ScalarValue: 'site-a' },
        { ScalarValue: probe },
        { ScalarValue: 'http' },
        { ScalarValue: 'http://x/' },
        { ScalarValue: 'clinical' },
        { ScalarValue: 'probe' },
        { ScalarValue: time },
        { ScalarValue: success },
        { ScalarValue: duration },
        { NullValue: true },
        { NullValue: true },
      ],
    });
    queryMock
      .on(QueryCommand)
      .resolvesOnce({
        ColumnInfo: columns,
        Rows: [row('web', '2026-12-01 08:00:00.000000000', '1', '10')],
        NextToken: 't1',
      })
      .resolvesOnce({ ColumnInfo: columns, Rows: [], NextToken: 't2' })
      .resolvesOnce({ ColumnInfo: columns, Rows: [row('web', '2026-12-01 08:01:00.500000000', '0', '5000')] });
    const statements: string[] = [];
    const { store: s } = store({ onQuery: (sql) => statements.push(sql) });
    const windows = await s.fetchWindows({
      table: 'probes',
      measures: ['success', 'tls_ms'],
      since: T0 - 600_000,
      until: T0 + 120_000,
      sites: ['site-a'],
    });
    const calls = queryMock.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(statements).toHaveLength(1);
    expect(calls.map((input) => input.NextToken)).toEqual([undefined, 't1', 't2']);
    expect(new Set(calls.map((input) => input.QueryString))).toEqual(new Set(statements));
    expect(windows).toEqual([
      {
        table: 'probes',
        measure: 'success',
        labels: { site: 'site-a', probe: 'web', kind: 'http', target: 'http://x/', team: 'clinical' },
        points: [
          { t: T0, v: 1 },
          { t: T0 + 60_500, v: 0 },
        ],
      },
    ]);
  });

  it('groups metric rows by measure name and dimensions', async () => {
    queryMock.on(QueryCommand).resolves({
      ColumnInfo: [col('host'), col('site'), col('measure_name'), col('time'), col('measure_value::double')],
      Rows: [
        {
          Data: [
            { ScalarValue: 'db1' },
            { ScalarValue: 'site-a' },
            { ScalarValue: 'cpu' },
            { ScalarValue: '2026-12-01 08:00:00.000000000' },
            { ScalarValue: '0.25' },
          ],
        },
        {
          Data: [
            { NullValue: true },
            { ScalarValue: 'site-a' },
            { ScalarValue: 'cpu' },
            { ScalarValue: '2026-12-01 08:00:00.000000000' },
            { ScalarValue: '0.5' },
          ],
        },
      ],
    });
    const { store: s } = store();
    const windows = await s.fetchWindows({ table: 'metrics', measures: ['cpu'], since: 0, until: T0 });
    expect(windows).toEqual([
      { table: 'metrics', measure: 'cpu', labels: { host: 'db1', site: 'site-a' }, points: [{ t: T0, v: 0.25 }] },
      { table: 'metrics', measure: 'cpu', labels: { site: 'site-a' }, points: [{ t: T0, v: 0.5 }] },
    ]);
  });

  it('sends no query for an empty measure or site list', async () => {
    const { store: s } = store();
    expect(await s.fetchWindows({ table: 'metrics', measures: [], since: 0, until: 1 })).toEqual([]);
    expect(await s.fetchWindows({ table: 'metrics', measures: ['x'], since: 0, until: 1, sites: [] })).toEqual([]);
    expect(queryMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('parses Timestream timestamps to epoch ms', () => {
    expect(parseTimestamp('2026-12-01 08:00:00.123456789')).toBe(T0 + 123);
    expect(parseTimestamp('2026-12-01 08:00:00')).toBe(T0);
    expect(() => parseTimestamp('yesterday')).toThrow(/unexpected timestream timestamp/);
  });
});

import { describe, expect, it } from 'vitest';
import { distinctValues, ident, literal, rollup, select } from '../../../dashboards/src/timestream/query.js';

describe('the Timestream query builder', () => {
  it('builds a time series: bucketed by Grafana interval, grouped, filtered by variables, ordered by time', () => {
    const query = select({
      table: 'probes',
      measureNames: ['probe'],
      by: ['target'],
      values: [{ agg: 'avg', column: 'duration_ms', as: 'duration_ms' }],
      where: [{ column: 'site', variable: 'site' }],
      bin: true,
    });
    expect(query.sql).toBe(
      [
        'SELECT bin(time, ${__interval_ms}ms) AS time, "target", avg("duration_ms") AS duration_ms',
        'FROM $__database."probes"',
        `WHERE $__timeFilter AND measure_name = 'probe' AND "site" IN (\${site:sqlstring})`,
        'GROUP BY bin(time, ${__interval_ms}ms), "target"',
        'ORDER BY time',
      ].join('\n'),
    );
    expect(query.format).toBe('time_series');
    expect(query.refs).toEqual({
      table: 'probes',
      measureNames: ['probe'],
      columns: ['duration_ms', 'site', 'target'],
    });
  });

  it('builds a table over a fixed window with the newest value, an order and a limit', () => {
    const query = select({
      table: 'metrics',
      measureNames: ['pflow_asset_battery_percent', 'up'],
      by: ['asset'],
      values: [{ agg: 'last', column: 'measure_value::double', as: 'battery', times: 100, plus: 1 }],
      where: [
        { column: 'type', equals: "o'brien" },
        { column: 'measure_value::double', op: '<', number: 15 },
      ],
      lastWindow: '1h',
      orderBy: { alias: 'battery', direction: 'ASC' },
      limit: 20,
    });
    expect(query.sql).toBe(
      [
        'SELECT "asset", max_by("measure_value::double", time) * 100 + 1 AS battery',
        'FROM $__database."metrics"',
        `WHERE time >= ago(1h) AND measure_name IN ('pflow_asset_battery_percent', 'up') AND "type" = 'o''brien' AND "measure_value::double" < 15`,
        'GROUP BY "asset"',
        'ORDER BY battery ASC',
        'LIMIT 20',
      ].join('\n'),
    );
    expect(query.format).toBe('table');
  });

  it('rolls up the newest value per series (probes down per site)', () => {
    const query = rollup(
      {
        table: 'probes',
        measureNames: ['probe'],
        by: ['site', 'probe'],
        values: [{ agg: 'last', column: 'success', as: 'success' }],
        lastWindow: '1h',
      },
      {
        by: ['site'],
        values: [{ agg: 'count', of: 'success', as: 'down' }],
        where: [{ alias: 'success', op: '<', number: 1 }],
      },
    );
    expect(query.sql).toBe(
      [
        'SELECT "site", count(success) AS down',
        'FROM (',
        'SELECT "site", "probe", max_by("success", time) AS success',
        'FROM $__database."probes"',
        "WHERE time >= ago(1h) AND measure_name = 'probe'",
        'GROUP BY "site", "probe"',
        ')',
        'WHERE success < 1',
        'GROUP BY "site"',
      ].join('\n'),
    );
  });

  it("lists a variable's values with DISTINCT", () => {
    expect(distinctValues('metrics', ['up'], 'job').sql).toBe(
      [
        'SELECT DISTINCT "job"',
        'FROM $__database."metrics"',
        "WHERE $__timeFilter AND measure_name = 'up'",
        'ORDER BY "job"',
      ].join('\n'),
    );
  });

  it.each([
    ['a column name that could break out of its quotes', () => ident('a" OR 1=1 --')],
    ['no measure name', () => select({ table: 'probes', measureNames: [], values: [] })],
    [
      'an alias that is not snake case',
      () =>
        select({ table: 'probes', measureNames: ['probe'], values: [{ agg: 'avg', column: 'success', as: 'A b' }] }),
    ],
    [
      'a HAVING on a value not selected',
      () =>
        select({
          table: 'probes',
          measureNames: ['probe'],
          values: [{ agg: 'avg', column: 'success', as: 'ok' }],
          having: [{ alias: 'nope', op: '>', number: 1 }],
        }),
    ],
    [
      'a rollup over a column the inner query does not select',
      () =>
        rollup(
          {
            table: 'probes',
            measureNames: ['probe'],
            by: ['site'],
            values: [{ agg: 'last', column: 'success', as: 's' }],
          },
          { by: ['probe'], values: [{ agg: 'sum', of: 's', as: 'up' }] },
        ),
    ],
  ])('refuses %s', (_name, build) => {
    expect(build).toThrow();
  });

  it('quotes SQL string literals', () => {
    expect(literal("it's")).toBe("'it''s'");
  });
});

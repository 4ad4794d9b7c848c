/**
 * A small typed builder for the Timestream SQL the dashboards send through Grafana's Timestream data
 * source (the Foundation SDK has no Timestream module). Tables, dimensions and measures are typed
 * after what `src/adapters/aws/timestream-records.ts` writes, and every identifier is double-quoted
 * so a test can read back exactly which columns a query names and compare them with the adapter's
 * records. Grafana's macros do the rest: `$__database`, `$__timeFilter`, `${__interval_ms}`, and
 * `${var:sqlstring}` for a multi-value template variable.
 */

/** The `probes` table: one multi-measure record `probe` per result. */
export interface ProbesTable {
  readonly measureName: 'probe';
  readonly dimension: 'site' | 'probe' | 'kind' | 'target';
  readonly measure:
    | 'success'
    | 'duration_ms'
    | 'dns_ms'
    | 'connect_ms'
    | 'tls_ms'
    | 'first_byte_ms'
    | 'transfer_ms'
    | 'status_code'
    | 'cert_days_left'
    | 'cert_not_after'
    | 'tls_version'
    | 'failure_reason'
    | 'failure_message';
}

/** The `alerts` table: one multi-measure record `alert` per state change. */
export interface AlertsTable {
  readonly measureName: 'alert';
  readonly dimension: 'site' | 'rule' | 'severity' | 'fingerprint';
  readonly measure: 'state' | 'previous_state' | 'event_id' | 'summary' | 'value';
}

/** The `metrics` table: one DOUBLE record per sample, named for its metric; labels are dimensions. */
export interface MetricsTable {
  readonly measureName: string;
  readonly dimension: string;
  readonly measure: 'measure_value::double';
}

export interface Tables {
  readonly probes: ProbesTable;
  readonly alerts: AlertsTable;
  readonly metrics: MetricsTable;
}
export type TableName = keyof Tables;

/** A column of table T: a dimension or a measure. */
export type Column<T extends TableName> = Tables[T]['dimension'] | Tables[T]['measure'];

/** What a query reads, for the tests that hold it against what the adapter writes. */
export interface TimestreamRefs {
  readonly table: TableName;
  readonly measureNames: readonly string[];
  readonly columns: readonly string[];
}

export interface TimestreamQuery {
  readonly sql: string;
  readonly refs: TimestreamRefs;
  /** `time_series` when the result has a `time` column to plot, else `table`. */
  readonly format: 'time_series' | 'table';
}

/** `"name"`; `measure_value::double` is Timestream's own column name and is quoted the same way. */
export function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_:]*$/.test(name)) throw new Error(`not a Timestream column name: ${name}`);
  return `"${name}"`;
}

/** A SQL string literal. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * `last` is the newest value (`max_by(x, time)`); `seconds_since_max` is now minus the largest value
 * (a Unix-seconds timestamp series); `increase_per_second` is (max − min) per second of the bin, a
 * counter's rate that ignores resets (Timestream has no rate()).
 */
export type Aggregate =
  'avg' | 'min' | 'max' | 'sum' | 'count' | 'last' | 'count_distinct' | 'seconds_since_max' | 'increase_per_second';

/** A selected value: an aggregate over a column, with the alias Grafana shows. */
export interface ValueSpec<T extends TableName> {
  readonly agg: Aggregate;
  readonly column: Column<T>;
  readonly as: string;
  /** Scales the aggregate (e.g. 1/1000 to turn ms into s); kept as a plain factor. */
  readonly times?: number;
  /** Added after scaling: `times: -1, plus: 1` turns a success ratio into a failure ratio. */
  readonly plus?: number;
}

function valueSql<T extends TableName>(value: ValueSpec<T>): string {
  const column = ident(value.column);
  let expr: string;
  switch (value.agg) {
    case 'last':
      expr = `max_by(${column}, time)`;
      break;
    case 'count_distinct':
      expr = `count(DISTINCT ${column})`;
      break;
    case 'seconds_since_max':
      expr = `to_unixtime(now()) - max(${column})`;
      break;
    case 'increase_per_second':
      expr = `(max(${column}) - min(${column})) / (\${__interval_ms} / 1000.0)`;
      break;
    default:
      expr = `${value.agg}(${column})`;
  }
  if (value.times !== undefined) expr = `${expr} * ${value.times}`;
  if (value.plus !== undefined) expr = `${expr} + ${value.plus}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(value.as)) throw new Error(`alias must be lower-case snake case: ${value.as}`);
  return `${expr} AS ${value.as}`;
}

/** One condition: a dimension against a template variable, a literal, or a comparison on a measure. */
export type Condition<T extends TableName> =
  | { readonly column: Column<T>; readonly variable: string }
  | { readonly column: Column<T>; readonly equals: string }
  | { readonly column: Column<T>; readonly op: '<' | '<=' | '>' | '>=' | '=' | '!='; readonly number: number }
  | { readonly column: Column<T>; readonly isNotNull: true }
  | {
      /** Any of these columns holds the text variable's value, any case (empty: every row). */
      readonly anyOf: readonly Column<T>[];
      readonly containsVariable: string;
    };

function conditionSql<T extends TableName>(condition: Condition<T>): string {
  if ('anyOf' in condition) {
    if (!/^[a-z_]+$/.test(condition.containsVariable))
      throw new Error(`not a variable name: ${condition.containsVariable}`);
    // LIKE on the quoted literal Grafana makes of the text: the text is never SQL.
    const pattern = `('%' || lower(\${${condition.containsVariable}:sqlstring}) || '%')`;
    return `(${condition.anyOf.map((c) => `lower(${ident(c)}) LIKE ${pattern}`).join(' OR ')})`;
  }
  const column = ident(condition.column);
  if ('variable' in condition) return `${column} IN (\${${condition.variable}:sqlstring})`;
  if ('equals' in condition) return `${column} = ${literal(condition.equals)}`;
  if ('isNotNull' in condition) return `${column} IS NOT NULL`;
  return `${column} ${condition.op} ${condition.number}`;
}

export interface SelectSpec<T extends TableName> {
  readonly table: T;
  /** The record's measure name(s): `probe`, `alert`, or the metric names of the `metrics` table. */
  readonly measureNames: readonly Tables[T]['measureName'][];
  /** Dimensions (or text measures) to group by and show. */
  readonly by?: readonly Column<T>[];
  readonly values: readonly ValueSpec<T>[];
  readonly where?: readonly Condition<T>[];
  /** Bucket by Grafana's interval (a time series), or by a fixed interval such as `1d`. */
  readonly bin?: true | '1h' | '1d';
  /** Only the window up to now instead of the dashboard's range (e.g. `30m` for "last 30 minutes"). */
  readonly lastWindow?: '5m' | '30m' | '1h' | '1d' | '7d';
  /** Conditions on the aggregated values (HAVING), by alias. */
  readonly having?: readonly {
    readonly alias: string;
    readonly op: '<' | '<=' | '>' | '>=' | '=';
    readonly number: number;
  }[];
  /** Order by a value alias (table panels), e.g. soonest certificates first. */
  readonly orderBy?: { readonly alias: string; readonly direction: 'ASC' | 'DESC' };
  readonly limit?: number;
  /** Raw rows (no aggregate): `time` and the `by` columns, newest first. */
  readonly rows?: true;
}

/** Builds one SELECT over one table. */
export function select<T extends TableName>(spec: SelectSpec<T>): TimestreamQuery {
  if (spec.measureNames.length === 0) throw new Error('a Timestream query needs at least one measure name');
  const by = (spec.by ?? []).map((column) => ident(column));
  const bin =
    spec.bin === undefined ? undefined : spec.bin === true ? 'bin(time, ${__interval_ms}ms)' : `bin(time, ${spec.bin})`;
  const columns = [...(bin ? [`${bin} AS time`] : spec.rows ? ['time'] : []), ...by, ...spec.values.map(valueSql)];
  const measureFilter =
    spec.measureNames.length === 1
      ? `measure_name = ${literal(spec.measureNames[0]!)}`
      : `measure_name IN (${spec.measureNames.map(literal).join(', ')})`;
  const where = [
    spec.lastWindow ? `time >= ago(${spec.lastWindow})` : '$__timeFilter',
    measureFilter,
    ...(spec.where ?? []).map(conditionSql),
  ];
  const groupBy = [...(bin ? [bin] : []), ...by];
  const lines = [
    `SELECT ${columns.join(', ')}`,
    `FROM $__database.${ident(spec.table)}`,
    `WHERE ${where.join(' AND ')}`,
  ];
  const aggregated = spec.values.length > 0;
  if (aggregated && groupBy.length > 0) lines.push(`GROUP BY ${groupBy.join(', ')}`);
  if (spec.having && spec.having.length > 0) {
    const aliases = new Map(spec.values.map((v) => [v.as, valueSql(v).replace(/ AS \w+$/, '')]));
    lines.push(
      `HAVING ${spec.having
        .map((h) => {
          const expr = aliases.get(h.alias);
          if (expr === undefined) throw new Error(`HAVING names no selected value: ${h.alias}`);
          return `${expr} ${h.op} ${h.number}`;
        })
        .join(' AND ')}`,
    );
  }
  if (bin) lines.push('ORDER BY time');
  else if (spec.rows) lines.push('ORDER BY time DESC');
  else if (spec.orderBy) lines.push(`ORDER BY ${spec.orderBy.alias} ${spec.orderBy.direction}`);
  if (spec.limit !== undefined) lines.push(`LIMIT ${spec.limit}`);
  const referenced = new Set<string>([
    ...(spec.by ?? []),
    ...spec.values.map((v) => v.column),
    ...(spec.where ?? []).flatMap((c) => ('anyOf' in c ? c.anyOf : [c.column])),
  ]);
  return {
    sql: lines.join('\n'),
    refs: { table: spec.table, measureNames: [...spec.measureNames], columns: [...referenced].sort() },
    format: bin ? 'time_series' : 'table',
  };
}

/** A template variable's values: the distinct values of one dimension. */
export function distinctValues<T extends TableName>(
  table: T,
  measureNames: readonly Tables[T]['measureName'][],
  column: Column<T>,
  where: readonly Condition<T>[] = [],
): TimestreamQuery {
  const query = select({ table, measureNames, by: [column], values: [], where });
  const sql = query.sql.replace(/^SELECT /, 'SELECT DISTINCT ') + `\nORDER BY ${ident(column)}`;
  return { ...query, sql };
}

export interface RollupSpec {
  /** Columns of the inner query (its `by`) to group by again. */
  readonly by: readonly string[];
  readonly values: readonly {
    readonly agg: 'sum' | 'count' | 'min' | 'max' | 'avg';
    readonly of: string;
    readonly as: string;
  }[];
  /** Keep only inner rows whose value alias compares so (e.g. the newest state is `firing`). */
  readonly where?: readonly (
    | { readonly alias: string; readonly equals: string }
    | { readonly alias: string; readonly op: '<' | '<=' | '>' | '>=' | '='; readonly number: number }
  )[];
  readonly orderBy?: { readonly alias: string; readonly direction: 'ASC' | 'DESC' };
  readonly limit?: number;
}

/**
 * Aggregates over the newest value per series: e.g. probes up per site is the sum over probes of
 * each probe's last `success`. The inner query is a `select` (typically with `agg: 'last'`).
 */
export function rollup<T extends TableName>(inner: SelectSpec<T>, outer: RollupSpec): TimestreamQuery {
  const query = select(inner);
  const innerColumns = new Set<string>([...(inner.by ?? []).map(String), ...inner.values.map((v) => v.as)]);
  const column = (name: string) => {
    if (!innerColumns.has(name)) throw new Error(`rollup names ${name}, which the inner query does not select`);
    return (inner.by ?? []).map(String).includes(name) ? ident(name) : name;
  };
  const select_ = [
    ...outer.by.map(column),
    ...outer.values.map((v) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(v.as)) throw new Error(`alias must be lower-case snake case: ${v.as}`);
      return `${v.agg}(${column(v.of)}) AS ${v.as}`;
    }),
  ];
  const lines = [`SELECT ${select_.join(', ')}`, `FROM (\n${query.sql}\n)`];
  if (outer.where && outer.where.length > 0) {
    lines.push(
      `WHERE ${outer.where
        .map((w) =>
          'equals' in w ? `${column(w.alias)} = ${literal(w.equals)}` : `${column(w.alias)} ${w.op} ${w.number}`,
        )
        .join(' AND ')}`,
    );
  }
  if (outer.by.length > 0 && outer.values.length > 0) lines.push(`GROUP BY ${outer.by.map(column).join(', ')}`);
  if (outer.orderBy) lines.push(`ORDER BY ${outer.orderBy.alias} ${outer.orderBy.direction}`);
  if (outer.limit !== undefined) lines.push(`LIMIT ${outer.limit}`);
  return { sql: lines.join('\n'), refs: query.refs, format: 'table' };
}

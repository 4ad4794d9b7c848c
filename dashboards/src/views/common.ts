import type { VariableName } from '../spec.js';
import { select, type Aggregate, type Condition, type SelectSpec, type TimestreamQuery } from '../timestream/query.js';

/** Conditions that filter a Timestream query by the dashboard's variables. */
export function byVariables(variables: readonly VariableName[]): Condition<'metrics'>[] {
  return variables.map((name) => ({ column: name, variable: name }));
}

/** A query over scraped samples (`metrics` table): one aggregate of `measure_value::double`. */
export function tsMetric(
  names: readonly string[],
  options: {
    readonly agg: Aggregate;
    readonly as: string;
    readonly variables: readonly VariableName[];
    readonly by?: readonly string[];
    readonly where?: readonly Condition<'metrics'>[];
    readonly bin?: SelectSpec<'metrics'>['bin'];
    readonly lastWindow?: SelectSpec<'metrics'>['lastWindow'];
    readonly times?: number;
    readonly plus?: number;
    readonly orderBy?: SelectSpec<'metrics'>['orderBy'];
    readonly limit?: number;
  },
): TimestreamQuery {
  return select({
    table: 'metrics',
    measureNames: names,
    ...(options.by ? { by: options.by } : {}),
    values: [
      {
        agg: options.agg,
        column: 'measure_value::double',
        as: options.as,
        ...(options.times !== undefined ? { times: options.times } : {}),
        ...(options.plus !== undefined ? { plus: options.plus } : {}),
      },
    ],
    where: [...byVariables(options.variables), ...(options.where ?? [])],
    ...(options.bin ? { bin: options.bin } : {}),
    ...(options.lastWindow ? { lastWindow: options.lastWindow } : {}),
    ...(options.orderBy ? { orderBy: options.orderBy } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  });
}

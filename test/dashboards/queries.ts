import { DASHBOARD_SPECS } from '../../dashboards/src/index.js';
import { panelsOf, type PromTarget } from '../../dashboards/src/spec.js';
import type { TimestreamQuery } from '../../dashboards/src/timestream/query.js';
import { VARIABLES } from '../../dashboards/src/variables.js';
import { SEED_SEARCH, SEED_VARIABLES } from './seed.js';

/** Every query the dashboards send, named by where it is, for table-driven tests. */
export interface Located<T> {
  readonly where: string;
  readonly query: T;
}

export function promTargets(): Located<PromTarget>[] {
  return DASHBOARD_SPECS.flatMap((spec) =>
    panelsOf(spec).flatMap((panel) =>
      panel.prom.map((query, index) => ({
        where: `${spec.uid} panel ${panel.id} "${panel.title}" #${index}`,
        // Table panels ask for one value per series, as the renderer sets them.
        query: { ...query, instant: query.instant === true || panel.kind === 'table' },
      })),
    ),
  );
}

export function timestreamQueries(): Located<TimestreamQuery>[] {
  return [
    ...DASHBOARD_SPECS.flatMap((spec) =>
      panelsOf(spec).flatMap((panel) =>
        panel.timestream.map((query, index) => ({
          where: `${spec.uid} panel ${panel.id} "${panel.title}" #${index}`,
          query,
        })),
      ),
    ),
    ...Object.values(VARIABLES).map((variable) => ({ where: `variable ${variable.name}`, query: variable.timestream })),
  ];
}

/** What Grafana's Prometheus data source does to a text box's value: backslashes and quotes escaped. */
export function prometheusTextEscape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/'/g, "\\\\'");
}

/** Grafana's interpolation, with the seeded values for the variables and fixed intervals. */
export function interpolate(expr: string, search: string = SEED_SEARCH): string {
  return expr
    .replace(/\$search\b/g, () => prometheusTextEscape(search))
    .replace(/\$__rate_interval/g, '2m')
    .replace(/\$__interval/g, '1m')
    .replace(/\$__range/g, '1h')
    .replace(/\$(site|probe|agent|job)\b/g, (_, name: keyof typeof SEED_VARIABLES) => SEED_VARIABLES[name]);
}

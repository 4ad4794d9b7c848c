import type { Backend, QueryVariableName } from './spec.js';
import { distinctValues, type TimestreamQuery } from './timestream/query.js';

/**
 * The four template variables, per backend. All are multi-value with "All". On Prometheus "All" is
 * the regex `.*` (so `site=~"$site"` matches every site, and series without the label too); on
 * Timestream "All" is the list of values, used as `"site" IN (${site:sqlstring})`.
 */
export interface VariableDefinition {
  readonly name: QueryVariableName;
  readonly label: string;
  readonly description: string;
  readonly prom: string;
  readonly timestream: TimestreamQuery;
}

export const VARIABLES: Readonly<Record<QueryVariableName, VariableDefinition>> = {
  site: {
    name: 'site',
    label: 'Site',
    description: 'The hospital site (every record carries it).',
    prom: 'label_values(probe_success, site)',
    timestream: distinctValues('probes', ['probe'], 'site'),
  },
  probe: {
    name: 'probe',
    label: 'Probe',
    description: 'A probe id from the site config (an endpoint).',
    prom: 'label_values(probe_success{site=~"$site"}, probe)',
    timestream: distinctValues('probes', ['probe'], 'probe', [{ column: 'site', variable: 'site' }]),
  },
  agent: {
    name: 'agent',
    label: 'Agent',
    description: 'An on-prem agent id (agent.yaml `agent.id`).',
    prom: 'label_values(pflow_agent_up{site=~"$site"}, agent)',
    timestream: distinctValues('metrics', ['pflow_agent_up'], 'agent', [{ column: 'site', variable: 'site' }]),
  },
  job: {
    name: 'job',
    label: 'Job',
    description: 'A scrape job of an agent (agent.yaml `scrape_configs[].job_name`).',
    prom: 'label_values(up{site=~"$site", agent=~"$agent"}, job)',
    timestream: distinctValues('metrics', ['up'], 'job', [
      { column: 'site', variable: 'site' },
      { column: 'agent', variable: 'agent' },
    ]),
  },
};

/**
 * A text box: part of an asset id, type or zone name, any case; empty matches everything. PromQL
 * takes it as `$search` inside a regex matcher (Grafana's Prometheus data source escapes its
 * backslashes; `${search:regex}` would make escapes PromQL strings refuse), so on AMP it is a regex
 * fragment: plain words match as typed, `.` matches any character. Timestream SQL takes it as
 * `${search:sqlstring}`, a quoted literal, in a LIKE.
 */
export const SEARCH_VARIABLE = {
  name: 'search',
  label: 'Search',
  description: 'Part of an asset id, type or zone name (any case); empty: every asset.',
} as const;

export function variableQuery(name: QueryVariableName, backend: Backend): string {
  return backend === 'amp' ? VARIABLES[name].prom : VARIABLES[name].timestream.sql;
}

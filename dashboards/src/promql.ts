import type { VariableName } from './spec.js';

/**
 * A PromQL selector filtered by the dashboard's variables: `sel('probe_success', ['site', 'probe'])`
 * → `probe_success{site=~"$site", probe=~"$probe"}`. Extra matchers come first, as written.
 */
export function sel(metric: string, variables: readonly VariableName[], extra: readonly string[] = []): string {
  const matchers = [...extra, ...variables.map((name) => `${name}=~"$${name}"`)];
  return `${metric}{${matchers.join(', ')}}`;
}

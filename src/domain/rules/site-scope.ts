import type { LabelMatcher } from '../labels.js';
import type { RuleGroupDefinition } from './types.js';

/**
 * A rule group as one site's evaluation runs it (the rule Lambda runs each group once per site, so
 * one site's slow store never holds up another's alerts). Rules pinned by a `site="…"` matcher to
 * another site are left out; every other rule gets `site="<site>"`, so it sees only this site's
 * series and its rule-level instance (no series at all) belongs to this site, not to `unknown`.
 */
export function scopeGroupToSite(group: RuleGroupDefinition, site: string): RuleGroupDefinition {
  const siteMatcher: LabelMatcher = { name: 'site', op: '=', value: site };
  const rules = group.rules
    .filter((rule) => !rule.matchers.some((m) => m.name === 'site' && m.op === '=' && m.value !== site))
    .map((rule) =>
      rule.matchers.some((m) => m.name === 'site' && m.op === '=')
        ? rule
        : { ...rule, matchers: [siteMatcher, ...rule.matchers] },
    );
  return { ...group, rules };
}

/** The sites a group is evaluated at: its own `sites` when set, otherwise every site of the config. */
export function ruleGroupSites(group: RuleGroupDefinition, sites: readonly { readonly id: string }[]): string[] {
  const all = sites.map((site) => site.id);
  return group.sites === undefined ? all : all.filter((site) => group.sites!.includes(site));
}

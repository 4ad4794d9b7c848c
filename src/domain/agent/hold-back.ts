import { parseMatcher } from '../labels.js';
import type { AlertInstanceState } from '../rules/types.js';
import type { Silence } from '../silences.js';

/**
 * The default "agent silent" rule's id; `pflow-agent-silent-<anything>` too, so each agent site can
 * have its own rule (pinned by `site="…"`, which keeps it out of the other sites' cycles).
 */
export const AGENT_SILENT_RULE_ID = 'pflow-agent-silent';

export function isAgentSilentRule(ruleId: string): boolean {
  return ruleId === AGENT_SILENT_RULE_ID || ruleId.startsWith(`${AGENT_SILENT_RULE_ID}-`);
}

/** A probe run by an agent (`runs_on: agent:<id>`): its alerts are agent-sourced too. */
export interface AgentProbe {
  readonly id: string;
  readonly site: string;
}

/**
 * The hold-back: while a site's agent-silent alert fires, that site's other agent-sourced alerts
 * (series with an `agent` label, and probes the agent runs) are held back, so the hospital gets
 * one "agent offline" alert rather than one per target the agent can no longer report on.
 *
 * Expressed as silences for this evaluation only (`now` to `now + 1`), so the rule engine treats
 * them as it treats any silence: state is still evaluated, and an alert still firing once the
 * agent is back is announced then. The agent-silent alert itself is never held back.
 */
export function agentHoldBacks(
  states: Iterable<AlertInstanceState>,
  agentProbes: readonly AgentProbe[],
  now: number,
): Silence[] {
  const silentSites = new Set<string>();
  for (const state of states) {
    if (isAgentSilentRule(state.ruleId) && state.state === 'firing') silentSites.add(state.site);
  }
  const silences: Silence[] = [];
  for (const site of [...silentSites].sort()) {
    const common = [parseMatcher(`site="${escape(site)}"`), parseMatcher(`rule!~"${AGENT_SILENT_RULE_ID}(-.*)?"`)];
    const window = { startsAt: now, endsAt: now + 1, comment: `agent of site ${site} silent: held back` };
    silences.push({
      id: `agent-hold-back:${site}:series`,
      matchers: [...common, parseMatcher('agent=~".+"')],
      ...window,
    });
    const probes = agentProbes.filter((probe) => probe.site === site).map((probe) => regexEscape(probe.id));
    if (probes.length > 0) {
      silences.push({
        id: `agent-hold-back:${site}:probes`,
        matchers: [...common, parseMatcher(`probe=~"${escape(probes.join('|'))}"`)],
        ...window,
      });
    }
  }
  return silences;
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function regexEscape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * What the rule cycles need for the hold-back, from the config: nothing when it has no agent-silent
 * rule (every rule group then evaluates exactly as before).
 */
export function agentHoldBackFor(config: {
  readonly ruleGroups: readonly { readonly rules: readonly { readonly id: string }[] }[];
  readonly probes: readonly { readonly id: string; readonly site: string; readonly runsOn: string }[];
}): { readonly ruleIds: readonly string[]; readonly agentProbes: readonly AgentProbe[] } | undefined {
  const ruleIds = config.ruleGroups.flatMap((group) => group.rules.map((rule) => rule.id)).filter(isAgentSilentRule);
  if (ruleIds.length === 0) return undefined;
  return {
    ruleIds,
    agentProbes: config.probes
      .filter((probe) => probe.runsOn.startsWith('agent:'))
      .map((probe) => ({ id: probe.id, site: probe.site })),
  };
}

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
  /** The agent that runs it (absent in callers that predate per-agent hold-back: site-wide only). */
  readonly agent?: string;
}

/**
 * The hold-back: while an agent-silent alert is pending or firing, the other alerts that agent sourced (series
 * with its `agent` label, and probes it runs) are held back, so the hospital gets one "agent
 * offline" alert rather than one per target the agent can no longer report on. A silent alert
 * that names no agent (a rule written per site, firing with no series at all) holds back every
 * agent-sourced alert of its site. Another agent's alerts at the same site are not held back: that
 * agent still reports, so its alerts are real.
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
  // site → the silent agents, or `undefined` once a silent alert names none (the whole site).
  const silent = new Map<string, Set<string> | undefined>();
  for (const state of states) {
    // Pending counts: the heartbeat is already missing (see agentSuspectAfterMs), and the agent's
    // own alerts must be held back before they notice the same silence.
    if (!isAgentSilentRule(state.ruleId) || (state.state !== 'firing' && state.state !== 'pending')) continue;
    const agent = state.labels.agent;
    if (silent.has(state.site) && silent.get(state.site) === undefined) continue;
    if (agent === undefined || agent === '') silent.set(state.site, undefined);
    else silent.set(state.site, (silent.get(state.site) ?? new Set()).add(agent));
  }
  const silences: Silence[] = [];
  for (const site of [...silent.keys()].sort()) {
    const agents = silent.get(site);
    const common = [parseMatcher(`site="${escape(site)}"`), parseMatcher(`rule!~"${AGENT_SILENT_RULE_ID}(-.*)?"`)];
    const window = { startsAt: now, endsAt: now + 1 };
    const who = agents === undefined ? `agent of site ${site}` : `agent ${[...agents].sort().join(', ')}`;
    const agentMatcher =
      agents === undefined ? 'agent=~".+"' : `agent=~"${escape([...agents].sort().map(regexEscape).join('|'))}"`;
    silences.push({
      id: `agent-hold-back:${site}:series`,
      matchers: [...common, parseMatcher(agentMatcher)],
      ...window,
      comment: `${who} silent: held back`,
    });
    const probes = agentProbes
      .filter((probe) => probe.site === site)
      .filter((probe) => agents === undefined || probe.agent === undefined || agents.has(probe.agent))
      .map((probe) => regexEscape(probe.id));
    if (probes.length > 0) {
      silences.push({
        id: `agent-hold-back:${site}:probes`,
        matchers: [...common, parseMatcher(`probe=~"${escape(probes.join('|'))}"`)],
        ...window,
        comment: `${who} silent: held back`,
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
      .map((probe) => ({ id: probe.id, site: probe.site, agent: probe.runsOn.slice('agent:'.length) })),
  };
}

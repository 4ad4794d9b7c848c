import type { RouteDefinition } from '../config/model.js';
import { formatDuration } from '../duration.js';
import { parseMatcher, type LabelMatcher } from '../labels.js';
import type { RuleDefinition, RuleGroupDefinition } from '../rules/types.js';
import { AGENT_SILENT_RULE_ID } from './hold-back.js';

/**
 * The default agent rules, expanded from the sites' `agents:` declarations: for every declared
 * agent an "Agent offline" rule on its heartbeat and an "Agent buffer growing" rule on the age of
 * its oldest unsent data. The offline rule's id starts with `pflow-agent-silent`, which is what the
 * hold-back (hold-back.ts) looks for: while it fires, that agent's other alerts are held back.
 *
 * Pure: the config's normalisation calls it, so the local runtime, the rule Lambda, the stack's
 * schedules and `pflow cost` all see the same generated rules without knowing they were generated.
 */

/** The generated group's name (reserved while any site has default agent rules). */
export const AGENT_RULE_GROUP = 'pflow-agents';
/** Every minute: EventBridge Scheduler's floor, and far below the shortest silent_after (1m). */
export const AGENT_RULE_INTERVAL_MS = 60_000;

export const AGENT_RULE_DEFAULTS = {
  /** The agent forwards every few seconds; five minutes without a heartbeat is an outage, not a blip. */
  silentAfterMs: 5 * 60_000,
  /** Older unsent data than this means forwarding has stopped, not merely slowed. */
  bufferAgeMs: 10 * 60_000,
  /** …and it stayed that old this long (the rule's window, reducer `min`). */
  bufferForMs: 10 * 60_000,
} as const;

const BUFFER_RULE_PREFIX = 'pflow-agent-buffer-growing';

/** One agent named under a site's `agents:`, with its thresholds (defaults applied). */
export interface DeclaredAgent {
  readonly id: string;
  readonly silentAfterMs: number;
  readonly bufferAgeMs: number;
  readonly bufferForMs: number;
  /** When set, this agent's default alerts go to these channels only (a route placed first). */
  readonly channels?: readonly string[];
  /** A pulled agent (`aws.pull`): its heartbeats arrive once per pull, this often. */
  readonly pullIntervalMs?: number;
}

export interface SiteAgents {
  readonly site: string;
  readonly agents: readonly DeclaredAgent[];
  /** `default_rules: false` on the site: its agents are declared but no rule is generated. */
  readonly defaultRules: boolean;
}

export function agentSilentRuleId(agent: string): string {
  return `${AGENT_SILENT_RULE_ID}-${agent}`;
}

export function agentBufferRuleId(agent: string): string {
  return `${BUFFER_RULE_PREFIX}-${agent}`;
}

export interface DefaultAgentRules {
  /** The generated group, run only at the sites in its `sites`; absent when nothing is generated. */
  readonly group?: RuleGroupDefinition;
  /** Routes for agents with their own `channels`, to go before the config's routes. */
  readonly routes: readonly RouteDefinition[];
  /** Generated rule ids left out because the config defines a rule with that id (theirs wins). */
  readonly replaced: readonly string[];
}

export function defaultAgentRules(
  sites: readonly SiteAgents[],
  options: { readonly configRuleIds: ReadonlySet<string>; readonly repeatIntervalMs: number },
): DefaultAgentRules {
  const rules: RuleDefinition[] = [];
  const replaced: string[] = [];
  const routes: RouteDefinition[] = [];
  const ruleSites: string[] = [];
  for (const { site, agents, defaultRules } of sites) {
    if (!defaultRules) continue;
    let siteHasRules = false;
    for (const agent of agents) {
      for (const rule of [
        silentRule(site, agent, options.repeatIntervalMs),
        bufferRule(site, agent, options.repeatIntervalMs),
      ]) {
        if (options.configRuleIds.has(rule.id)) replaced.push(rule.id);
        else {
          rules.push(rule);
          siteHasRules = true;
        }
      }
      if (agent.channels !== undefined && agent.channels.length > 0) {
        routes.push({
          // By rule id, so a config rule that replaces a default one follows the channels too. Agent
          // ids are lower-case letters, digits and hyphens: nothing to escape in the regex.
          matchers: [parseMatcher(`rule=~"${agentSilentRuleId(agent.id)}|${agentBufferRuleId(agent.id)}"`)],
          channels: agent.channels,
          continue: false,
          groupWaitMs: 0,
        });
      }
    }
    if (siteHasRules) ruleSites.push(site);
  }
  return {
    ...(rules.length > 0 && {
      group: { name: AGENT_RULE_GROUP, intervalMs: AGENT_RULE_INTERVAL_MS, rules, sites: ruleSites },
    }),
    routes,
    replaced,
  };
}

/** Pinned to the site and the agent: the rule-level instance (no heartbeat at all) names both. */
function pinned(site: string, agent: string): LabelMatcher[] {
  return [
    { name: 'site', op: '=', value: site },
    { name: 'agent', op: '=', value: agent },
  ];
}

function common(site: string, agent: DeclaredAgent, repeatIntervalMs: number) {
  return {
    group: AGENT_RULE_GROUP,
    table: 'metrics' as const,
    matchers: pinned(site, agent.id),
    keepFiringForMs: 0,
    onError: 'error' as const,
    repeatIntervalMs,
    sendResolved: true,
    labels: {},
    links: [],
  };
}

/**
 * How long without a heartbeat before the agent is suspect: the offline rule turns pending, and the
 * hold-back starts (it holds back while the rule is pending or firing). Two minutes is a dozen of
 * a pushing agent's forward cycles (10 s by default) and one rule cycle to spare; a pulled agent's
 * heartbeats arrive once per pull, so one pull interval more. Never later than silent_after.
 */
export function agentSuspectAfterMs(agent: Pick<DeclaredAgent, 'silentAfterMs' | 'pullIntervalMs'>): number {
  const suspect = Math.max(2 * 60_000, (agent.pullIntervalMs ?? 0) + 60_000);
  return Math.min(suspect, agent.silentAfterMs);
}

function silentRule(site: string, agent: DeclaredAgent, repeatIntervalMs: number): RuleDefinition {
  const after = formatDuration(agent.silentAfterMs);
  const suspectMs = agentSuspectAfterMs(agent);
  return {
    ...common(site, agent, repeatIntervalMs),
    id: agentSilentRuleId(agent.id),
    name: 'Agent offline',
    severity: 'critical',
    measure: 'pflow_agent_up',
    // Pending once no heartbeat came for suspectMs (the hold-back starts), firing at silent_after:
    // the agent's own alerts, whose windows are usually longer, are held back before they notice.
    windowMs: suspectMs,
    forMs: agent.silentAfterMs - suspectMs,
    reducer: 'last',
    threshold: { op: '<', value: 1 },
    // No heartbeat in the window is the very condition: a vanished series, or none ever seen.
    noData: 'alerting',
    annotations: {
      summary: `The on-prem agent ${agent.id} of site ${site} has sent nothing for ${after}`,
      description: `No heartbeat (pflow_agent_up) from agent ${agent.id} reached the store in the last ${after}: the agent, its server or the link to the cloud is down. Its other alerts are held back until it reports again.`,
    },
  };
}

function bufferRule(site: string, agent: DeclaredAgent, repeatIntervalMs: number): RuleDefinition {
  return {
    ...common(site, agent, repeatIntervalMs),
    id: agentBufferRuleId(agent.id),
    name: 'Agent buffer growing',
    severity: 'warning',
    measure: 'pflow_agent_buffer_oldest_age_seconds',
    windowMs: agent.bufferForMs,
    // The oldest unsent data stayed older than the threshold for the whole window.
    reducer: 'min',
    threshold: { op: '>', value: agent.bufferAgeMs / 1000 },
    forMs: 0,
    // An agent that sends nothing is the offline rule's alert; this one would only repeat it.
    noData: 'ok',
    annotations: {
      summary: `The agent ${agent.id} of site ${site} cannot forward; its disk buffer is growing`,
      description: `The oldest data agent ${agent.id} has not delivered stayed older than ${formatDuration(agent.bufferAgeMs)} for ${formatDuration(agent.bufferForMs)}: the agent runs but the ingest refuses or cannot be reached. Nothing is lost until the buffer's cap is reached.`,
    },
  };
}

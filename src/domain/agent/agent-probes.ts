import type { ProbeDefinition } from '../config/model.js';
import type { AgentProbeItem } from '../config/schema.js';
import { formatDuration } from '../duration.js';
import type { WireProbeResult } from '../ingest/batch.js';
import { displayTarget, type ProbeResult } from '../probe-result.js';

/**
 * The probes of agent.yaml as the agent runs them: the site config's probe shape, with the agent's
 * own defaults and floor, and an `agent` label on every result so the hold-back of a silent
 * agent's site (README, "Default agent rules and the hold-back") matches them like its series.
 */

export const AGENT_PROBE_DEFAULTS = { intervalMs: 30_000, timeoutMs: 10_000 } as const;

/**
 * Unlike a cloud probe (whole minutes), an agent may probe every few seconds; below a second a
 * probe is load on the hospital's own systems rather than a measurement, so it reads as a typo.
 */
export const AGENT_PROBE_MIN_INTERVAL_MS = 1_000;

/** Label every agent result carries; the agent sets it, a probe may not. */
export const AGENT_LABEL = 'agent';

type Loose = Readonly<Record<string, unknown>>;
type Report = (path: (string | number)[], message: string) => void;

function isRecord(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ms(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Cross-field checks of agent.yaml's `probes:`, reading the half-parsed value (a field that failed
 * its own check is skipped) so one run lists every error with its path.
 */
export function checkAgentProbes(value: unknown, report: Report): void {
  if (!isRecord(value) || !Array.isArray(value.probes)) return;
  const firstIndex = new Map<string, number>();
  value.probes.forEach((item: unknown, index) => {
    if (!isRecord(item)) return;
    const path = ['probes', index];
    if (typeof item.id === 'string') {
      const first = firstIndex.get(item.id);
      if (first === undefined) firstIndex.set(item.id, index);
      else report([...path, 'id'], `duplicate probe id ${JSON.stringify(item.id)} (already used by probes[${first}])`);
    }
    const ownInterval = ms(item.interval);
    const ownTimeout = ms(item.timeout);
    if (item.interval !== undefined && ownInterval === undefined) return;
    const interval = ownInterval ?? AGENT_PROBE_DEFAULTS.intervalMs;
    if (interval < AGENT_PROBE_MIN_INTERVAL_MS) {
      report(
        [...path, 'interval'],
        `too short: an agent probe runs at most once a second (${formatDuration(interval)} is under 1s)`,
      );
    }
    if (item.timeout !== undefined && ownTimeout === undefined) return;
    const timeout = ownTimeout ?? AGENT_PROBE_DEFAULTS.timeoutMs;
    if (timeout >= interval) {
      const which =
        ownTimeout === undefined
          ? `the default timeout ${formatDuration(timeout)} is not shorter than the interval ${formatDuration(interval)}: set a shorter timeout`
          : `must be shorter than the interval (${formatDuration(timeout)} is not shorter than ${formatDuration(interval)})`;
      report([...path, 'timeout'], which);
    }
    if (isRecord(item.labels) && AGENT_LABEL in item.labels) {
      report([...path, 'labels', AGENT_LABEL], 'set by the agent itself (its agent.id) on every result');
    }
  });
}

/** The agent's probes as the probe runner takes them; `site` is left empty for the ingest to set from the token. */
export function agentProbeDefinitions(agentId: string, probes: readonly AgentProbeItem[]): ProbeDefinition[] {
  return probes.map((probe) => ({
    id: probe.id,
    site: '',
    kind: probe.kind,
    target: probe.target,
    intervalMs: probe.interval ?? AGENT_PROBE_DEFAULTS.intervalMs,
    timeoutMs: probe.timeout ?? AGENT_PROBE_DEFAULTS.timeoutMs,
    labels: { ...probe.labels, [AGENT_LABEL]: agentId },
    settings: probe[probe.kind],
    runsOn: `agent:${agentId}`,
  }));
}

/** Far below the ingest's 4,096 characters: one long error must not get its whole batch refused. */
const MAX_FAILURE_MESSAGE = 1_024;

/** A result as the agent buffers and sends it: without a site, which only the token decides. */
export function toWireProbeResult(result: ProbeResult): WireProbeResult {
  const { site: _site, ...wire } = result;
  const { failure } = wire;
  if (failure === undefined || failure.message.length <= MAX_FAILURE_MESSAGE) return wire;
  return { ...wire, failure: { ...failure, message: `${failure.message.slice(0, MAX_FAILURE_MESSAGE - 1)}…` } };
}

/** What the comparison needs of the site config's probes. */
export type SiteProbe = Pick<ProbeDefinition, 'id' | 'kind' | 'target' | 'intervalMs' | 'timeoutMs' | 'runsOn'>;

/**
 * agent.yaml's probes against the site config's: the agent runs the first, the rules and the
 * stack are built from the second (`runs_on: agent:<id>`), linked by probe id. Each difference is
 * named by its agent.yaml path: an agent id no site-config probe runs on, a probe the site config
 * does not give to this agent, a kind, target, interval or timeout that differs, and a probe the
 * site config gives to this agent that agent.yaml leaves out (nothing would report it). An agent
 * declared under a site's `agents:` (`declaredAgents`) is known to the site config without any
 * probe: it may only scrape.
 */
export function compareWithSiteConfig(
  agent: { readonly agentId: string; readonly probes: readonly AgentProbeItem[] },
  siteProbes: readonly SiteProbe[],
  declaredAgents: readonly string[] = [],
): string[] {
  const runsOn = `agent:${agent.agentId}`;
  const mine = new Map(siteProbes.filter((probe) => probe.runsOn === runsOn).map((probe) => [probe.id, probe]));
  const problems: string[] = [];
  if (mine.size === 0 && !declaredAgents.includes(agent.agentId)) {
    const agents = [
      ...new Set([
        ...siteProbes
          .map((p) => p.runsOn)
          .filter((r) => r.startsWith('agent:'))
          .map((r) => r.slice('agent:'.length)),
        ...declaredAgents,
      ]),
    ].sort();
    const what =
      declaredAgents.length === 0
        ? `no probe of the site config runs on ${runsOn}`
        : `the site config neither declares ${agent.agentId} under a site's agents nor runs a probe on it`;
    problems.push(`agent.id: ${what} (agents there: ${agents.length === 0 ? 'none' : agents.join(', ')})`);
  }
  const byId = new Map(siteProbes.map((probe) => [probe.id, probe]));
  const [definitions, listed] = [agentProbeDefinitions(agent.agentId, agent.probes), new Set<string>()];
  definitions.forEach((here, index) => {
    listed.add(here.id);
    const there = byId.get(here.id);
    if (there === undefined) {
      problems.push(`probes[${index}].id: the site config has no probe ${JSON.stringify(here.id)}; no rule reads it`);
      return;
    }
    if (there.runsOn !== runsOn) {
      problems.push(
        `probes[${index}].id: the site config runs ${JSON.stringify(here.id)} on ${there.runsOn}, not ${runsOn}`,
      );
      return;
    }
    const differ = (field: string, mineText: string, theirs: string) => {
      if (mineText !== theirs)
        problems.push(`probes[${index}].${field}: ${mineText} here, ${theirs} in the site config`);
    };
    differ('kind', here.kind, there.kind);
    // Compared as written, shown without a password (a target may carry basic-auth credentials).
    if (here.target !== there.target)
      problems.push(
        `probes[${index}].target: ${displayTarget(here.target)} here, ${displayTarget(there.target)} in the site config`,
      );
    differ('interval', formatDuration(here.intervalMs), formatDuration(there.intervalMs));
    differ('timeout', formatDuration(here.timeoutMs), formatDuration(there.timeoutMs));
  });
  for (const id of mine.keys()) {
    if (!listed.has(id))
      problems.push(
        `probes: the site config runs ${JSON.stringify(id)} on ${runsOn}, but it is not here: nothing reports it`,
      );
  }
  return problems;
}

import type { DeploymentConfig } from '../config/model.js';
import type { MetricsBackend } from '../config/cloud.js';
import type { CostAssumptions } from './assumptions.js';
import { ruleGroupSites } from '../rules/site-scope.js';
import { HEARTBEAT_SERIES } from '../agent/heartbeat.js';

/** What a deployment does in a month, as far as the config says; the rest comes from assumptions. */
export interface DeploymentUsage {
  readonly minutesPerMonth: number;
  readonly secondsPerMonth: number;
  readonly sites: readonly string[];
  /** One EventBridge schedule each: cloud probes of one (site, interval), at most probesPerSchedule. */
  readonly probeSchedules: readonly ProbeSchedule[];
  readonly cloudProbes: number;
  readonly cloudProbeRunsPerMonth: number;
  readonly agents: readonly AgentUsage[];
  readonly agentProbeRunsPerMonth: number;
  /** Agents in pull mode (`aws.pull.agents`): one collect schedule each, and no pushes. */
  readonly pullAgents: readonly string[];
  readonly collectRunsPerMonth: number;
  /** One schedule each: a rule group at a site. */
  readonly ruleCycles: readonly RuleCycleUsage[];
  readonly channels: readonly { readonly id: string; readonly kind: string; readonly s3: boolean }[];
  /** One schedule and one report-function run a day each: a daily report at a site. */
  readonly reports: readonly ReportUsage[];
  readonly secrets: number;
  readonly backend: MetricsBackend;
  readonly timestreamMemoryRetentionMs: number;
  readonly timestreamMagneticRetentionMs: number;
  readonly ampRetentionDays: number;
}

export interface ProbeSchedule {
  readonly site: string;
  readonly intervalMs: number;
  readonly probes: number;
  readonly invocationsPerMonth: number;
}

export interface AgentUsage {
  readonly id: string;
  readonly sites: readonly string[];
  /** Probe results the agent sends per push (its probes × push interval / probe interval). */
  readonly probeResultsPerPush: number;
}

export interface RuleCycleUsage {
  readonly site: string;
  readonly group: string;
  readonly intervalMs: number;
  readonly rules: number;
  readonly invocationsPerMonth: number;
  /** Tables the cycle queries (one query each), with the longest window a rule reads from it. */
  readonly tables: readonly {
    readonly table: 'probes' | 'metrics';
    readonly windowMs: number;
    /** Series a metrics query reads per agent when known (heartbeat series only); else agentSeries. */
    readonly seriesPerAgent?: number;
  }[];
}

export interface ReportUsage {
  readonly report: string;
  readonly site: string;
  readonly channels: number;
  readonly runsPerMonth: number;
  /** The site's probes' intervals: the report reads a week of each one's results. */
  readonly probeIntervalsMs: readonly number[];
}

const MINUTE_MS = 60_000;

export function deploymentUsage(
  config: DeploymentConfig,
  secretNames: readonly string[],
  assumptions: CostAssumptions,
): DeploymentUsage {
  const minutesPerMonth = assumptions.hoursPerMonth.value * 60;
  const secondsPerMonth = minutesPerMonth * 60;
  const runsPerMonth = (intervalMs: number) => (minutesPerMonth * MINUTE_MS) / intervalMs;

  const grouped = new Map<string, { site: string; intervalMs: number; probes: number }>();
  for (const probe of config.probes) {
    if (probe.runsOn !== 'cloud') continue;
    const key = `${probe.site}\u0000${probe.intervalMs}`;
    const group = grouped.get(key) ?? { site: probe.site, intervalMs: probe.intervalMs, probes: 0 };
    grouped.set(key, { ...group, probes: group.probes + 1 });
  }
  const perSchedule = assumptions.probesPerSchedule.value;
  const probeSchedules = [...grouped.values()].flatMap((group) => {
    const schedules: ProbeSchedule[] = [];
    for (let start = 0; start < group.probes; start += perSchedule) {
      schedules.push({
        site: group.site,
        intervalMs: group.intervalMs,
        probes: Math.min(perSchedule, group.probes - start),
        invocationsPerMonth: runsPerMonth(group.intervalMs),
      });
    }
    return schedules;
  });

  const cloudProbes = config.probes.filter((probe) => probe.runsOn === 'cloud');
  const agentProbes = config.probes.filter((probe) => probe.runsOn !== 'cloud');
  const pushMs = assumptions.agentPushIntervalSeconds.value * 1000;
  // Agents the config knows of: those running its probes, and those declared under a site (which
  // push their scrapes whether or not a probe runs on them).
  const declaredAt = new Map(config.sites.flatMap((site) => (site.agents ?? []).map((agent) => [agent.id, site.id])));
  const agentIds = [
    ...new Set([...agentProbes.map((probe) => probe.runsOn.slice('agent:'.length)), ...declaredAt.keys()]),
  ].sort();
  const agents = agentIds.map((id) => {
    const own = agentProbes.filter((probe) => probe.runsOn === `agent:${id}`);
    const declared = declaredAt.get(id);
    return {
      id,
      sites: [...new Set([...own.map((probe) => probe.site), ...(declared === undefined ? [] : [declared])])].sort(),
      probeResultsPerPush: own.reduce((sum, probe) => sum + pushMs / probe.intervalMs, 0),
    };
  });

  // As the stack schedules them: a group limited to some sites (the default agent rules) runs only there.
  const ruleCycles = config.sites.flatMap((site) =>
    config.ruleGroups
      .filter((group) => ruleGroupSites(group, config.sites).includes(site.id))
      .map((group) => {
        const windows = new Map<'probes' | 'metrics', number>();
        for (const rule of group.rules) windows.set(rule.table, Math.max(windows.get(rule.table) ?? 0, rule.windowMs));
        // A metrics query reading only the agents' heartbeat series (the default agent rules) reads
        // one series per agent and measure, not every series the agents send.
        const metricMeasures = new Set(group.rules.filter((rule) => rule.table === 'metrics').map((r) => r.measure));
        const heartbeatOnly = [...metricMeasures].every((measure) =>
          (HEARTBEAT_SERIES as readonly string[]).includes(measure),
        );
        return {
          site: site.id,
          group: group.name,
          intervalMs: group.intervalMs,
          rules: group.rules.length,
          invocationsPerMonth: runsPerMonth(group.intervalMs),
          tables: [...windows].map(([table, windowMs]) => ({
            table,
            windowMs,
            ...(table === 'metrics' && heartbeatOnly && { seriesPerAgent: metricMeasures.size }),
          })),
        };
      }),
  );

  const reports = (config.reports ?? []).flatMap((report) =>
    report.sites.map((site) => ({
      report: report.id,
      site,
      channels: report.channels.length,
      runsPerMonth: minutesPerMonth / (24 * 60),
      probeIntervalsMs: config.probes.filter((probe) => probe.site === site).map((probe) => probe.intervalMs),
    })),
  );

  const pull = config.aws?.pull;
  const metrics = config.storage.metrics;
  return {
    minutesPerMonth,
    secondsPerMonth,
    sites: config.sites.map((site) => site.id),
    probeSchedules,
    cloudProbes: cloudProbes.length,
    cloudProbeRunsPerMonth: cloudProbes.reduce((sum, probe) => sum + runsPerMonth(probe.intervalMs), 0),
    agents,
    agentProbeRunsPerMonth: agentProbes.reduce((sum, probe) => sum + runsPerMonth(probe.intervalMs), 0),
    pullAgents: (pull?.agents ?? []).map((agent) => agent.id),
    collectRunsPerMonth: pull === undefined ? 0 : pull.agents.length * runsPerMonth(pull.intervalMs),
    ruleCycles,
    channels: config.channels.map((channel) => ({
      id: channel.id,
      kind: channel.kind,
      s3: channel.kind === 'logdrop' && (channel.settings as { target?: string }).target === 's3',
    })),
    reports,
    secrets: secretNames.length,
    backend: metrics.backend,
    timestreamMemoryRetentionMs: metrics.timestream.memoryRetentionMs,
    timestreamMagneticRetentionMs: metrics.timestream.magneticRetentionMs,
    ampRetentionDays: metrics.amp.retentionDays,
  };
}

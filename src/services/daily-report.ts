import type { AlertEvent } from '../domain/alerts/event.js';
import type { AssetLocation, ParLevelState } from '../domain/assets/answers.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import type { ReportDefinition } from '../domain/report/config-schema.js';
import {
  computeDigest,
  type AgentHeartbeats,
  type AlertAck,
  type AssetFigures,
  type AssetLine,
  type CertReading,
  type DailyDigest,
  type ProbeBucket,
  type ReportSettings,
} from '../domain/report/digest.js';
import { reportWindow } from '../domain/report/window.js';
import type { Clock, MetricStore } from '../domain/ports.js';

/** The agent heartbeat series (issue 9's contract): one sample per agent per forward cycle. */
export const AGENT_HEARTBEAT_MEASURE = 'pflow_agent_up';

/**
 * What the daily report reads, each a read-only question about one site over an interval (epoch
 * ms, `until` inclusive). Locally the SQLite store answers (its rollups for the week of results);
 * in AWS the metric store's window reads do.
 */
export interface ReportReads {
  /** Per probe id: result buckets of at most an hour, aligned to 5 minutes. */
  probeBuckets(
    site: string,
    probes: readonly string[],
    since: number,
    until: number,
  ): Promise<Map<string, ProbeBucket[]>>;
  /** Alert events of the site evaluated in the interval, any order. */
  alertEvents(site: string, since: number, until: number): Promise<AlertEvent[]>;
  /** Acknowledgements made in the interval (`rule/fingerprint` keys); absent where there is no audit. */
  acknowledgements?(since: number, until: number): Promise<AlertAck[]>;
  /** The metric store's window reads: certificates and agent heartbeats. */
  readonly metrics: Pick<MetricStore, 'fetchWindows'>;
}

/** The asset answers now, for the report's asset section; absent where the site has no assets. */
export interface AssetsNow {
  overview(site: string): {
    readonly missing: readonly AssetLocation[];
    readonly leftBuilding: readonly AssetLocation[];
    readonly lowBattery: readonly AssetLocation[];
    readonly parLevels: readonly ParLevelState[];
  };
}

const DAY_MS = 86_400_000;

export class ReportSiteError extends Error {
  override readonly name = 'ReportSiteError';
}

/**
 * The daily report use case, shared by `pflow report`, the local runtime's schedule and the
 * report Lambda: reads one site's day (and week) through ReportReads and computes the digest.
 */
export class DailyReportService {
  constructor(
    private readonly deps: {
      readonly config: DeploymentConfig;
      readonly reads: ReportReads;
      readonly clock: Clock;
      readonly assets?: AssetsNow;
    },
  ) {}

  async digest(siteId: string, day: string, report?: ReportDefinition): Promise<DailyDigest> {
    const { config, reads, clock } = this.deps;
    const site = config.sites.find((s) => s.id === siteId);
    if (!site) {
      throw new ReportSiteError(
        `site: no site ${JSON.stringify(siteId)} (sites: ${config.sites.map((s) => s.id).join(', ')})`,
      );
    }
    const window = reportWindow(day, site.timezone);
    const probes = config.probes.filter((p) => p.site === site.id);
    const last = window.dayEnd - 1;
    const now = clock.now();

    const [buckets, alertEvents, certWindows, heartbeatWindows, acks] = await Promise.all([
      reads.probeBuckets(
        site.id,
        probes.map((p) => p.id),
        window.weekStart,
        last,
      ),
      // Alerts of the day, and what became of them up to now (a resolution after midnight still counts).
      reads.alertEvents(site.id, window.dayStart, Math.max(last, now)),
      reads.metrics.fetchWindows({
        table: 'probes',
        measures: ['cert_days_left'],
        since: window.dayEnd - DAY_MS,
        until: last,
        sites: [site.id],
      }),
      reads.metrics.fetchWindows({
        table: 'metrics',
        measures: [AGENT_HEARTBEAT_MEASURE],
        since: window.weekStart,
        until: last,
        sites: [site.id],
      }),
      reads.acknowledgements?.(window.dayStart, Math.max(last, now)) ?? Promise.resolve([]),
    ]);

    const certs: CertReading[] = [];
    for (const w of certWindows) {
      const probe = w.labels.probe;
      const newest = w.points[w.points.length - 1];
      if (probe === undefined || newest === undefined) continue;
      const known = certs.findIndex((c) => c.probe === probe);
      if (known < 0) certs.push({ probe, t: newest.t, daysLeft: newest.v });
      else if (certs[known]!.t < newest.t) certs[known] = { probe, t: newest.t, daysLeft: newest.v };
    }

    const byAgent = new Map<string, number[]>();
    for (const w of heartbeatWindows) {
      const agent = w.labels.agent;
      if (agent === undefined) continue;
      const times = byAgent.get(agent) ?? [];
      for (const p of w.points) if (p.v > 0) times.push(p.t);
      byAgent.set(agent, times);
    }
    const agents: AgentHeartbeats[] = [...byAgent].map(([agent, times]) => ({ agent, times }));

    const hasAssets = config.assets?.registry.zones.some((zone) => zone.site === site.id) ?? false;
    const settings: Partial<ReportSettings> = report?.settings ?? {};
    return computeDigest({
      site: { id: site.id, name: site.name },
      window,
      generatedAt: now,
      probes: probes.map((p) => ({ id: p.id, kind: p.kind, target: p.target })),
      buckets,
      certs,
      alertEvents,
      acks,
      agents,
      ...(hasAssets && this.deps.assets ? { assets: assetFigures(this.deps.assets.overview(site.id), site.id) } : {}),
      settings,
    });
  }
}

function line(location: AssetLocation): AssetLine {
  return {
    asset: location.asset,
    type: location.type,
    zone: location.zoneName ?? location.zone ?? null,
    lastSeen: location.lastSeen === undefined ? null : new Date(location.lastSeen).toISOString(),
    battery: location.battery ?? null,
  };
}

export function assetFigures(overview: ReturnType<AssetsNow['overview']>, site: string): AssetFigures {
  return {
    missing: overview.missing.map(line),
    leftBuilding: overview.leftBuilding.map(line),
    lowBattery: overview.lowBattery.map(line),
    shortages: overview.parLevels
      .filter((par) => par.site === site && par.shortBy > 0)
      .map((par) => ({ zone: par.zone, type: par.type, min: par.min, available: par.available, shortBy: par.shortBy })),
  };
}

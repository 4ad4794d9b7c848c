import type { SqliteConsoleQueries } from '../adapters/local/sqlite-console.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import {
  buildAlertsView,
  buildProbeDetailView,
  buildStatusView,
  parseRange,
  type ProbeInfo,
  type RuleInfo,
} from '../domain/console/views.js';
import type { Clock } from '../domain/ports.js';
import { isMuted, type Silence } from '../domain/silences.js';
import type { ApiReply, RuntimeReadModel } from './api-server.js';

const DAY_MS = 86_400_000;
const MAX_HISTORY = 500;
const FAILURES_SHOWN = 50;

/**
 * The JSON the web console's pages read, beside the runtime's API:
 * `/api/console/status`, `/api/console/probe?site=&probe=&range=1h|24h|7d`, `/api/console/alerts?limit=`.
 * The queries are the SQLite adapter's; what they mean for a person is shaped by domain/console.
 */
export class ConsoleApi {
  private readonly probes: ProbeInfo[];
  private readonly rules: Map<string, RuleInfo>;

  constructor(
    private readonly deps: {
      readonly config: DeploymentConfig;
      readonly queries: SqliteConsoleQueries;
      readonly readModel: RuntimeReadModel;
      readonly clock: Clock;
      /** Config and run-time silences; the config's alone when absent. */
      readonly silences?: () => readonly Silence[];
    },
  ) {
    this.probes = deps.config.probes.map((p) => ({
      site: p.site,
      probe: p.id,
      kind: p.kind,
      target: p.target,
      intervalMs: p.intervalMs,
      labels: p.labels,
    }));
    this.rules = new Map(
      deps.config.ruleGroups.flatMap((group) =>
        group.rules.map((rule): [string, RuleInfo] => [
          rule.id,
          {
            id: rule.id,
            name: rule.name,
            severity: rule.severity,
            threshold: rule.threshold,
            ...(rule.annotations.summary !== undefined && { summary: rule.annotations.summary }),
          },
        ]),
      ),
    );
  }

  /** Answers a console API path, or undefined when the path is not one of them. */
  handle(url: URL): ApiReply | undefined {
    switch (url.pathname) {
      case '/api/console/status':
        return { status: 200, body: this.status() };
      case '/api/console/probe':
        return this.probe(url.searchParams);
      case '/api/console/alerts':
        return this.alerts(url.searchParams);
      default:
        return undefined;
    }
  }

  private status() {
    const now = this.deps.clock.now();
    return buildStatusView({
      now,
      sites: this.deps.config.sites,
      probes: this.probes,
      latest: this.deps.readModel.latestProbeResults(),
      states: this.deps.queries.probeStates(),
      hourly: this.deps.queries.hourlyByProbe(now - DAY_MS),
    });
  }

  /**
   * One probe's status row, built from that probe's data only: the whole status page's queries
   * (every probe's last 24 h) would cost the probe page most of its time.
   */
  private statusOf(site: string, probe: string) {
    const now = this.deps.clock.now();
    const mine = <T extends { readonly site: string; readonly probe: string }>(rows: readonly T[]) =>
      rows.filter((row) => row.site === site && row.probe === probe);
    return buildStatusView({
      now,
      sites: this.deps.config.sites.filter((s) => s.id === site),
      probes: mine(this.probes),
      latest: mine(this.deps.readModel.latestProbeResults()),
      states: mine(this.deps.queries.probeStates()),
      hourly: this.deps.queries.hourlyOfProbe(site, probe, now - DAY_MS),
    })
      .sites.flatMap((s) => s.probes)
      .find((p) => p.site === site && p.probe === probe);
  }

  private probe(params: URLSearchParams): ApiReply {
    const site = params.get('site');
    const probe = params.get('probe');
    if (!site) return { status: 400, body: { error: 'site: required (the probe’s site id)' } };
    if (!probe) return { status: 400, body: { error: 'probe: required (the probe id)' } };
    const range = parseRange(params.get('range'));
    if (!range.ok) return { status: 400, body: { error: range.error } };
    const spec = range.value;
    const status = this.statusOf(site, probe);
    if (status === undefined) return { status: 404, body: { error: `no probe ${probe} at site ${site}` } };
    const now = this.deps.clock.now();
    const since = now - spec.ms;
    const q = this.deps.queries;
    const exact = spec.stepMs === null;
    return {
      status: 200,
      body: buildProbeDetailView({
        site,
        probe,
        spec,
        now,
        status,
        buckets: exact ? q.probeRaw(site, probe, since, now) : q.probeBuckets(site, probe, since, now, spec.stepMs),
        statusCodes: q.statusCodes(site, probe, since, now, exact),
        failureReasons: q.failureReasons(site, probe, since, now),
        failures: q.failures(site, probe, since, now, FAILURES_SHOWN),
      }),
    };
  }

  private alerts(params: URLSearchParams): ApiReply {
    const limitText = params.get('limit') ?? '100';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY) {
      return {
        status: 400,
        body: { error: `limit: must be an integer from 1 to ${MAX_HISTORY}, got ${JSON.stringify(limitText)}` },
      };
    }
    const now = this.deps.clock.now();
    const { config, queries, readModel } = this.deps;
    const silences = this.deps.silences?.() ?? config.silences;
    const events = readModel.recentAlertEvents(limit);
    return {
      status: 200,
      body: buildAlertsView({
        now,
        states: readModel.listAlertStates(),
        rules: this.rules,
        muted: (labels) => isMuted(labels, now, silences, config.maintenanceWindows),
        events,
        deliveries: queries.deliveries(
          events.map((e) => e.id),
          config.channels.map((c) => c.id),
        ),
        channels: queries.channelTotals(now - DAY_MS),
      }),
    };
  }
}

import type { AlertEvent, Severity, Threshold } from '../alerts/event.js';
import { formatThreshold } from '../../channels/common/message.js';
import type { Labels } from '../labels.js';
import type { ProbeResult } from '../probe-result.js';
import type { AlertInstanceState } from '../rules/types.js';
import type {
  ChannelTotals,
  DeliveryRecord,
  FailureReasonCount,
  HourlyRow,
  ProbeBucketRow,
  ProbeFailureRow,
  ProbeStateRow,
  StatusCodeCount,
} from './rows.js';

/**
 * The web console's views, shaped from store rows: pure, so what a person sees (up/down and since
 * when, availability, the chart's buckets, an alert's notifications) is tested without a database.
 * Times leave as ISO 8601 UTC strings, except chart columns (epoch ms, compact for 2,000 points).
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const CONSOLE_RANGES = ['1h', '24h', '7d'] as const;
export type ConsoleRange = (typeof CONSOLE_RANGES)[number];

export interface RangeSpec {
  readonly range: ConsoleRange;
  readonly ms: number;
  /** Bucket size for the chart; null: one point per raw result. */
  readonly stepMs: number | null;
}

const RANGE_SPECS: Readonly<Record<ConsoleRange, RangeSpec>> = {
  // An hour is at most 720 results even at a 5 s interval: raw points, exact status codes.
  '1h': { range: '1h', ms: HOUR_MS, stepMs: null },
  '24h': { range: '24h', ms: DAY_MS, stepMs: 5 * 60_000 },
  '7d': { range: '7d', ms: 7 * DAY_MS, stepMs: 30 * 60_000 },
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseRange(text: string | null): Parsed<RangeSpec> {
  const range = text ?? '24h';
  if ((CONSOLE_RANGES as readonly string[]).includes(range))
    return { ok: true, value: RANGE_SPECS[range as ConsoleRange] };
  return { ok: false, error: `range: must be one of ${CONSOLE_RANGES.join(', ')}, got ${JSON.stringify(range)}` };
}

/** A probe as configured (or known only from its results: then interval is unknown). */
export interface ProbeInfo {
  readonly site: string;
  readonly probe: string;
  readonly kind: string;
  readonly target: string;
  readonly intervalMs: number | null;
  readonly labels: Labels;
}

export type ProbeStatusText = 'up' | 'down' | 'unknown';

export interface ProbeStatusView {
  readonly site: string;
  readonly probe: string;
  readonly kind: string;
  readonly target: string;
  readonly labels: Labels;
  readonly status: ProbeStatusText;
  /** Since when the probe has been up (or down); null with no result yet. */
  readonly since: string | null;
  readonly lastCheck: string | null;
  /** No result for three intervals: the status shown may be out of date. */
  readonly stale: boolean;
  readonly responseMs: number | null;
  readonly statusCode: number | null;
  readonly failure: { readonly reason: string; readonly message: string } | null;
  readonly certDaysLeft: number | null;
  /** Share of successful results over the last 24 h, 0..1; null without results. */
  readonly availability24h: number | null;
  /** 25 hourly points (the first and last hour partial), oldest first: availability (0..1) and average response time, null without results. */
  readonly sparkline: ReadonlyArray<{
    readonly t: number;
    readonly availability: number | null;
    readonly avgMs: number | null;
  }>;
}

export interface SiteStatusView {
  readonly site: string;
  readonly name: string;
  readonly probes: readonly ProbeStatusView[];
}

export interface StatusView {
  readonly generatedAt: string;
  readonly summary: { readonly up: number; readonly down: number; readonly unknown: number };
  readonly sites: readonly SiteStatusView[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const probeKey = (site: string, probe: string) => `${site}\u0000${probe}`;

function statusOf(
  info: ProbeInfo,
  latest: ProbeResult | undefined,
  state: ProbeStateRow | undefined,
  hourly: readonly HourlyRow[],
  now: number,
): ProbeStatusView {
  const since24h = now - DAY_MS;
  // Hourly points from the hour holding `now - 24 h` to the current one (the first and last partial).
  const firstHour = since24h - (since24h % HOUR_MS);
  const byHour = new Map(hourly.map((row) => [row.t, row]));
  const sparkline = Array.from({ length: Math.floor((now - firstHour) / HOUR_MS) + 1 }, (_, i) => {
    const t = firstHour + i * HOUR_MS;
    const row = byHour.get(t);
    return {
      t,
      availability: row && row.n > 0 ? row.ok / row.n : null,
      avgMs: row && row.n > 0 ? round(row.durationSum / row.n) : null,
    };
  });
  let n = 0;
  let ok = 0;
  for (const row of hourly) {
    n += row.n;
    ok += row.ok;
  }
  // The state row is kept by the store; a newer result still in memory (store locked) wins.
  let since: number | null = null;
  if (latest !== undefined) {
    since =
      state !== undefined && state.up === latest.success && state.lastTime <= latest.time ? state.since : latest.time;
  }
  const staleAfter = info.intervalMs === null ? null : 3 * info.intervalMs;
  const stale = latest !== undefined && staleAfter !== null && now - latest.time > staleAfter;
  return {
    site: info.site,
    probe: info.probe,
    kind: info.kind,
    target: info.target,
    labels: info.labels,
    status: latest === undefined ? 'unknown' : latest.success ? 'up' : 'down',
    since: since === null ? null : iso(since),
    lastCheck: latest === undefined ? null : iso(latest.time),
    stale,
    responseMs: latest === undefined ? null : round(latest.durationMs),
    statusCode: latest?.statusCode ?? null,
    failure: latest?.failure ? { reason: latest.failure.reason, message: latest.failure.message } : null,
    certDaysLeft: latest?.certDaysLeft === undefined ? null : Math.floor(latest.certDaysLeft),
    availability24h: n > 0 ? ok / n : null,
    sparkline,
  };
}

/**
 * Every site and probe: configured probes first in config order (a configured probe without results
 * shows as unknown), then probes known only from stored results (removed from the config, or run by
 * an agent), by name.
 */
export function buildStatusView(input: {
  readonly now: number;
  readonly sites: ReadonlyArray<{ readonly id: string; readonly name: string }>;
  readonly probes: readonly ProbeInfo[];
  readonly latest: readonly ProbeResult[];
  readonly states: readonly ProbeStateRow[];
  readonly hourly: ReadonlyMap<string, readonly HourlyRow[]>;
}): StatusView {
  const latest = new Map(input.latest.map((r) => [probeKey(r.site, r.probe), r]));
  const states = new Map(input.states.map((s) => [probeKey(s.site, s.probe), s]));
  const infos = new Map<string, ProbeInfo>();
  for (const info of input.probes) infos.set(probeKey(info.site, info.probe), info);
  const extra = input.latest
    .filter((r) => !infos.has(probeKey(r.site, r.probe)))
    .map((r): ProbeInfo => ({
      site: r.site,
      probe: r.probe,
      kind: r.kind,
      target: r.target,
      intervalMs: null,
      labels: r.labels,
    }))
    .sort((a, b) => compare(a.site, b.site) || compare(a.probe, b.probe));
  for (const info of extra) infos.set(probeKey(info.site, info.probe), info);

  const siteNames = new Map(input.sites.map((s) => [s.id, s.name]));
  const bySite = new Map<string, ProbeStatusView[]>();
  for (const site of input.sites) bySite.set(site.id, []);
  const summary = { up: 0, down: 0, unknown: 0 };
  for (const [key, info] of infos) {
    const view = statusOf(info, latest.get(key), states.get(key), input.hourly.get(key) ?? [], input.now);
    summary[view.status]++;
    let list = bySite.get(info.site);
    if (list === undefined) bySite.set(info.site, (list = []));
    list.push(view);
  }
  return {
    generatedAt: iso(input.now),
    summary,
    sites: [...bySite].map(([site, probes]) => ({ site, name: siteNames.get(site) ?? site, probes })),
  };
}

export interface ProbeDetailView {
  readonly site: string;
  readonly probe: string;
  readonly range: ConsoleRange;
  readonly from: string;
  readonly to: string;
  /** Width of a chart point in ms; null when each point is one result. */
  readonly stepMs: number | null;
  readonly status: ProbeStatusView | null;
  readonly availability: number | null;
  readonly results: number;
  /** Columns of equal length: bucket start (epoch ms), then averages in ms (null: no result went through it). */
  readonly chart: {
    readonly t: readonly number[];
    readonly avgMs: ReadonlyArray<number | null>;
    readonly maxMs: ReadonlyArray<number | null>;
    readonly dnsMs: ReadonlyArray<number | null>;
    readonly connectMs: ReadonlyArray<number | null>;
    readonly tlsMs: ReadonlyArray<number | null>;
    readonly firstByteMs: ReadonlyArray<number | null>;
    readonly transferMs: ReadonlyArray<number | null>;
    readonly availability: ReadonlyArray<number | null>;
  };
  readonly statusCodes: readonly StatusCodeCount[];
  readonly failureReasons: ReadonlyArray<{ readonly reason: string; readonly count: number; readonly last: string }>;
  readonly failures: ReadonlyArray<{
    readonly time: string;
    readonly reason: string;
    readonly message: string;
    readonly statusCode: number | null;
    readonly durationMs: number;
  }>;
}

export function buildProbeDetailView(input: {
  readonly site: string;
  readonly probe: string;
  readonly spec: RangeSpec;
  readonly now: number;
  readonly status: ProbeStatusView | null;
  readonly buckets: readonly ProbeBucketRow[];
  readonly statusCodes: readonly StatusCodeCount[];
  readonly failureReasons: readonly FailureReasonCount[];
  readonly failures: readonly ProbeFailureRow[];
}): ProbeDetailView {
  const avg = (sum: number, count: number) => (count > 0 ? round(sum / count) : null);
  const b = input.buckets;
  let n = 0;
  let ok = 0;
  for (const row of b) {
    n += row.n;
    ok += row.ok;
  }
  return {
    site: input.site,
    probe: input.probe,
    range: input.spec.range,
    from: iso(input.now - input.spec.ms),
    to: iso(input.now),
    stepMs: input.spec.stepMs,
    status: input.status,
    availability: n > 0 ? ok / n : null,
    results: n,
    chart: {
      t: b.map((row) => row.t),
      avgMs: b.map((row) => avg(row.durationSum, row.n)),
      maxMs: b.map((row) => (row.n > 0 ? round(row.durationMax) : null)),
      dnsMs: b.map((row) => avg(...row.phases.dns)),
      connectMs: b.map((row) => avg(...row.phases.connect)),
      tlsMs: b.map((row) => avg(...row.phases.tls)),
      firstByteMs: b.map((row) => avg(...row.phases.firstByte)),
      transferMs: b.map((row) => avg(...row.phases.transfer)),
      availability: b.map((row) => (row.n > 0 ? row.ok / row.n : null)),
    },
    statusCodes: input.statusCodes,
    failureReasons: input.failureReasons.map((r) => ({ reason: r.reason, count: r.count, last: iso(r.last) })),
    failures: input.failures.map((f) => ({
      time: iso(f.time),
      reason: f.reason,
      message: f.message,
      statusCode: f.statusCode,
      durationMs: round(f.durationMs),
    })),
  };
}

/** What the console knows of a rule to show its alerts (rules outside the config, e.g. the store's own, fall back to their id). */
export interface RuleInfo {
  readonly id: string;
  readonly name: string;
  readonly severity: Severity;
  readonly threshold: Threshold;
  readonly summary?: string;
}

export interface ActiveAlertView {
  readonly key: string;
  readonly site: string;
  readonly rule: { readonly id: string; readonly name: string; readonly severity: Severity | null };
  readonly state: 'firing' | 'pending' | 'nodata' | 'error';
  /** Notifications held by a silence or maintenance window now; the alert itself is still evaluated. */
  readonly silenced: boolean;
  readonly since: string;
  readonly value: number | null;
  readonly threshold: string | null;
  readonly summary: string | null;
  readonly labels: Labels;
}

export interface AlertHistoryView {
  readonly id: string;
  readonly time: string;
  readonly site: string;
  readonly rule: { readonly id: string; readonly name: string; readonly severity: Severity };
  readonly state: AlertEvent['state'];
  readonly previousState: AlertEvent['previousState'];
  readonly value: number | null;
  readonly threshold: string;
  readonly summary: string | null;
  readonly labels: Labels;
  readonly notifications: ReadonlyArray<{
    readonly channel: string;
    readonly outcome: DeliveryRecord['outcome'];
    readonly at: string;
    readonly detail: string;
  }>;
}

export interface AlertsView {
  readonly generatedAt: string;
  readonly summary: { readonly firing: number; readonly pending: number; readonly silenced: number };
  readonly active: readonly ActiveAlertView[];
  readonly history: readonly AlertHistoryView[];
  readonly channels: readonly ChannelTotals[];
}

const ACTIVE_ORDER = { firing: 0, error: 1, nodata: 2, pending: 3 } as const;
const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { critical: 0, major: 1, warning: 2, info: 3 };

export function buildAlertsView(input: {
  readonly now: number;
  readonly states: readonly AlertInstanceState[];
  readonly rules: ReadonlyMap<string, RuleInfo>;
  /** Whether an alert with these routing labels has its notifications held now. */
  readonly muted: (labels: Labels) => boolean;
  readonly events: readonly AlertEvent[];
  readonly deliveries: readonly DeliveryRecord[];
  readonly channels: readonly ChannelTotals[];
}): AlertsView {
  const active: ActiveAlertView[] = [];
  for (const s of input.states) {
    if (s.state === 'ok') continue;
    const rule = input.rules.get(s.ruleId);
    const labels = { ...s.labels, site: s.site, rule: s.ruleId };
    const silenced = input.muted({
      ...labels,
      ...(rule && { alertname: rule.name, severity: rule.severity }),
      state: s.state === 'pending' ? 'firing' : s.state,
    });
    active.push({
      key: s.key,
      site: s.site,
      rule: { id: s.ruleId, name: rule?.name ?? s.ruleId, severity: rule?.severity ?? null },
      state: s.state,
      silenced,
      since: iso(s.since),
      value: s.lastValue,
      threshold: rule ? formatThreshold(rule.threshold) : null,
      summary: rule?.summary ?? null,
      labels: s.labels,
    });
  }
  active.sort(
    (a, b) =>
      ACTIVE_ORDER[a.state] - ACTIVE_ORDER[b.state] ||
      (SEVERITY_ORDER[a.rule.severity ?? 'info'] ?? 9) - (SEVERITY_ORDER[b.rule.severity ?? 'info'] ?? 9) ||
      compare(a.since, b.since),
  );
  const byEvent = new Map<string, DeliveryRecord[]>();
  for (const record of input.deliveries) {
    let list = byEvent.get(record.eventId);
    if (list === undefined) byEvent.set(record.eventId, (list = []));
    list.push(record);
  }
  const history = input.events.map((event): AlertHistoryView => ({
    id: event.id,
    time: event.evaluatedAt,
    site: event.site,
    rule: event.rule,
    state: event.state,
    previousState: event.previousState,
    value: event.value,
    threshold: formatThreshold(event.threshold),
    summary: event.annotations.summary ?? null,
    labels: event.labels,
    notifications: (byEvent.get(event.id) ?? [])
      .sort((a, b) => compare(a.channel, b.channel))
      .map((r) => ({ channel: r.channel, outcome: r.outcome, at: iso(r.at), detail: r.detail })),
  }));
  return {
    generatedAt: iso(input.now),
    summary: {
      firing: active.filter((a) => a.state === 'firing').length,
      pending: active.filter((a) => a.state === 'pending').length,
      silenced: active.filter((a) => a.silenced).length,
    },
    active,
    history,
    channels: input.channels,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

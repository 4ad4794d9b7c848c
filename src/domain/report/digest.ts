import type { AlertEvent, Severity } from '../alerts/event.js';
import type { Notification } from '../notification/outcome.js';
import type { ReportWindow } from './window.js';

/**
 * The daily report's figures, computed from read-only data the caller fetched: pure, so the
 * arithmetic (availability over 23/24/25-hour days, alert durations, the slowest endpoints,
 * certificates, silent agents) is tested on hand-checked numbers without a store. The digest is
 * plain JSON: it travels inside a notification through the delivery queue and dead letters.
 */

export const DAILY_REPORT_SCHEMA = 'performanceflow.daily-report/v1';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A probe of the site as configured. */
export interface ReportProbe {
  readonly id: string;
  readonly kind: string;
  readonly target: string;
}

/** Results of one probe in one time bucket (any size up to an hour, aligned so it never spans a local hour). */
export interface ProbeBucket {
  /** Bucket start, epoch ms. */
  readonly t: number;
  readonly n: number;
  readonly ok: number;
  readonly durationSum: number;
  readonly durationMax: number;
}

/** The newest certificate reading of a probe at or before the end of the day. */
export interface CertReading {
  readonly probe: string;
  /** When it was read, epoch ms. */
  readonly t: number;
  readonly daysLeft: number;
}

/** Heartbeat times (epoch ms, any order) of one agent: the `pflow_agent_up` samples. */
export interface AgentHeartbeats {
  readonly agent: string;
  readonly times: readonly number[];
}

export interface AssetFigures {
  readonly missing: readonly AssetLine[];
  readonly leftBuilding: readonly AssetLine[];
  readonly lowBattery: readonly AssetLine[];
  readonly shortages: readonly ParShortage[];
}

export interface AssetLine {
  readonly asset: string;
  readonly type: string;
  /** Last zone seen, by name. */
  readonly zone: string | null;
  /** ISO 8601 UTC, or null when never seen. */
  readonly lastSeen: string | null;
  readonly battery: number | null;
}

export interface ParShortage {
  readonly zone: string;
  readonly type: string;
  readonly min: number;
  readonly available: number;
  readonly shortBy: number;
}

/** An acknowledgement of an alert instance (`rule/fingerprint`), from the acknowledgement audit. */
export interface AlertAck {
  readonly alertKey: string;
  readonly by: string;
  /** Epoch ms. */
  readonly at: number;
}

export interface ReportSettings {
  /** How many of the slowest probes to list. */
  readonly slowest: number;
  /** Certificates expiring within this many days are listed. */
  readonly certWithinDays: number;
  /** A gap between an agent's heartbeats longer than this counts as silence. */
  readonly agentSilentAfterMs: number;
}

export const DEFAULT_REPORT_SETTINGS: ReportSettings = {
  slowest: 5,
  certWithinDays: 30,
  agentSilentAfterMs: 5 * 60_000,
};

export interface ReportInput {
  readonly site: { readonly id: string; readonly name: string };
  readonly window: ReportWindow;
  /** Epoch ms; only stamped on the digest, never used in a figure (reports are reproducible). */
  readonly generatedAt: number;
  readonly probes: readonly ReportProbe[];
  /** Per probe id: buckets covering at least [weekStart, dayEnd). Others are ignored. */
  readonly buckets: ReadonlyMap<string, readonly ProbeBucket[]>;
  readonly certs: readonly CertReading[];
  /** The site's alert events from dayStart on (later ones tell when an alert of the day ended). */
  readonly alertEvents: readonly AlertEvent[];
  /** Acknowledgements made from dayStart on; the first one inside an alert's span is who acknowledged it. */
  readonly acks?: readonly AlertAck[];
  /** Heartbeats of every agent of the site over [weekStart, dayEnd). */
  readonly agents: readonly AgentHeartbeats[];
  /** Present when the site has assets; the state at the time the report is made. */
  readonly assets?: AssetFigures;
  readonly settings?: Partial<ReportSettings>;
}

export interface Availability {
  /** Successful results / results, 0..1; null without results. */
  readonly ratio: number | null;
  readonly results: number;
  readonly failed: number;
}

export interface ProbeAvailability {
  readonly probe: string;
  readonly kind: string;
  readonly target: string;
  readonly day: Availability;
  readonly week: Availability;
}

export interface HourPoint {
  /** Local wall-clock hour start, epoch ms. */
  readonly t: number;
  /** Site-wide availability in the hour, null without results. */
  readonly availability: number | null;
  readonly results: number;
}

export interface ReportAlert {
  readonly rule: { readonly id: string; readonly name: string; readonly severity: Severity };
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string | null;
  /** ISO 8601 UTC. */
  readonly startsAt: string;
  /** ISO 8601 UTC, or null when still firing at the end of what the store holds. */
  readonly endsAt: string | null;
  /** To endsAt, or to the end of the day while still firing. */
  readonly durationMs: number;
  /** Who acknowledged it first and when (ISO 8601 UTC); null when nobody did while it fired. */
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: string | null;
}

export interface SlowProbe {
  readonly probe: string;
  readonly target: string;
  readonly avgMs: number;
  readonly maxMs: number;
  readonly results: number;
}

export interface ExpiringCert {
  readonly probe: string;
  readonly target: string;
  /** Whole days from the end of the report's day to the expiry; negative once expired. */
  readonly daysLeft: number;
  /** ISO 8601 UTC. */
  readonly expiresAt: string;
}

export interface SilentAgent {
  readonly agent: string;
  /** Time without heartbeats inside the day, summed over gaps longer than agentSilentAfterMs. */
  readonly silentMs: number;
  readonly longestGapMs: number;
  /** ISO 8601 UTC of the last heartbeat before the end of the day, or null. */
  readonly lastSeen: string | null;
  /** Still silent at the end of the day. */
  readonly silentAtEnd: boolean;
}

export interface DailyDigest {
  readonly schema: typeof DAILY_REPORT_SCHEMA;
  readonly site: { readonly id: string; readonly name: string; readonly timezone: string };
  readonly day: string;
  readonly window: {
    readonly dayStart: string;
    readonly dayEnd: string;
    readonly weekStart: string;
    readonly hours: number;
  };
  readonly generatedAt: string;
  readonly settings: ReportSettings;
  /** Site-wide over the day and the week. */
  readonly overall: { readonly day: Availability; readonly week: Availability };
  /** Worst day availability first. */
  readonly availability: readonly ProbeAvailability[];
  /** One point per local hour of the day (23, 24 or 25): the chart. */
  readonly hourly: readonly HourPoint[];
  /** Alerts that began firing during the day, oldest first. */
  readonly alerts: readonly ReportAlert[];
  readonly slowest: readonly SlowProbe[];
  /** Soonest first. */
  readonly certificates: readonly ExpiringCert[];
  /** How many agents sent heartbeats during the week, and those silent during the day. */
  readonly agents: { readonly known: number; readonly silent: readonly SilentAgent[] };
  /** Null when the site has no assets. */
  readonly assets: AssetFigures | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

function availability(buckets: readonly ProbeBucket[], from: number, to: number): Availability {
  let results = 0;
  let ok = 0;
  for (const b of buckets) {
    if (b.t < from || b.t >= to) continue;
    results += b.n;
    ok += b.ok;
  }
  return { ratio: results > 0 ? ok / results : null, results, failed: results - ok };
}

function sumAvailability(parts: readonly Availability[]): Availability {
  const results = parts.reduce((sum, a) => sum + a.results, 0);
  const failed = parts.reduce((sum, a) => sum + a.failed, 0);
  return { ratio: results > 0 ? (results - failed) / results : null, results, failed };
}

/** The instance an event belongs to: `site/rule/fingerprint`, the start of its id (ids never hold a `/`). */
function instanceOf(event: AlertEvent): string {
  return event.id.split('/').slice(0, 3).join('/');
}

function reportAlerts(events: readonly AlertEvent[], acks: readonly AlertAck[], window: ReportWindow): ReportAlert[] {
  const sorted = [...events].sort((a, b) => Date.parse(a.evaluatedAt) - Date.parse(b.evaluatedAt));
  const out: ReportAlert[] = [];
  for (const [i, event] of sorted.entries()) {
    // Reminders and test notifications announce nothing new; nodata/error are not "fired".
    // Acknowledgement and escalation updates are about an alert already counted.
    if (event.state !== 'firing' || event.repeat || event.test || event.acknowledgement || event.escalation) continue;
    const at = Date.parse(event.evaluatedAt);
    if (at < window.dayStart || at >= window.dayEnd) continue;
    const instance = instanceOf(event);
    const resolved = sorted.slice(i + 1).find((later) => later.state === 'resolved' && instanceOf(later) === instance);
    const start = Date.parse(event.startsAt);
    const end = resolved ? Date.parse(resolved.endsAt ?? resolved.evaluatedAt) : null;
    const alertKey = `${event.rule.id}/${instance.split('/')[2]}`;
    const ack = acks.find((a) => a.alertKey === alertKey && a.at >= start && (end === null || a.at <= end));
    out.push({
      rule: event.rule,
      labels: event.labels,
      summary: event.annotations.summary ?? null,
      startsAt: event.startsAt,
      endsAt: end === null ? null : iso(end),
      durationMs: Math.max(0, (end ?? window.dayEnd) - start),
      acknowledgedBy: ack?.by ?? null,
      acknowledgedAt: ack === undefined ? null : iso(ack.at),
    });
  }
  return out;
}

function silence(agent: AgentHeartbeats, window: ReportWindow, silentAfterMs: number): SilentAgent | undefined {
  const times = agent.times.filter((t) => t < window.dayEnd).sort((a, b) => a - b);
  if (times.length === 0) return undefined;
  let silentMs = 0;
  let longestGapMs = 0;
  // From the last heartbeat before the day (an agent first heard of during the day starts then).
  const before = times.filter((t) => t < window.dayStart);
  let previous = before.length > 0 ? before[before.length - 1]! : undefined;
  const inDay = times.filter((t) => t >= window.dayStart);
  const marks = [...inDay, window.dayEnd];
  let silentAtEnd = false;
  for (const [i, t] of marks.entries()) {
    if (previous !== undefined && t - previous > silentAfterMs) {
      const gap = t - Math.max(previous, window.dayStart);
      silentMs += gap;
      longestGapMs = Math.max(longestGapMs, gap);
      if (i === marks.length - 1) silentAtEnd = true;
    }
    previous = t;
  }
  if (silentMs === 0) return undefined;
  return { agent: agent.agent, silentMs, longestGapMs, lastSeen: iso(times[times.length - 1]!), silentAtEnd };
}

export function computeDigest(input: ReportInput): DailyDigest {
  const settings: ReportSettings = { ...DEFAULT_REPORT_SETTINGS, ...input.settings };
  const { window } = input;
  const bucketsOf = (probe: string) => input.buckets.get(probe) ?? [];

  const availabilityRows: ProbeAvailability[] = input.probes.map((probe) => ({
    probe: probe.id,
    kind: probe.kind,
    target: probe.target,
    day: availability(bucketsOf(probe.id), window.dayStart, window.dayEnd),
    week: availability(bucketsOf(probe.id), window.weekStart, window.dayEnd),
  }));
  const rank = (a: Availability) => (a.ratio === null ? 2 : a.ratio);
  availabilityRows.sort((a, b) => rank(a.day) - rank(b.day) || a.probe.localeCompare(b.probe));

  const hourly: HourPoint[] = [];
  for (let t = window.dayStart; t < window.dayEnd; t += HOUR_MS) {
    const hour = sumAvailability(input.probes.map((p) => availability(bucketsOf(p.id), t, t + HOUR_MS)));
    hourly.push({ t, availability: hour.ratio, results: hour.results });
  }

  const slowest: SlowProbe[] = [];
  for (const probe of input.probes) {
    let n = 0;
    let sum = 0;
    let max = 0;
    for (const b of bucketsOf(probe.id)) {
      if (b.t < window.dayStart || b.t >= window.dayEnd) continue;
      n += b.n;
      sum += b.durationSum;
      max = Math.max(max, b.durationMax);
    }
    if (n > 0) slowest.push({ probe: probe.id, target: probe.target, avgMs: sum / n, maxMs: max, results: n });
  }
  slowest.sort((a, b) => b.avgMs - a.avgMs || a.probe.localeCompare(b.probe));

  const targets = new Map(input.probes.map((p) => [p.id, p.target]));
  const certificates: ExpiringCert[] = [];
  for (const reading of input.certs) {
    const target = targets.get(reading.probe);
    if (target === undefined || reading.t >= window.dayEnd) continue;
    const expiresAt = reading.t + reading.daysLeft * DAY_MS;
    const daysLeft = Math.floor((expiresAt - window.dayEnd) / DAY_MS);
    if (daysLeft < settings.certWithinDays)
      certificates.push({ probe: reading.probe, target, daysLeft, expiresAt: iso(Math.round(expiresAt)) });
  }
  certificates.sort((a, b) => a.daysLeft - b.daysLeft || a.probe.localeCompare(b.probe));

  const knownAgents = input.agents.filter((a) => a.times.some((t) => t >= window.weekStart && t < window.dayEnd));
  const silent = knownAgents
    .map((agent) => silence(agent, window, settings.agentSilentAfterMs))
    .filter((s): s is SilentAgent => s !== undefined)
    .sort((a, b) => b.silentMs - a.silentMs || a.agent.localeCompare(b.agent));

  return {
    schema: DAILY_REPORT_SCHEMA,
    site: { id: input.site.id, name: input.site.name, timezone: window.timezone },
    day: window.day,
    window: {
      dayStart: iso(window.dayStart),
      dayEnd: iso(window.dayEnd),
      weekStart: iso(window.weekStart),
      hours: window.hours,
    },
    generatedAt: iso(input.generatedAt),
    settings,
    overall: {
      day: sumAvailability(availabilityRows.map((r) => r.day)),
      week: sumAvailability(availabilityRows.map((r) => r.week)),
    },
    availability: availabilityRows,
    hourly,
    alerts: reportAlerts(
      input.alertEvents,
      [...(input.acks ?? [])].sort((a, b) => a.at - b.at),
      window,
    ),
    slowest: slowest.slice(0, settings.slowest),
    certificates,
    agents: { known: knownAgents.length, silent },
    assets: input.assets ?? null,
  };
}

/**
 * The notification that carries a report to one channel. Its key names the report, site and day,
 * so the notification log sends each day's report once per channel, however often it is asked.
 */
export function reportNotification(channel: string, reportId: string, digest: DailyDigest): Notification {
  return { key: `${channel}|report:${reportId}/${digest.site.id}/${digest.day}`, channel, events: [], report: digest };
}

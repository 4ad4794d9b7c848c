import type { AssetSettings, RegistryIndex, ZoneKind } from './registry.js';

/**
 * Answers over a stretch of history: utilization of assets and the flow of (anonymous) patient
 * tags. Pure functions of one tag's events; the caller reads them from its store.
 */

/** A located reading of one tag: a zone (already resolved from x/y where needed) at a time. */
export interface ZoneReading {
  readonly t: number;
  readonly zone: string;
}

export interface Visit {
  readonly zone: string;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
}

export interface VisitOptions {
  /** Visits shorter than this are a flicker or a walk past, neither a stay nor a wait. */
  readonly minDwellMs: number;
  /** A tag silent longer than this was somewhere unknown: its visit ends at its last reading. */
  readonly maxGapMs: number;
  /** The end of the stretch (now, or the end of the day asked for). */
  readonly until: number;
}

/**
 * Turns one tag's readings into visits. A visit lasts from its first reading in a zone to the
 * first reading elsewhere, unless the tag fell silent for longer than `maxGapMs` in between (then
 * to its last reading there). Visits under `minDwellMs` are dropped, and what is on either side of
 * a dropped one is joined when it is the same zone: A, B for 1 s, A is one stay in A.
 */
export function visitsOf(readings: readonly ZoneReading[], options: VisitOptions): Visit[] {
  const sorted = [...readings].filter((r) => r.t <= options.until).sort((a, b) => a.t - b.t);
  const raw: Visit[] = [];
  let current: { zone: string; from: number; last: number } | undefined;
  const close = (to: number) => {
    if (current) raw.push({ zone: current.zone, from: current.from, to: Math.max(to, current.from) });
  };
  for (const reading of sorted) {
    if (current && reading.t - current.last > options.maxGapMs) {
      close(current.last);
      current = undefined;
    }
    if (current && reading.zone === current.zone) {
      current.last = reading.t;
      continue;
    }
    close(reading.t);
    current = { zone: reading.zone, from: reading.t, last: reading.t };
  }
  if (current) close(options.until - current.last > options.maxGapMs ? current.last : options.until);

  // First a flicker between two readings of one zone (A, B for 1 s, A) joins the stays around it,
  // even when those are short themselves; then what is still short goes.
  const joined: Visit[] = [];
  for (const visit of raw) {
    const last = joined[joined.length - 1];
    const beforeLast = joined[joined.length - 2];
    if (
      last &&
      beforeLast &&
      beforeLast.zone === visit.zone &&
      last.to - last.from < options.minDwellMs &&
      beforeLast.to === last.from &&
      last.to === visit.from
    ) {
      joined.splice(-2, 2, { zone: visit.zone, from: beforeLast.from, to: visit.to });
      continue;
    }
    joined.push(visit);
  }
  const kept: Visit[] = [];
  for (const visit of joined) {
    if (visit.to - visit.from < options.minDwellMs) continue;
    const previous = kept[kept.length - 1];
    if (previous && previous.zone === visit.zone) kept[kept.length - 1] = { ...previous, to: visit.to };
    else kept.push(visit);
  }
  return kept;
}

/** Clips visits to [from, to). */
export function clip(visits: readonly Visit[], from: number, to: number): Visit[] {
  return visits.flatMap((v) =>
    v.to <= from || v.from >= to ? [] : [{ zone: v.zone, from: Math.max(v.from, from), to: Math.min(v.to, to) }],
  );
}

export interface Utilization {
  /** Ms seen in zones of each kind (unknown zones count as `other`). */
  readonly byKind: Readonly<Partial<Record<ZoneKind, number>>>;
  /** Ms seen anywhere. */
  readonly seenMs: number;
  /** Share of the seen time spent in clinical zones, 0-1; 0 when never seen. */
  readonly clinicalShare: number;
  /** Share in storage and clean zones. */
  readonly storageShare: number;
}

export function utilization(visits: readonly Visit[], site: string, index: RegistryIndex): Utilization {
  const byKind: Partial<Record<ZoneKind, number>> = {};
  let seenMs = 0;
  for (const visit of visits) {
    const kind = index.zone(site, visit.zone)?.kind ?? 'other';
    const ms = visit.to - visit.from;
    byKind[kind] = (byKind[kind] ?? 0) + ms;
    seenMs += ms;
  }
  const share = (ms: number) => (seenMs === 0 ? 0 : ms / seenMs);
  return {
    byKind,
    seenMs,
    clinicalShare: share(byKind.clinical ?? 0),
    storageShare: share((byKind.storage ?? 0) + (byKind.clean ?? 0)),
  };
}

/** Adds utilizations (per type from per asset). */
export function sumUtilization(parts: readonly Utilization[]): Utilization {
  const byKind: Partial<Record<ZoneKind, number>> = {};
  let seenMs = 0;
  for (const part of parts) {
    seenMs += part.seenMs;
    for (const [kind, ms] of Object.entries(part.byKind) as [ZoneKind, number][])
      byKind[kind] = (byKind[kind] ?? 0) + ms;
  }
  const share = (ms: number) => (seenMs === 0 ? 0 : ms / seenMs);
  return {
    byKind,
    seenMs,
    clinicalShare: share(byKind.clinical ?? 0),
    storageShare: share((byKind.storage ?? 0) + (byKind.clean ?? 0)),
  };
}

export function isIdle(use: Utilization, settings: AssetSettings): boolean {
  return use.clinicalShare < settings.idleBelowClinicalShare;
}

/** One stage a patient tag went through: how long it stayed, and how long it waited just before. */
export interface StageVisit {
  readonly tag: string;
  readonly stage: string;
  readonly from: number;
  readonly to: number;
  /** Time in waiting zones since the previous stage (0 when it went straight in). */
  readonly waitMs: number;
}

/**
 * The stages of one patient tag's visits. Waiting-zone time accumulates and is charged to the next
 * stage entered; an exit ends the journey, so a wait before leaving is charged to nothing. Zones of
 * kind `other` (corridors) neither wait nor stage. Consecutive zones of one stage are one stay.
 */
export function stagesOf(tag: string, visits: readonly Visit[], site: string, index: RegistryIndex): StageVisit[] {
  const out: StageVisit[] = [];
  let waitMs = 0;
  for (const visit of visits) {
    const zone = index.zone(site, visit.zone);
    const kind = zone?.kind ?? 'other';
    if (kind === 'waiting') {
      waitMs += visit.to - visit.from;
      continue;
    }
    if (kind === 'exit') {
      waitMs = 0;
      continue;
    }
    if (kind === 'other') continue;
    const stage = zone!.stage;
    const previous = out[out.length - 1];
    if (previous && previous.stage === stage && previous.to === visit.from && waitMs === 0) {
      out[out.length - 1] = { ...previous, to: visit.to };
      continue;
    }
    out.push({ tag, stage, from: visit.from, to: visit.to, waitMs });
    waitMs = 0;
  }
  return out;
}

export interface StageFlow {
  readonly stage: string;
  /** Stays that began in the stretch. */
  readonly visits: number;
  readonly stayP50Ms: number | null;
  readonly stayP90Ms: number | null;
  readonly waitP50Ms: number | null;
  readonly waitP90Ms: number | null;
  /** Stays that ended in the stretch, per hour of it. */
  readonly throughputPerHour: number;
}

/** Per stage over [from, to): stays and waits (nearest-rank percentiles), and throughput. */
export function stageFlow(stages: readonly StageVisit[], from: number, to: number): StageFlow[] {
  const byStage = new Map<string, StageVisit[]>();
  for (const visit of stages) {
    const list = byStage.get(visit.stage) ?? [];
    list.push(visit);
    byStage.set(visit.stage, list);
  }
  const hours = Math.max(to - from, 1) / 3_600_000;
  return [...byStage.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([stage, list]) => {
      const begun = list.filter((v) => v.from >= from && v.from < to);
      const stays = begun.map((v) => v.to - v.from);
      const waits = begun.map((v) => v.waitMs);
      return {
        stage,
        visits: begun.length,
        stayP50Ms: percentile(stays, 50),
        stayP90Ms: percentile(stays, 90),
        waitP50Ms: percentile(waits, 50),
        waitP90Ms: percentile(waits, 90),
        throughputPerHour: list.filter((v) => v.to > from && v.to <= to).length / hours,
      };
    });
}

/** Nearest-rank percentile (the smallest value with at least p% of values at or below it); null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

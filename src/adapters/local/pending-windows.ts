import { probeDimensions, probeMeasures, type ProbeMeasure, type ProbeResult } from '../../domain/probe-result.js';
import type { Labels } from '../../domain/labels.js';
import type { MetricSample, SeriesPoint, SeriesWindow, WindowQuery } from '../../domain/records.js';
import { canonicalLabelsJson } from './sqlite-store.js';

/**
 * Adds records the write buffer holds but the store does not have yet to the windows the store
 * returned, shaped exactly as the store would return them (same labels, same measures), so a rule
 * evaluated while the database is locked or the disk is full sees every result the probes reported.
 * A point the store already has (same series and time: a batch written while this cycle read) is
 * not added twice.
 */
export function withPendingRecords(
  stored: readonly SeriesWindow[],
  query: WindowQuery,
  pending: { readonly probes: readonly ProbeResult[]; readonly samples: readonly MetricSample[] },
): SeriesWindow[] {
  const measures = new Set(query.measures);
  const sites = query.sites === undefined ? undefined : new Set(query.sites);
  const inWindow = (time: number, site: string | undefined) =>
    time >= query.since && time <= query.until && (sites === undefined || (site !== undefined && sites.has(site)));

  const extra: Array<{ measure: string; labels: Labels; point: SeriesPoint }> = [];
  if (query.table === 'probes') {
    for (const result of pending.probes) {
      if (!inWindow(result.time, result.site)) continue;
      const labels = probeDimensions(result);
      for (const [measure, value] of Object.entries(probeMeasures(result)) as Array<[ProbeMeasure, number]>) {
        if (measures.has(measure)) extra.push({ measure, labels, point: { t: result.time, v: value } });
      }
    }
  } else {
    for (const sample of pending.samples) {
      if (!measures.has(sample.name) || !inWindow(sample.time, sample.labels.site)) continue;
      extra.push({ measure: sample.name, labels: sample.labels, point: { t: sample.time, v: sample.value } });
    }
  }
  if (extra.length === 0) return [...stored];

  const key = (measure: string, labels: Labels) => `${measure}\u0000${canonicalLabelsJson(labels)}`;
  const merged = new Map<string, { window: SeriesWindow; points: SeriesPoint[]; times: Set<number> }>();
  for (const window of stored) {
    merged.set(key(window.measure, window.labels), {
      window,
      points: [...window.points],
      times: new Set(window.points.map((p) => p.t)),
    });
  }
  for (const { measure, labels, point } of extra) {
    const k = key(measure, labels);
    let entry = merged.get(k);
    if (entry === undefined) {
      entry = { window: { table: query.table, measure, labels, points: [] }, points: [], times: new Set() };
      merged.set(k, entry);
    }
    if (entry.times.has(point.t)) continue;
    entry.times.add(point.t);
    entry.points.push(point);
  }
  return [...merged.values()].map(({ window, points }) => ({
    ...window,
    points: points.sort((a, b) => a.t - b.t),
  }));
}

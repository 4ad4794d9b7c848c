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

  // Series labels (canonical JSON) → measure → window being merged. Two levels rather than one
  // joined key: each held record's JSON string is looked up as it is, never rebuilt per point.
  const merged = new Map<string, Map<string, Merging>>();
  const inOrder: Merging[] = [];
  const entryFor = (labelsJson: string, measure: string, labels: Labels): Merging => {
    let byMeasure = merged.get(labelsJson);
    if (byMeasure === undefined) merged.set(labelsJson, (byMeasure = new Map()));
    let entry = byMeasure.get(measure);
    if (entry === undefined) {
      entry = { window: { table: query.table, measure, labels, points: [] }, points: [], times: new Set() };
      byMeasure.set(measure, entry);
      inOrder.push(entry);
    }
    return entry;
  };
  for (const window of stored) {
    const entry = entryFor(canonicalLabelsJson(window.labels), window.measure, window.labels);
    entry.window = window;
    entry.points = [...window.points];
    entry.times = new Set(window.points.map((p) => p.t));
  }

  let added = 0;
  const add = (entry: Merging, t: number, v: number) => {
    if (entry.times.has(t)) return;
    entry.times.add(t);
    entry.points.push({ t, v });
    added++;
  };
  if (query.table === 'probes') {
    const series = new ProbeSeriesMemo();
    for (const result of pending.probes) {
      if (!inWindow(result.time, result.site)) continue;
      const { labels, labelsJson } = series.of(result);
      for (const [measure, value] of Object.entries(probeMeasures(result)) as Array<[ProbeMeasure, number]>) {
        if (measures.has(measure)) add(entryFor(labelsJson, measure, labels), result.time, value);
      }
    }
  } else {
    for (const sample of pending.samples) {
      if (!measures.has(sample.name) || !inWindow(sample.time, sample.labels.site)) continue;
      add(entryFor(canonicalLabelsJson(sample.labels), sample.name, sample.labels), sample.time, sample.value);
    }
  }
  if (added === 0) return [...stored];
  return inOrder.map(({ window, points }) => ({ ...window, points: points.sort((a, b) => a.t - b.t) }));
}

interface Merging {
  window: SeriesWindow;
  points: SeriesPoint[];
  times: Set<number>;
}

/**
 * The series labels of held probe results, worked out once per probe rather than once per result:
 * an outage may hold a hundred thousand results of a few hundred probes, merged again every rule
 * cycle. (Kept per call, not with each result: that would cost more memory than the result itself.)
 */
class ProbeSeriesMemo {
  private readonly byProbe = new Map<string, Array<{ own: Labels; labels: Labels; labelsJson: string }>>();

  of(result: ProbeResult): { labels: Labels; labelsJson: string } {
    const key = `${result.site}\u0000${result.probe}\u0000${result.kind}\u0000${result.target}`;
    let known = this.byProbe.get(key);
    if (known === undefined) this.byProbe.set(key, (known = []));
    for (const series of known) if (sameLabels(series.own, result.labels)) return series;
    const labels = probeDimensions(result);
    const series = { own: result.labels, labels, labelsJson: canonicalLabelsJson(labels) };
    known.push(series);
    return series;
  }
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  for (const name of names) if (a[name] !== b[name]) return false;
  return true;
}

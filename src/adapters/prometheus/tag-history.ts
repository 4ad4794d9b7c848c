import type { MetricSample } from '../../domain/records.js';
import type { HistoryRow } from '../../services/assets.js';
import type { LocatedTagEvent, TagHistory } from '../../services/tag-history.js';
import type { PrometheusStore } from './prometheus-store.js';

/**
 * Tag events as Prometheus series (AMP, or any remote-write receiver), written through the store's
 * remote-write adapter:
 *
 * - `pflow_tag_zone{site, tag, zone} 1` at each event that places its tag in a zone (its own, or
 *   resolved from x/y through the registry);
 * - `pflow_tag_battery_percent{site, tag}` at each event carrying a battery level.
 *
 * Why this encoding, with cardinality in mind: AMP bills and limits by active series, and a label
 * whose value changes per event makes a new series per event. The zone is the one changing value
 * kept as a label, because it has few values per tag: the series count is the tags times the zones
 * each visits while a series stays active (a pump on a ward: a handful), not the events. Raw x/y,
 * motion and buttons are not written (coordinates would be a series per position; the answers do
 * not read motion or buttons from history). The zone is not encoded as a number (an index into the
 * registry changes meaning when zones are added, and reads as nothing in Grafana), and the asset's
 * id or type is not a label (a registry edit would split a tag's history in two; the asset
 * function joins the registry at read time). `tag` is an anonymous id, as everywhere.
 *
 * A retried batch writes the same samples at the same times: Prometheus keeps them once.
 */
export const TAG_ZONE_SERIES = 'pflow_tag_zone';
export const TAG_BATTERY_SERIES = 'pflow_tag_battery_percent';

/** Read a long stretch in pieces of this length, so one query stays well under the samples guard. */
const READ_CHUNK_MS = 6 * 3_600_000;

export function tagEventSamples(site: string, events: readonly LocatedTagEvent[]): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const event of events) {
    const zone = event.resolvedZone ?? event.zone;
    if (zone !== undefined) {
      samples.push({ name: TAG_ZONE_SERIES, labels: { site, tag: event.tag, zone }, time: event.t, value: 1 });
    }
    if (event.battery !== undefined) {
      samples.push({ name: TAG_BATTERY_SERIES, labels: { site, tag: event.tag }, time: event.t, value: event.battery });
    }
  }
  return samples;
}

export class PrometheusTagHistory implements TagHistory {
  constructor(
    private readonly store: Pick<PrometheusStore, 'writeMetricSamples' | 'queryMatrix'>,
    private readonly chunkMs = READ_CHUNK_MS,
  ) {}

  async writeTagEvents(site: string, events: readonly LocatedTagEvent[]): Promise<void> {
    await this.store.writeMetricSamples(tagEventSamples(site, events));
  }

  async readings(site: string, from: number, to: number): Promise<Map<string, HistoryRow[]>> {
    const byTag = new Map<string, Map<string, HistoryRow>>();
    // Range selectors look back from their evaluation time: one per chunk, ending at the chunk's end.
    for (let end = to; end > from; end -= this.chunkMs) {
      const start = Math.max(from, end - this.chunkMs);
      const seconds = Math.max(1, Math.ceil((end - start) / 1000));
      const matrix = await this.store.queryMatrix(`${TAG_ZONE_SERIES}{site=${quote(site)}}[${seconds}s]`, end);
      for (const series of matrix) {
        const tag = series.metric['tag'];
        const zone = series.metric['zone'];
        if (tag === undefined || zone === undefined) continue;
        const rows = byTag.get(tag) ?? new Map<string, HistoryRow>();
        for (const [seconds] of series.values) {
          const t = Math.round(seconds * 1000);
          // Chunks meet at their ends: a sample on the boundary comes back twice.
          if (t >= from && t <= to) rows.set(`${t}\u0000${zone}`, { t, zone, x: null, y: null, floor: null });
        }
        byTag.set(tag, rows);
      }
    }
    const out = new Map<string, HistoryRow[]>();
    for (const [tag, rows] of byTag)
      out.set(
        tag,
        [...rows.values()].sort((a, b) => a.t - b.t),
      );
    return out;
  }
}

/** A PromQL string literal. */
function quote(value: string): string {
  return JSON.stringify(value);
}

import type { AlertEvent } from '../domain/alerts/event.js';
import type { AlertHistory, MetricStore } from '../domain/ports.js';
import type { AlertAck, ProbeBucket } from '../domain/report/digest.js';
import type { ReportReads } from '../services/daily-report.js';

/** Acknowledgements (not unacks) made in an interval, from the acknowledgement audit. */
export interface AckAudit {
  acksBetween(since: number, until: number): Promise<readonly AlertAck[]>;
}

/** Where the cloud report reads alerts and acknowledgements (the lifecycle table in AWS). */
export interface AlertReads {
  readonly history: Pick<AlertHistory, 'alertEventsBetween'>;
  readonly acks: AckAudit;
}

/** The same 5-minute buckets as the local rollup, so a report reads the same from either store. */
export const REPORT_BUCKET_MS = 300_000;

/**
 * The daily report's reads over any metric store's window reads (Timestream, AMP/Prometheus, or
 * SQLite): probe results are fetched raw and summed into 5-minute buckets here. Meant for the
 * cloud, where there is no rollup. Alerts and who acknowledged them come from `alerts` (the
 * lifecycle table's alert history and acknowledgement audit in AWS); without it the report says
 * no alert fired.
 */
export class MetricStoreReportReads implements ReportReads {
  constructor(
    readonly metrics: Pick<MetricStore, 'fetchWindows'>,
    private readonly alerts?: AlertReads,
  ) {}

  async acknowledgements(since: number, until: number): Promise<AlertAck[]> {
    const acks = (await this.alerts?.acks.acksBetween(since, until)) ?? [];
    return acks.map((a) => ({ alertKey: a.alertKey, by: a.by, at: a.at }));
  }

  async probeBuckets(
    site: string,
    probes: readonly string[],
    since: number,
    until: number,
  ): Promise<Map<string, ProbeBucket[]>> {
    const windows = await this.metrics.fetchWindows({
      table: 'probes',
      measures: ['success', 'duration_ms'],
      since,
      until,
      sites: [site],
    });
    const wanted = new Set(probes);
    const byProbe = new Map<string, Map<number, { n: number; ok: number; durationSum: number; durationMax: number }>>();
    const bucketOf = (probe: string, t: number) => {
      let buckets = byProbe.get(probe);
      if (!buckets) byProbe.set(probe, (buckets = new Map()));
      const start = t - (t % REPORT_BUCKET_MS);
      let bucket = buckets.get(start);
      if (!bucket) buckets.set(start, (bucket = { n: 0, ok: 0, durationSum: 0, durationMax: 0 }));
      return bucket;
    };
    for (const w of windows) {
      const probe = w.labels.probe;
      if (probe === undefined || !wanted.has(probe)) continue;
      for (const p of w.points) {
        const bucket = bucketOf(probe, p.t);
        if (w.measure === 'success') {
          bucket.n += 1;
          if (p.v > 0) bucket.ok += 1;
        } else {
          bucket.durationSum += p.v;
          bucket.durationMax = Math.max(bucket.durationMax, p.v);
        }
      }
    }
    const out = new Map<string, ProbeBucket[]>();
    for (const probe of probes) {
      const buckets = byProbe.get(probe) ?? new Map();
      out.set(
        probe,
        [...buckets].sort(([a], [b]) => a - b).map(([t, b]) => ({ t, ...b })),
      );
    }
    return out;
  }

  async alertEvents(site: string, since: number, until: number): Promise<AlertEvent[]> {
    return (await this.alerts?.history.alertEventsBetween(site, since, until)) ?? [];
  }
}

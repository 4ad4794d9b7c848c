import type { AlertEvent } from '../../domain/alerts/event.js';
import type { AlertAck, ProbeBucket } from '../../domain/report/digest.js';
import type { ReportReads } from '../../services/daily-report.js';
import { ROLLUP_BUCKET_MS, type SqliteConsoleQueries } from './sqlite-console.js';
import type { SqliteLifecycleStore } from './sqlite-lifecycle.js';
import type { SqliteStore } from './sqlite-store.js';

/**
 * The daily report's reads on `pflow.db`: a week of results from the console's 5-minute rollup
 * (2,016 rows per probe rather than 20,160 raw results at a 30 s interval), alert history from the
 * `alerts` table, certificates and heartbeats through the store's window reads.
 */
export class SqliteReportReads implements ReportReads {
  constructor(
    private readonly store: SqliteStore,
    private readonly queries: SqliteConsoleQueries,
    private readonly lifecycle?: SqliteLifecycleStore,
  ) {}

  async acknowledgements(since: number, until: number): Promise<AlertAck[]> {
    return (this.lifecycle?.acksBetween(since, until) ?? []).map((a) => ({ alertKey: a.alertKey, by: a.by, at: a.at }));
  }

  get metrics(): Pick<SqliteStore, 'fetchWindows'> {
    return this.store;
  }

  async probeBuckets(
    site: string,
    probes: readonly string[],
    since: number,
    until: number,
  ): Promise<Map<string, ProbeBucket[]>> {
    const out = new Map<string, ProbeBucket[]>();
    for (const probe of probes) {
      out.set(
        probe,
        this.queries.probeBuckets(site, probe, since, until, ROLLUP_BUCKET_MS).map((row) => ({
          t: row.t,
          n: row.n,
          ok: row.ok,
          durationSum: row.durationSum,
          durationMax: row.durationMax,
        })),
      );
    }
    return out;
  }

  async alertEvents(site: string, since: number, until: number): Promise<AlertEvent[]> {
    return this.store.alertEventsBetween(site, since, until);
  }
}

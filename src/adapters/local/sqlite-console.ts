import type { Statement } from 'better-sqlite3';
import { PflowError } from '../../domain/errors.js';
import type {
  ChannelTotals,
  DeliveryRecord,
  FailureReasonCount,
  HourlyRow,
  ProbeBucketRow,
  ProbeFailureRow,
  ProbeStateRow,
  StatusCodeCount,
} from '../../domain/console/rows.js';
import { eventKey } from '../../domain/notification/dedup.js';
import type { Notification } from '../../domain/notification/outcome.js';
import type { SqliteDatabase } from './sqlite.js';

/**
 * The web console's read side of `pflow.db`: per-probe rollups kept by triggers, so a 7-day chart
 * over 100 probes reads about 2,000 rows per probe instead of 20,000 raw results, and a probe's
 * up/down state with its since-when without scanning its history.
 *
 * Triggers rather than code in SqliteStore.writeProbeResults: every writer of `probes` (the
 * runtime's buffer, an agent's ingest) keeps the rollups without knowing about the console, and
 * the rollup commits in the same transaction as the result it counts.
 *
 * Versioned as its own `pflow_schema` component (`console`), so it migrates independently of the
 * store's tables; created after the store (it needs `probes`).
 */

/** Rollup bucket: 5 minutes, fine enough for a 24 h chart (288 points), summed further for 7 days. */
export const ROLLUP_BUCKET_MS = 300_000;
/** Status codes are counted per hour: the console shows them as totals over a range of an hour or more. */
export const CODES_BUCKET_MS = 3_600_000;

export const CONSOLE_SCHEMA_VERSION = 2;
const SCHEMA_COMPONENT = 'console';

const phaseColumns = ['dns', 'connect', 'tls', 'first_byte', 'transfer'] as const;

const MIGRATIONS: readonly string[] = [
  // v1
  `
  CREATE TABLE probe_rollup (
    site TEXT NOT NULL,
    probe TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    duration_sum REAL NOT NULL,
    duration_max REAL NOT NULL,
    ${phaseColumns.map((p) => `${p}_sum REAL NOT NULL, ${p}_n INTEGER NOT NULL`).join(',\n    ')},
    PRIMARY KEY (site, probe, bucket)
  ) WITHOUT ROWID;

  CREATE TABLE probe_codes (
    site TEXT NOT NULL,
    probe TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    code INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (site, probe, bucket, code)
  ) WITHOUT ROWID;

  -- Up or down and since when: the time of the first result of the current run of equal outcomes.
  CREATE TABLE probe_state (
    site TEXT NOT NULL,
    probe TEXT NOT NULL,
    up INTEGER NOT NULL,
    since INTEGER NOT NULL,
    last_time INTEGER NOT NULL,
    PRIMARY KEY (site, probe)
  ) WITHOUT ROWID;

  -- Only failures pay for this index (a healthy probe's writes do not touch it); it serves the
  -- failure list and the per-reason counts of one probe over any range.
  CREATE INDEX probes_failures ON probes (site, probe, time) WHERE success = 0;

  CREATE TRIGGER console_probe_rollup AFTER INSERT ON probes BEGIN
    INSERT INTO probe_rollup VALUES (
      NEW.site, NEW.probe, NEW.time - NEW.time % ${ROLLUP_BUCKET_MS}, 1, NEW.success, NEW.duration_ms, NEW.duration_ms,
      ${phaseColumns.map((p) => `coalesce(NEW.${p}_ms, 0), NEW.${p}_ms IS NOT NULL`).join(', ')}
    ) ON CONFLICT (site, probe, bucket) DO UPDATE SET
      n = n + 1, ok = ok + excluded.ok, duration_sum = duration_sum + excluded.duration_sum,
      duration_max = max(duration_max, excluded.duration_max),
      ${phaseColumns.map((p) => `${p}_sum = ${p}_sum + excluded.${p}_sum, ${p}_n = ${p}_n + excluded.${p}_n`).join(',\n      ')};
    INSERT INTO probe_codes
      SELECT NEW.site, NEW.probe, NEW.time - NEW.time % ${CODES_BUCKET_MS}, NEW.status_code, 1
      WHERE NEW.status_code IS NOT NULL
    ON CONFLICT (site, probe, bucket, code) DO UPDATE SET n = n + 1;
    -- A result older than the newest one seen (a late agent batch) does not move the state.
    INSERT INTO probe_state VALUES (NEW.site, NEW.probe, NEW.success, NEW.time, NEW.time)
    ON CONFLICT (site, probe) DO UPDATE SET
      since = CASE WHEN up = excluded.up THEN since ELSE excluded.since END,
      up = excluded.up, last_time = excluded.last_time
    WHERE excluded.last_time >= last_time;
  END;
  `,
  // v2: whole hours, for the status page's 24 h of every probe (288 five-minute rows per probe
  // become 24). Its own trigger: v1's stays as it was.
  `
  CREATE TABLE probe_hourly (
    site TEXT NOT NULL,
    probe TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    duration_sum REAL NOT NULL,
    PRIMARY KEY (site, probe, bucket)
  ) WITHOUT ROWID;

  CREATE TRIGGER console_probe_hourly AFTER INSERT ON probes BEGIN
    INSERT INTO probe_hourly VALUES (
      NEW.site, NEW.probe, NEW.time - NEW.time % ${CODES_BUCKET_MS}, 1, NEW.success, NEW.duration_ms
    ) ON CONFLICT (site, probe, bucket) DO UPDATE SET
      n = n + 1, ok = ok + excluded.ok, duration_sum = duration_sum + excluded.duration_sum;
  END;

  INSERT INTO probe_hourly
  SELECT site, probe, bucket - bucket % ${CODES_BUCKET_MS}, sum(n), sum(ok), sum(duration_sum)
  FROM probe_rollup GROUP BY 1, 2, 3;
  `,
];

/** Fills the v1 tables from results stored before the console existed (an upgraded data directory). */
function backfillV1(db: SqliteDatabase): void {
  db.exec(`
    INSERT INTO probe_rollup
    SELECT site, probe, time - time % ${ROLLUP_BUCKET_MS}, count(*), sum(success), sum(duration_ms), max(duration_ms),
      ${phaseColumns.map((p) => `coalesce(sum(${p}_ms), 0), count(${p}_ms)`).join(', ')}
    FROM probes GROUP BY 1, 2, 3;
    INSERT INTO probe_codes
    SELECT site, probe, time - time % ${CODES_BUCKET_MS}, status_code, count(*)
    FROM probes WHERE status_code IS NOT NULL GROUP BY 1, 2, 3, 4;
  `);
  // One pass in time order (the time index) finds each probe's current run; cheaper than a
  // correlated "last opposite outcome" subquery per probe over an unindexed (site, probe).
  const states = new Map<string, { site: string; probe: string; up: number; since: number; last: number }>();
  const rows = db.prepare('SELECT site, probe, success, time FROM probes ORDER BY time').raw().iterate() as Iterable<
    [string, string, number, number]
  >;
  for (const [site, probe, up, time] of rows) {
    const key = `${site}\u0000${probe}`;
    const state = states.get(key);
    if (state === undefined) states.set(key, { site, probe, up, since: time, last: time });
    else {
      if (state.up !== up) state.since = time;
      state.up = up;
      state.last = time;
    }
  }
  const insert = db.prepare('INSERT INTO probe_state VALUES (?, ?, ?, ?, ?)');
  for (const s of states.values()) insert.run(s.site, s.probe, s.up, s.since, s.last);
}

function migrate(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS pflow_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM pflow_schema WHERE component = ?').get(SCHEMA_COMPONENT) as
    { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > CONSOLE_SCHEMA_VERSION) {
    throw new PflowError(
      'store_schema_newer',
      `the console tables are version ${current}, newer than this program's ${CONSOLE_SCHEMA_VERSION}; upgrade PerformanceFlow`,
    );
  }
  if (current === CONSOLE_SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let version = current + 1; version <= CONSOLE_SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version - 1]!);
      if (version === 1) backfillV1(db);
    }
    db.prepare(
      'INSERT INTO pflow_schema (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
    ).run(SCHEMA_COMPONENT, CONSOLE_SCHEMA_VERSION);
  })();
}

const summedColumns = `sum(n), sum(ok), sum(duration_sum), max(duration_max), ${phaseColumns
  .map((p) => `sum(${p}_sum), sum(${p}_n)`)
  .join(', ')}`;

/** The first whole hour at or after `since`: hours before it are partial and come from the 5-minute rollup. */
function hourAfter(since: number): number {
  const into = since % CODES_BUCKET_MS;
  return into === 0 ? since : since - into + CODES_BUCKET_MS;
}

function bucketRow(row: unknown[]): ProbeBucketRow {
  const [t, n, ok, durationSum, durationMax, ...phases] = row as number[];
  return {
    t: t!,
    n: n!,
    ok: ok!,
    durationSum: durationSum!,
    durationMax: durationMax!,
    phases: {
      dns: [phases[0]!, phases[1]!],
      connect: [phases[2]!, phases[3]!],
      tls: [phases[4]!, phases[5]!],
      firstByte: [phases[6]!, phases[7]!],
      transfer: [phases[8]!, phases[9]!],
    },
  };
}

/** The console's queries on `pflow.db` (and, for notifications, `delivery.db`). */
export class SqliteConsoleQueries {
  private readonly s: Record<string, Statement>;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly deliveryDb?: SqliteDatabase,
  ) {
    migrate(db);
    this.s = {
      states: db.prepare('SELECT site, probe, up, since, last_time FROM probe_state ORDER BY site, probe').raw(),
      // Whole hours from probe_hourly, the partial first hour from the 5-minute rollup: the same
      // totals as summing the rollup, from about a twelfth of the rows. Each side drives its
      // primary key once per probe (site, probe = ?, bucket range).
      hourly: db
        .prepare(
          `SELECT site, probe, hour, sum(n), sum(ok), sum(duration_sum) FROM (
             SELECT s.site, s.probe, r.bucket - r.bucket % ${CODES_BUCKET_MS} AS hour, r.n, r.ok, r.duration_sum
             FROM probe_state s JOIN probe_rollup r
               ON r.site = s.site AND r.probe = s.probe AND r.bucket >= @since AND r.bucket < @hours
             UNION ALL
             SELECT s.site, s.probe, h.bucket, h.n, h.ok, h.duration_sum
             FROM probe_state s JOIN probe_hourly h ON h.site = s.site AND h.probe = s.probe AND h.bucket >= @hours
           ) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        )
        .raw(),
      hourlyOne: db
        .prepare(
          `SELECT hour, sum(n), sum(ok), sum(duration_sum) FROM (
             SELECT bucket - bucket % ${CODES_BUCKET_MS} AS hour, n, ok, duration_sum FROM probe_rollup
             WHERE site = @site AND probe = @probe AND bucket >= @since AND bucket < @hours
             UNION ALL
             SELECT bucket, n, ok, duration_sum FROM probe_hourly
             WHERE site = @site AND probe = @probe AND bucket >= @hours
           ) GROUP BY 1 ORDER BY 1`,
        )
        .raw(),
      buckets: db
        .prepare(
          `SELECT bucket - bucket % @step, ${summedColumns} FROM probe_rollup
           WHERE site = @site AND probe = @probe AND bucket >= @since AND bucket <= @until GROUP BY 1 ORDER BY 1`,
        )
        .raw(),
      raw: db
        .prepare(
          `SELECT time, success, duration_ms, dns_ms, connect_ms, tls_ms, first_byte_ms, transfer_ms, status_code
           FROM probes WHERE time BETWEEN @since AND @until AND site = @site AND probe = @probe ORDER BY time`,
        )
        .raw(),
      codes: db
        .prepare(
          `SELECT code, sum(n) FROM probe_codes
           WHERE site = @site AND probe = @probe AND bucket >= @since AND bucket <= @until GROUP BY code ORDER BY code`,
        )
        .raw(),
      rawCodes: db
        .prepare(
          `SELECT status_code, count(*) FROM probes
           WHERE time BETWEEN @since AND @until AND site = @site AND probe = @probe AND status_code IS NOT NULL
           GROUP BY status_code ORDER BY status_code`,
        )
        .raw(),
      failures: db
        .prepare(
          `SELECT time, failure_reason, failure_message, status_code, duration_ms FROM probes INDEXED BY probes_failures
           WHERE site = @site AND probe = @probe AND success = 0 AND time BETWEEN @since AND @until
           ORDER BY time DESC LIMIT @limit`,
        )
        .raw(),
      reasons: db
        .prepare(
          `SELECT coalesce(failure_reason, 'error'), count(*), max(time) FROM probes INDEXED BY probes_failures
           WHERE site = @site AND probe = @probe AND success = 0 AND time BETWEEN @since AND @until
           GROUP BY 1 ORDER BY 2 DESC`,
        )
        .raw(),
      deleteRollup: db.prepare('DELETE FROM probe_rollup WHERE bucket < ?'),
      deleteCodes: db.prepare('DELETE FROM probe_codes WHERE bucket < ?'),
      deleteHourly: db.prepare('DELETE FROM probe_hourly WHERE bucket < ?'),
      deleteStates: db.prepare('DELETE FROM probe_state WHERE last_time < ?'),
    };
  }

  probeStates(): ProbeStateRow[] {
    return (this.s.states!.all() as Array<[string, string, number, number, number]>).map(
      ([site, probe, up, since, lastTime]) => ({ site, probe, up: up === 1, since, lastTime }),
    );
  }

  /** Every probe's hourly results since `since` (for availability and sparklines), grouped by probe. */
  hourlyByProbe(since: number): Map<string, HourlyRow[]> {
    const byProbe = new Map<string, HourlyRow[]>();
    for (const [site, probe, t, n, ok, durationSum] of this.s.hourly!.all({ since, hours: hourAfter(since) }) as Array<
      [string, string, number, number, number, number]
    >) {
      const key = `${site}\u0000${probe}`;
      let list = byProbe.get(key);
      if (list === undefined) byProbe.set(key, (list = []));
      list.push({ t, n, ok, durationSum });
    }
    return byProbe;
  }

  /** The same for one probe (the probe page needs only its own row of the status). */
  hourlyOfProbe(site: string, probe: string, since: number): Map<string, HourlyRow[]> {
    const rows = this.s.hourlyOne!.all({ site, probe, since, hours: hourAfter(since) }) as Array<
      [number, number, number, number]
    >;
    const list = rows.map(([t, n, ok, durationSum]) => ({ t, n, ok, durationSum }));
    return new Map(list.length > 0 ? [[`${site}\u0000${probe}`, list]] : []);
  }

  /** One probe's rollup between two instants, summed into buckets of `stepMs` (a multiple of 5 minutes). */
  probeBuckets(site: string, probe: string, since: number, until: number, stepMs: number): ProbeBucketRow[] {
    const start = since - (since % ROLLUP_BUCKET_MS);
    return (this.s.buckets!.all({ site, probe, since: start, until, step: stepMs }) as unknown[][]).map(bucketRow);
  }

  /** One probe's raw results between two instants (short ranges), as one-result buckets. */
  probeRaw(site: string, probe: string, since: number, until: number): ProbeBucketRow[] {
    const rows = this.s.raw!.all({ site, probe, since, until }) as Array<Array<number | null>>;
    return rows.map(([t, success, duration, dns, connect, tls, firstByte, transfer]) => {
      const phase = (v: number | null | undefined): [number, number] => (v == null ? [0, 0] : [v, 1]);
      return {
        t: t!,
        n: 1,
        ok: success!,
        durationSum: duration!,
        durationMax: duration!,
        phases: {
          dns: phase(dns),
          connect: phase(connect),
          tls: phase(tls),
          firstByte: phase(firstByte),
          transfer: phase(transfer),
        },
      };
    });
  }

  /** HTTP status codes seen; `exact` counts raw results (short ranges), otherwise whole hours from the rollup. */
  statusCodes(site: string, probe: string, since: number, until: number, exact: boolean): StatusCodeCount[] {
    const rows = exact
      ? this.s.rawCodes!.all({ site, probe, since, until })
      : this.s.codes!.all({ site, probe, since: since - (since % CODES_BUCKET_MS), until });
    return (rows as Array<[number, number]>).map(([code, count]) => ({ code, count }));
  }

  failures(site: string, probe: string, since: number, until: number, limit: number): ProbeFailureRow[] {
    return (
      this.s.failures!.all({ site, probe, since, until, limit }) as Array<
        [number, string | null, string | null, number | null, number]
      >
    ).map(([time, reason, message, statusCode, durationMs]) => ({
      time,
      reason: reason ?? 'error',
      message: message ?? '',
      statusCode,
      durationMs,
    }));
  }

  failureReasons(site: string, probe: string, since: number, until: number): FailureReasonCount[] {
    return (this.s.reasons!.all({ site, probe, since, until }) as Array<[string, number, number]>).map(
      ([reason, count, last]) => ({ reason, count, last }),
    );
  }

  /**
   * What became of each event's notifications, per channel: delivered (the notification log's
   * `channel|eventId` keys), waiting for a retry, or dead-lettered. Empty without a delivery database.
   */
  deliveries(eventIds: readonly string[], channels: readonly string[]): DeliveryRecord[] {
    const db = this.deliveryDb;
    if (db === undefined || !db.open) return [];
    const wanted = new Set(eventIds);
    const records: DeliveryRecord[] = [];
    const delivered = db
      .prepare(
        `SELECT key, channel, delivered_at FROM delivery_log
         WHERE key IN (SELECT j.value FROM json_each(?) j)`,
      )
      .raw()
      .all(JSON.stringify(eventIds.flatMap((id) => channels.map((channel) => eventKey(channel, id))))) as Array<
      [string, string, number]
    >;
    for (const [key, channel, at] of delivered) {
      records.push({ eventId: key.slice(channel.length + 1), channel, outcome: 'delivered', at, detail: '' });
    }
    for (const [json, attempts, at, error] of db
      .prepare('SELECT notification, attempts, not_before, last_error FROM delivery_queue')
      .raw()
      .all() as Array<[string, number, number, string]>) {
      const notification = JSON.parse(json) as Notification;
      for (const event of notification.events) {
        if (wanted.has(event.id))
          records.push({
            eventId: event.id,
            channel: notification.channel,
            outcome: 'retrying',
            at,
            detail: `${attempts} attempt(s); last: ${error}`,
          });
      }
    }
    for (const [json, attempts, at, reason] of db
      .prepare('SELECT notification, attempts, failed_at, reason FROM delivery_dead_letters')
      .raw()
      .all() as Array<[string, number, number, string]>) {
      const notification = JSON.parse(json) as Notification;
      for (const event of notification.events) {
        if (wanted.has(event.id))
          records.push({
            eventId: event.id,
            channel: notification.channel,
            outcome: 'dead_letter',
            at,
            detail: `${attempts} attempt(s); ${reason}`,
          });
      }
    }
    return records;
  }

  /** Per channel since an instant: delivered notifications, and what waits in the queue and dead letters now. */
  channelTotals(since: number): ChannelTotals[] {
    const db = this.deliveryDb;
    if (db === undefined || !db.open) return [];
    const totals = new Map<string, { channel: string; delivered: number; retrying: number; deadLetters: number }>();
    const get = (channel: string) => {
      let t = totals.get(channel);
      if (t === undefined) totals.set(channel, (t = { channel, delivered: 0, retrying: 0, deadLetters: 0 }));
      return t;
    };
    const count = (sql: string, field: 'delivered' | 'retrying' | 'deadLetters', ...params: number[]) => {
      for (const [channel, n] of db
        .prepare(sql)
        .raw()
        .all(...params) as Array<[string, number]>)
        get(channel)[field] = n;
    };
    // Events delivered: a group's own key is left out, each of its events has a key too.
    count(
      "SELECT channel, count(*) FROM delivery_log WHERE delivered_at >= ? AND instr(key, '|group:') = 0 GROUP BY channel",
      'delivered',
      since,
    );
    count('SELECT channel, count(*) FROM delivery_queue GROUP BY channel', 'retrying');
    count('SELECT channel, count(*) FROM delivery_dead_letters GROUP BY channel', 'deadLetters');
    return [...totals.values()].sort((a, b) => (a.channel < b.channel ? -1 : 1));
  }

  /** Drops rollups older than the store's retention cutoff (a bucket that straddles it stays). */
  applyRetention(cutoff: number): void {
    this.db.transaction(() => {
      this.s.deleteRollup!.run(cutoff - ROLLUP_BUCKET_MS);
      this.s.deleteCodes!.run(cutoff - CODES_BUCKET_MS);
      this.s.deleteHourly!.run(cutoff - CODES_BUCKET_MS);
      this.s.deleteStates!.run(cutoff);
    })();
  }
}

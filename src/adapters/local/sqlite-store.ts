import type { AlertEvent } from '../../domain/alerts/event.js';
import { PflowError } from '../../domain/errors.js';
import type { Labels } from '../../domain/labels.js';
import type { AlertStateStore, CasResult, CasWrite, Clock, MetricStore } from '../../domain/ports.js';
import {
  probeDimensions,
  type ProbeFailureReason,
  type ProbeMeasure,
  type ProbeResult,
} from '../../domain/probe-result.js';
import type { MetricSample, SeriesPoint, SeriesWindow, WindowQuery } from '../../domain/records.js';
import type { AlertInstanceState } from '../../domain/rules/types.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { openDatabase, type SqliteDatabase } from './sqlite.js';

/**
 * The local runtime's time series and alert state: one SQLite file with tables that mirror the
 * Timestream model (`probes`, `metrics` + `series`, `alerts`) plus `alert_states` for DynamoDB's part.
 *
 * Every write call is one transaction with prepared statements; better-sqlite3 is synchronous, so
 * the async methods only exist to satisfy the ports (a failed write rejects, it never half-writes).
 */

export interface SqliteStoreOptions {
  /** A file path (opened in WAL mode) or a database another adapter already opened. */
  readonly database: string | SqliteDatabase;
  readonly clock: Clock;
  /** Rows older than this are deleted by applyRetention. */
  readonly retentionMs: number;
  /**
   * How long a write waits for another connection's lock before SQLITE_BUSY. Kept short because the
   * wait blocks the event loop (better-sqlite3 is synchronous); the WriteBuffer retries asynchronously.
   */
  readonly busyTimeoutMs?: number;
}

export interface RetentionReport {
  readonly cutoff: number;
  readonly probes: number;
  readonly metrics: number;
  readonly series: number;
  readonly alerts: number;
}

/** Bumped with each migration below; kept in `pflow_schema` (see migrate for why not user_version). */
export const STORE_SCHEMA_VERSION = 1;
const SCHEMA_COMPONENT = 'store';

const MIGRATIONS: readonly string[] = [
  // v1
  `
  CREATE TABLE probes (
    site TEXT NOT NULL,
    probe TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    labels TEXT NOT NULL,
    time INTEGER NOT NULL,
    success INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    dns_ms REAL,
    connect_ms REAL,
    tls_ms REAL,
    first_byte_ms REAL,
    transfer_ms REAL,
    status_code INTEGER,
    cert_days_left REAL,
    cert_not_after INTEGER,
    tls_version TEXT,
    failure_reason TEXT,
    failure_message TEXT,
    details TEXT
  );
  CREATE INDEX probes_by_time ON probes (time);

  -- The newest probes row of each probe, kept on write: finding it with GROUP BY would walk a
  -- (site, probe, time) index, seconds for a week of results, on every /api/probes request, and
  -- that index would cost every write a random page update.
  CREATE TABLE probe_latest (
    site TEXT NOT NULL,
    probe TEXT NOT NULL,
    time INTEGER NOT NULL,
    probe_rowid INTEGER NOT NULL,
    PRIMARY KEY (site, probe)
  ) WITHOUT ROWID;

  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    name TEXT NOT NULL,
    labels TEXT NOT NULL,
    UNIQUE (name, labels)
  );

  -- Clustered by time, as Timestream partitions by time: samples arrive roughly in time order, so
  -- writes append to the end of the tree (clustering by series first made every batch rewrite one
  -- page per series, 4x the CPU), a window read and a retention delete are one range each, and a
  -- re-sent sample (same time and series) replaces itself instead of duplicating.
  CREATE TABLE metrics (
    time INTEGER NOT NULL,
    series_id INTEGER NOT NULL,
    value REAL,
    PRIMARY KEY (time, series_id)
  ) WITHOUT ROWID;

  CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    rule TEXT NOT NULL,
    state TEXT NOT NULL,
    previous_state TEXT NOT NULL,
    value REAL,
    time INTEGER NOT NULL,
    event TEXT NOT NULL
  );
  CREATE INDEX alerts_by_time ON alerts (time);
  CREATE INDEX alerts_by_site_rule_time ON alerts (site, rule, time);

  CREATE TABLE alert_states (
    key TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    site TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL
  );
  CREATE INDEX alert_states_by_rule ON alert_states (rule_id);
  `,
];

/** Probe measures and the columns that hold them; also the whitelist that keeps SQL text fixed. */
const PROBE_MEASURE_COLUMNS: Readonly<Record<ProbeMeasure, string>> = {
  success: 'success',
  duration_ms: 'duration_ms',
  dns_ms: 'dns_ms',
  connect_ms: 'connect_ms',
  tls_ms: 'tls_ms',
  first_byte_ms: 'first_byte_ms',
  transfer_ms: 'transfer_ms',
  status_code: 'status_code',
  cert_days_left: 'cert_days_left',
};
const PROBE_MEASURE_NAMES = Object.keys(PROBE_MEASURE_COLUMNS) as ProbeMeasure[];

interface ProbeRow {
  site: string;
  probe: string;
  kind: string;
  target: string;
  labels: string;
  time: number;
  success: number;
  duration_ms: number;
  dns_ms: number | null;
  connect_ms: number | null;
  tls_ms: number | null;
  first_byte_ms: number | null;
  transfer_ms: number | null;
  status_code: number | null;
  cert_days_left: number | null;
  cert_not_after: number | null;
  tls_version: string | null;
  failure_reason: string | null;
  failure_message: string | null;
  details: string | null;
}

/** Label sets are stored as JSON with sorted keys, so equal sets are equal strings (series identity). */
export function canonicalLabelsJson(labels: Labels): string {
  const names = Object.keys(labels);
  names.sort();
  // No prototype, so a label literally named `__proto__` stays a label.
  const sorted: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of names) sorted[name] = labels[name]!;
  return JSON.stringify(sorted);
}

/**
 * The whole cycle's metric windows as ONE row of JSON arrays (wanted series' ids, names, labels;
 * then every sample's series id, time and value). Marshalling rows into JavaScript costs about a
 * microsecond each in better-sqlite3 — more than SQLite's own work — so 500,000 points as rows took
 * twice as long as the same points as three arrays that JSON.parse reads in bulk.
 * SQLite (3.44+) renders REAL values in JSON with round-trip precision, ±Inf as ±9e999.
 */
function metricWindowsSql(siteFilter: string): string {
  return `WITH
      wanted AS MATERIALIZED (
        SELECT id, name, labels FROM series WHERE name IN (SELECT value FROM json_each(@names)) ${siteFilter}
      ),
      samples AS (
        SELECT series_id, time, value FROM metrics
        WHERE time BETWEEN @since AND @until AND series_id IN (SELECT id FROM wanted)
      )
    SELECT
      (SELECT json_group_array(id) FROM wanted),
      (SELECT json_group_array(name) FROM wanted),
      (SELECT json_group_array(json(labels)) FROM wanted),
      json_group_array(series_id), json_group_array(time), json_group_array(value)
    FROM samples`;
}

function placeholders(values: readonly unknown[]): string {
  return JSON.stringify(values);
}

export class SqliteStore implements MetricStore, AlertStateStore {
  readonly db: SqliteDatabase;
  private readonly ownsDatabase: boolean;
  private readonly clock: Clock;
  private readonly retentionMs: number;
  /** `name\0labelsJson` → series id. Only committed ids enter it (see writeMetricSamples). */
  private readonly seriesIds = new Map<string, number>();
  private readonly statements: ReturnType<SqliteStore['prepareStatements']>;
  /** Notifications committed with their alert states (see SqliteOutbox for why in this file). */
  readonly outbox: SqliteOutbox;

  constructor(options: SqliteStoreOptions) {
    if (typeof options.database === 'string') {
      this.db = openDatabase(options.database, { busyTimeoutMs: options.busyTimeoutMs ?? 250 });
      this.ownsDatabase = true;
    } else {
      this.db = options.database;
      this.ownsDatabase = false;
    }
    this.clock = options.clock;
    this.retentionMs = options.retentionMs;
    this.migrate();
    this.statements = this.prepareStatements();
    this.outbox = new SqliteOutbox(this.db, () => this.clock.now());
  }

  close(): void {
    if (this.db.open) this.outbox.flush();
    if (this.ownsDatabase && this.db.open) this.db.close();
  }

  /**
   * Versions the schema in a `pflow_schema` table keyed by component rather than PRAGMA user_version:
   * other local adapters (the delivery queue) may keep their tables in the same file, and a single
   * user_version cannot version two independent schemas.
   */
  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS pflow_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
    const row = this.db.prepare('SELECT version FROM pflow_schema WHERE component = ?').get(SCHEMA_COMPONENT) as
      { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > STORE_SCHEMA_VERSION) {
      throw new PflowError(
        'store_schema_newer',
        `the store schema is version ${current}, newer than this program's ${STORE_SCHEMA_VERSION}; upgrade PerformanceFlow`,
      );
    }
    if (current === STORE_SCHEMA_VERSION) return;
    this.db.transaction(() => {
      for (let version = current + 1; version <= STORE_SCHEMA_VERSION; version++)
        this.db.exec(MIGRATIONS[version - 1]!);
      this.db
        .prepare(
          'INSERT INTO pflow_schema (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
        )
        .run(SCHEMA_COMPONENT, STORE_SCHEMA_VERSION);
    })();
  }

  private prepareStatements() {
    const db = this.db;
    const probeColumns = `site, probe, kind, target, labels, time, ${PROBE_MEASURE_NAMES.map((m) => PROBE_MEASURE_COLUMNS[m]).join(', ')}`;
    return {
      insertProbe: db.prepare(
        `INSERT INTO probes (site, probe, kind, target, labels, time, success, duration_ms, dns_ms, connect_ms, tls_ms,
           first_byte_ms, transfer_ms, status_code, cert_days_left, cert_not_after, tls_version, failure_reason,
           failure_message, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertSeries: db.prepare('INSERT INTO series (site, name, labels) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      selectSeriesId: db.prepare('SELECT id FROM series WHERE name = ? AND labels = ?').pluck(),
      insertSample: db.prepare('INSERT OR REPLACE INTO metrics (time, series_id, value) VALUES (?, ?, ?)'),
      insertAlert: db.prepare(
        `INSERT INTO alerts (id, site, rule, state, previous_state, value, time, event) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      ),
      // One statement per table shape whatever the number of rules or measures: the measures are
      // unpivoted in JavaScript, and the IN lists arrive as one JSON parameter.
      probeWindows: db.prepare(`SELECT ${probeColumns} FROM probes WHERE time BETWEEN ? AND ? ORDER BY time`).raw(),
      probeWindowsForSites: db
        .prepare(
          `SELECT ${probeColumns} FROM probes
           WHERE time BETWEEN ? AND ? AND site IN (SELECT value FROM json_each(?)) ORDER BY time`,
        )
        .raw(),
      metricWindows: db.prepare(metricWindowsSql('')).raw(),
      metricWindowsForSites: db.prepare(metricWindowsSql('AND site IN (SELECT value FROM json_each(@sites))')).raw(),
      loadStates: db
        .prepare('SELECT version, state FROM alert_states WHERE rule_id IN (SELECT value FROM json_each(?))')
        .raw(),
      insertState: db.prepare(
        'INSERT INTO alert_states (key, rule_id, site, version, state) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
      ),
      updateState: db.prepare(
        'UPDATE alert_states SET rule_id = ?, site = ?, version = ?, state = ? WHERE key = ? AND version = ?',
      ),
      deleteStates: db.prepare('DELETE FROM alert_states WHERE key IN (SELECT value FROM json_each(?))'),
      putState: db.prepare(
        `INSERT INTO alert_states (key, rule_id, site, version, state) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET rule_id = excluded.rule_id, site = excluded.site,
           version = excluded.version, state = excluded.state`,
      ),
      listStates: db.prepare('SELECT version, state FROM alert_states ORDER BY key').raw(),
      upsertLatestProbe: db.prepare(
        `INSERT INTO probe_latest (site, probe, time, probe_rowid) VALUES (?, ?, ?, ?)
         ON CONFLICT (site, probe) DO UPDATE SET time = excluded.time, probe_rowid = excluded.probe_rowid
         WHERE excluded.time >= probe_latest.time`,
      ),
      latestProbes: db.prepare(
        'SELECT p.* FROM probe_latest l JOIN probes p ON p.rowid = l.probe_rowid ORDER BY l.site, l.probe',
      ),
      deleteLatestProbes: db.prepare('DELETE FROM probe_latest WHERE time < ?'),
      recentAlerts: db.prepare('SELECT event FROM alerts ORDER BY time DESC, rowid DESC LIMIT ?').pluck(),
      alertsBetween: db
        .prepare('SELECT event FROM alerts WHERE time BETWEEN ? AND ? AND site = ? ORDER BY time, rowid')
        .pluck(),
      deleteProbes: db.prepare('DELETE FROM probes WHERE time < ?'),
      deleteMetrics: db.prepare('DELETE FROM metrics WHERE time < ?'),
      // One pass over the samples left (there is no series_id index to probe per series).
      deleteOrphanSeries: db.prepare('DELETE FROM series WHERE id NOT IN (SELECT series_id FROM metrics)'),
      deleteAlerts: db.prepare('DELETE FROM alerts WHERE time < ?'),
    };
  }

  async writeProbeResults(results: readonly ProbeResult[]): Promise<void> {
    if (results.length === 0) return;
    const { insertProbe, upsertLatestProbe } = this.statements;
    this.db.transaction(() => {
      const latest = new Map<string, { result: ProbeResult; rowid: number | bigint }>();
      for (const r of results) {
        const { lastInsertRowid } = insertProbe.run(
          r.site,
          r.probe,
          r.kind,
          r.target,
          canonicalLabelsJson(r.labels),
          r.time,
          r.success ? 1 : 0,
          r.durationMs,
          r.phases.dnsMs ?? null,
          r.phases.connectMs ?? null,
          r.phases.tlsMs ?? null,
          r.phases.firstByteMs ?? null,
          r.phases.transferMs ?? null,
          r.statusCode ?? null,
          r.certDaysLeft ?? null,
          r.certNotAfter ?? null,
          r.tlsVersion ?? null,
          r.failure?.reason ?? null,
          r.failure?.message ?? null,
          r.details === undefined ? null : JSON.stringify(r.details),
        );
        const key = `${r.site}\u0000${r.probe}`;
        const seen = latest.get(key);
        if (seen === undefined || r.time >= seen.result.time) latest.set(key, { result: r, rowid: lastInsertRowid });
      }
      for (const { result, rowid } of latest.values()) {
        upsertLatestProbe.run(result.site, result.probe, result.time, rowid);
      }
    })();
  }

  async writeMetricSamples(samples: readonly MetricSample[]): Promise<void> {
    if (samples.length === 0) return;
    const { insertSeries, selectSeriesId, insertSample } = this.statements;
    // Ids created inside the transaction join the cache only after it commits: a rolled-back batch
    // (disk full, busy) must not leave ids in memory for series rows that do not exist.
    const created = new Map<string, number>();
    this.db.transaction(() => {
      for (const sample of samples) {
        const labelsJson = canonicalLabelsJson(sample.labels);
        const key = `${sample.name}\u0000${labelsJson}`;
        let id = this.seriesIds.get(key) ?? created.get(key);
        if (id === undefined) {
          insertSeries.run(sample.labels.site ?? '', sample.name, labelsJson);
          id = selectSeriesId.get(sample.name, labelsJson) as number;
          created.set(key, id);
        }
        // NaN is a legal Prometheus value; SQLite has no NaN, so it is stored as NULL and read back as NaN.
        insertSample.run(sample.time, id, Number.isNaN(sample.value) ? null : sample.value);
      }
    })();
    for (const [key, id] of created) this.seriesIds.set(key, id);
  }

  /** Idempotent: an event id already stored is ignored, so replaying a batch never duplicates history. */
  async writeAlertEvents(events: readonly AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    const insert = this.statements.insertAlert;
    this.db.transaction(() => {
      for (const event of events) {
        insert.run(
          event.id,
          event.site,
          event.rule.id,
          event.state,
          event.previousState,
          event.value,
          Date.parse(event.evaluatedAt),
          JSON.stringify(event),
        );
      }
    })();
  }

  /**
   * Every series of the requested measures between `since` and `until` (both inclusive), points
   * oldest first, in exactly one SQL statement. A measure the table does not have yields no series,
   * as a Timestream query for an absent measure returns no rows.
   */
  async fetchWindows(query: WindowQuery): Promise<SeriesWindow[]> {
    if (query.measures.length === 0 || (query.sites !== undefined && query.sites.length === 0)) return [];
    return query.table === 'probes' ? this.fetchProbeWindows(query) : this.fetchMetricWindows(query);
  }

  private fetchProbeWindows(query: WindowQuery): SeriesWindow[] {
    // Column positions in the SELECT: 0..5 are site, probe, kind, target, labels, time; measures follow.
    const measureIndexes: Array<[ProbeMeasure, number]> = [];
    for (const measure of new Set(query.measures)) {
      const index = PROBE_MEASURE_NAMES.indexOf(measure as ProbeMeasure);
      if (index >= 0) measureIndexes.push([measure as ProbeMeasure, 6 + index]);
    }
    if (measureIndexes.length === 0) return [];
    const rows = (
      query.sites === undefined
        ? this.statements.probeWindows.all(query.since, query.until)
        : this.statements.probeWindowsForSites.all(query.since, query.until, placeholders(query.sites))
    ) as unknown[][];

    const bySeries = new Map<string, { labels: Labels; points: Map<ProbeMeasure, SeriesPoint[]> }>();
    for (const row of rows) {
      const [site, probe, kind, target, labelsJson, time] = row as [string, string, string, string, string, number];
      const key = `${site}\u0000${probe}\u0000${kind}\u0000${target}\u0000${labelsJson}`;
      let series = bySeries.get(key);
      if (series === undefined) {
        const labels = probeDimensions({ site, probe, kind, target, labels: JSON.parse(labelsJson) as Labels });
        series = { labels, points: new Map() };
        bySeries.set(key, series);
      }
      for (const [measure, index] of measureIndexes) {
        const value = row[index] as number | null;
        if (value === null) continue; // a phase the probe did not go through
        let points = series.points.get(measure);
        if (points === undefined) series.points.set(measure, (points = []));
        points.push({ t: time, v: value });
      }
    }
    const windows: SeriesWindow[] = [];
    for (const series of bySeries.values()) {
      for (const [measure, points] of series.points) {
        windows.push({ table: 'probes', measure, labels: series.labels, points });
      }
    }
    return windows;
  }

  private fetchMetricWindows(query: WindowQuery): SeriesWindow[] {
    const params = { names: placeholders([...new Set(query.measures)]), since: query.since, until: query.until };
    const row = (
      query.sites === undefined
        ? this.statements.metricWindows.get(params)
        : this.statements.metricWindowsForSites.get({ ...params, sites: placeholders(query.sites) })
    ) as [string, string, string, string, string, string];
    const [ids, names, labels, seriesIds, times, values] = [
      JSON.parse(row[0]) as number[],
      JSON.parse(row[1]) as string[],
      JSON.parse(row[2]) as Labels[],
      JSON.parse(row[3]) as number[],
      JSON.parse(row[4]) as number[],
      JSON.parse(row[5]) as Array<number | null>,
    ];
    const seriesIndex = new Map<number, number>();
    for (let i = 0; i < ids.length; i++) seriesIndex.set(ids[i]!, i);

    // A series without points in the window yields no window, as with probes and Timestream.
    const bySeries = new Map<number, { points: SeriesPoint[]; sorted: boolean }>();
    for (let i = 0; i < seriesIds.length; i++) {
      const seriesId = seriesIds[i]!;
      const time = times[i]!;
      let series = bySeries.get(seriesId);
      if (series === undefined) bySeries.set(seriesId, (series = { points: [], sorted: true }));
      const last = series.points[series.points.length - 1];
      if (last !== undefined && last.t > time) series.sorted = false;
      series.points.push({ t: time, v: values[i] ?? Number.NaN });
    }
    const windows: SeriesWindow[] = [];
    for (const [seriesId, series] of bySeries) {
      const index = seriesIndex.get(seriesId)!;
      // The key order (time, series) feeds each series oldest first; sort only if that ever changes.
      if (!series.sorted) series.points.sort((a, b) => a.t - b.t);
      windows.push({ table: 'metrics', measure: names[index]!, labels: labels[index]!, points: series.points });
    }
    return windows;
  }

  async loadStates(ruleIds: readonly string[]): Promise<Map<string, AlertInstanceState>> {
    const states = new Map<string, AlertInstanceState>();
    if (ruleIds.length === 0) return states;
    const rows = this.statements.loadStates.all(placeholders(ruleIds)) as Array<[number, string]>;
    for (const [version, json] of rows) {
      const state = { ...(JSON.parse(json) as AlertInstanceState), version };
      states.set(state.key, state);
    }
    return states;
  }

  /**
   * Each write stands alone: it is applied only if the stored version equals `expectedVersion`
   * (0: the key must not exist), otherwise it is reported as a conflict and the others still apply.
   * The store stamps the written state with version `expectedVersion + 1` whatever `next.version`
   * says, so callers cannot get the bump wrong; loadStates returns the stamped version.
   */
  async compareAndSet(writes: readonly CasWrite[]): Promise<CasResult> {
    const written: string[] = [];
    const conflicts: string[] = [];
    const { insertState, updateState } = this.statements;
    this.db.transaction(() => {
      for (const { next, expectedVersion, announces } of writes) {
        const version = expectedVersion + 1;
        const json = JSON.stringify({ ...next, version });
        const changes =
          expectedVersion === 0
            ? insertState.run(next.key, next.ruleId, next.site, version, json).changes
            : updateState.run(next.ruleId, next.site, version, json, next.key, expectedVersion).changes;
        (changes === 1 ? written : conflicts).push(next.key);
        // The outbox: the announcement commits with the state, or (conflict, rollback) not at all.
        if (changes === 1 && announces !== undefined) this.outbox.stage(announces);
      }
    })();
    return { written, conflicts };
  }

  async deleteStates(keys: readonly string[], announces: readonly AlertEvent[] = []): Promise<void> {
    if (keys.length === 0 && announces.length === 0) return;
    this.db.transaction(() => {
      if (keys.length > 0) this.statements.deleteStates.run(placeholders(keys));
      this.outbox.stage(announces);
    })();
  }

  /**
   * Writes states as they are, versions included, and deletes keys, in one transaction: how a caller
   * that holds the authoritative copy in memory (the local runtime's AlertStateCache) persists it.
   * `announces` are the notifications those changes made: staged in the outbox in the same
   * transaction, so the file never holds a state that says "notified" without the notification.
   */
  async saveStates(
    states: readonly AlertInstanceState[],
    deletes: readonly string[],
    announces: readonly AlertEvent[] = [],
  ): Promise<void> {
    if (states.length === 0 && deletes.length === 0 && announces.length === 0) return;
    const { putState, deleteStates } = this.statements;
    this.db.transaction(() => {
      for (const state of states)
        putState.run(state.key, state.ruleId, state.site, state.version, JSON.stringify(state));
      if (deletes.length > 0) deleteStates.run(placeholders(deletes));
      this.outbox.stage(announces);
    })();
  }

  /** Deletes probe results, samples and alert history older than `now - retention`, and series left empty. */
  applyRetention(now: number = this.clock.now()): RetentionReport {
    const cutoff = now - this.retentionMs;
    const s = this.statements;
    const report = this.db.transaction(() => {
      s.deleteLatestProbes.run(cutoff);
      return {
        cutoff,
        probes: s.deleteProbes.run(cutoff).changes,
        metrics: s.deleteMetrics.run(cutoff).changes,
        series: s.deleteOrphanSeries.run().changes,
        alerts: s.deleteAlerts.run(cutoff).changes,
      };
    })();
    if (report.series > 0) this.seriesIds.clear();
    return report;
  }

  // Read side for the local runtime's JSON API; not part of the ports.

  /** The latest result of each probe at each site, ordered by site then probe. */
  latestProbeResults(): ProbeResult[] {
    return (this.statements.latestProbes.all() as ProbeRow[]).map(probeResultFromRow);
  }

  listAlertStates(): AlertInstanceState[] {
    return (this.statements.listStates.all() as Array<[number, string]>).map(([version, json]) => ({
      ...(JSON.parse(json) as AlertInstanceState),
      version,
    }));
  }

  /** The most recent alert events, newest first. */
  recentAlertEvents(limit: number): AlertEvent[] {
    return (this.statements.recentAlerts.all(limit) as string[]).map((json) => JSON.parse(json) as AlertEvent);
  }

  /** A site's alert events evaluated between two instants (both inclusive), oldest first: the daily report's history. */
  alertEventsBetween(site: string, since: number, until: number): AlertEvent[] {
    return (this.statements.alertsBetween.all(since, until, site) as string[]).map(
      (json) => JSON.parse(json) as AlertEvent,
    );
  }
}

function probeResultFromRow(row: ProbeRow): ProbeResult {
  const phases: Record<string, number> = {};
  if (row.dns_ms !== null) phases.dnsMs = row.dns_ms;
  if (row.connect_ms !== null) phases.connectMs = row.connect_ms;
  if (row.tls_ms !== null) phases.tlsMs = row.tls_ms;
  if (row.first_byte_ms !== null) phases.firstByteMs = row.first_byte_ms;
  if (row.transfer_ms !== null) phases.transferMs = row.transfer_ms;
  return {
    site: row.site,
    probe: row.probe,
    kind: row.kind,
    target: row.target,
    labels: JSON.parse(row.labels) as Labels,
    time: row.time,
    success: row.success === 1,
    durationMs: row.duration_ms,
    phases,
    ...(row.failure_reason !== null && {
      failure: { reason: row.failure_reason as ProbeFailureReason, message: row.failure_message ?? '' },
    }),
    ...(row.status_code !== null && { statusCode: row.status_code }),
    ...(row.tls_version !== null && { tlsVersion: row.tls_version }),
    ...(row.cert_not_after !== null && { certNotAfter: row.cert_not_after }),
    ...(row.cert_days_left !== null && { certDaysLeft: row.cert_days_left }),
    ...(row.details !== null && { details: JSON.parse(row.details) as Record<string, string | number | boolean> }),
  };
}

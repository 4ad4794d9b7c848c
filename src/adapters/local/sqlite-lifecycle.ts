import {
  auditRecord,
  type AckAuditRecord,
  type AckRequest,
  type AckResult,
  type AckSource,
  type ActiveAck,
  type UnackRequest,
} from '../../domain/lifecycle/ack.js';
import type { AlertEvent } from '../../domain/alerts/event.js';
import type { RuntimeSilence } from '../../domain/lifecycle/runtime-silence.js';
import { PflowError } from '../../domain/errors.js';
import type { SqliteDatabase } from './sqlite.js';

/**
 * What happens to an alert after it fires, in pflow.db beside the alert states (its own
 * `pflow_schema` component, `lifecycle`):
 *
 * - `silences`: run-time silences with author and comment; expiring one keeps the row.
 * - `ack_audit`: every ack and unack, never updated or deleted (the audit trail).
 * - `ack_current`: the acknowledgement that holds an alert now, one row per alert.
 * - `ack_link_uses`: nonces of signed acknowledge links already used (single use).
 */

const SCHEMA_COMPONENT = 'lifecycle';
export const LIFECYCLE_SCHEMA_VERSION = 1;

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE silences (
    id TEXT PRIMARY KEY,
    matchers TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    author TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expired_at INTEGER,
    expired_by TEXT
  ) WITHOUT ROWID;
  CREATE INDEX silences_by_end ON silences (ends_at);
  CREATE TABLE ack_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL,
    alert_key TEXT NOT NULL,
    incarnation INTEGER NOT NULL,
    by TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL,
    source TEXT NOT NULL,
    remote TEXT,
    expires_at INTEGER
  );
  CREATE INDEX ack_audit_by_alert ON ack_audit (alert_key, at);
  CREATE TABLE ack_current (
    alert_key TEXT PRIMARY KEY,
    incarnation INTEGER NOT NULL,
    by TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL,
    expires_at INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE ack_link_uses (
    nonce TEXT PRIMARY KEY,
    alert_key TEXT NOT NULL,
    used_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];

interface SilenceRow {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  author: string;
  comment: string;
  created_at: number;
  expired_at: number | null;
  expired_by: string | null;
}

interface AuditRow {
  id: number;
  action: 'ack' | 'unack';
  alert_key: string;
  incarnation: number;
  by: string;
  reason: string;
  at: number;
  source: AckSource;
  remote: string | null;
  expires_at: number | null;
}

interface CurrentRow {
  alert_key: string;
  incarnation: number;
  by: string;
  reason: string;
  at: number;
  expires_at: number | null;
}

/** Stages notifications inside the caller's transaction: the store's outbox, in the same file. */
export interface OutboxStager {
  stage(events: readonly AlertEvent[]): void;
}

/** The lifecycle tables of one pflow.db. */
export class SqliteLifecycleStore {
  /** @param outbox the alert outbox of the same database: an ack's update commits with it. */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly outbox?: OutboxStager,
  ) {
    migrate(db);
  }

  addSilence(silence: RuntimeSilence): void {
    this.db
      .prepare(
        `INSERT INTO silences (id, matchers, starts_at, ends_at, author, comment, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        silence.id,
        JSON.stringify(silence.matchers),
        silence.startsAt,
        silence.endsAt,
        silence.author,
        silence.comment,
        silence.createdAt,
      );
  }

  /** Silences that have not ended by `since` (all when absent), newest first. */
  listSilences(since?: number): RuntimeSilence[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM silences WHERE ? IS NULL OR (ends_at > ? AND (expired_at IS NULL OR expired_at > ?))
         ORDER BY created_at DESC, id`,
      )
      .all(since ?? null, since ?? null, since ?? null) as SilenceRow[];
    return rows.map(silenceOf);
  }

  /** Ends a silence now; false when there is no such silence or it had already ended. */
  expireSilence(id: string, by: string, now: number): boolean {
    const result = this.db
      .prepare('UPDATE silences SET expired_at = ?, expired_by = ? WHERE id = ? AND expired_at IS NULL AND ends_at > ?')
      .run(now, by, id, now);
    return result.changes > 0;
  }

  getSilence(id: string): RuntimeSilence | undefined {
    const row = this.db.prepare('SELECT * FROM silences WHERE id = ?').get(id) as SilenceRow | undefined;
    return row === undefined ? undefined : silenceOf(row);
  }

  /** Deletes silences that ended before `cutoff` (retention). */
  pruneSilences(cutoff: number): number {
    return this.db
      .prepare('DELETE FROM silences WHERE ends_at < ? OR (expired_at IS NOT NULL AND expired_at < ?)')
      .run(cutoff, cutoff).changes;
  }

  /**
   * Records an acknowledgement: one audit record per call, always; the alert's current
   * acknowledgement only when none holds for this firing yet. One transaction, so two acks at
   * once give two audit records and exactly one `acknowledged` (one update message), and that
   * one's update enters the outbox together with it.
   */
  acknowledge(request: AckRequest): AckResult {
    return this.db
      .transaction((): AckResult => {
        if (request.linkNonce !== undefined) {
          const used = this.db
            .prepare('INSERT OR IGNORE INTO ack_link_uses (nonce, alert_key, used_at) VALUES (?, ?, ?)')
            .run(request.linkNonce, request.alertKey, request.at);
          if (used.changes === 0) return { outcome: 'replayed' };
        }
        const audit = this.insertAudit('ack', request);
        const current = this.db.prepare('SELECT * FROM ack_current WHERE alert_key = ?').get(request.alertKey) as
          CurrentRow | undefined;
        const holding =
          current !== undefined &&
          current.incarnation === request.incarnation &&
          (current.expires_at === null || current.expires_at > request.at);
        if (holding) return { outcome: 'already_acknowledged', audit, ack: ackOf(current) };
        this.db
          .prepare(
            `INSERT INTO ack_current (alert_key, incarnation, by, reason, at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (alert_key) DO UPDATE SET incarnation = excluded.incarnation, by = excluded.by,
             reason = excluded.reason, at = excluded.at, expires_at = excluded.expires_at`,
          )
          .run(
            request.alertKey,
            request.incarnation,
            request.by,
            request.reason,
            request.at,
            request.expiresAt ?? null,
          );
        if (request.update !== undefined) this.outbox?.stage([request.update]);
        return {
          outcome: 'acknowledged',
          audit,
          ack: {
            alertKey: request.alertKey,
            incarnation: request.incarnation,
            by: request.by,
            reason: request.reason,
            at: request.at,
            ...(request.expiresAt !== undefined && { expiresAt: request.expiresAt }),
          },
        };
      })
      .immediate();
  }

  /** Removes the acknowledgement (audited); false when none held. */
  unacknowledge(request: UnackRequest): boolean {
    return this.db
      .transaction(() => {
        this.insertAudit('unack', request);
        return this.db.prepare('DELETE FROM ack_current WHERE alert_key = ?').run(request.alertKey).changes > 0;
      })
      .immediate();
  }

  /** Every current acknowledgement by alert key (the evaluator checks firing and expiry). */
  currentAcks(): Map<string, ActiveAck> {
    const rows = this.db.prepare('SELECT * FROM ack_current').all() as CurrentRow[];
    return new Map(rows.map((row) => [row.alert_key, ackOf(row)]));
  }

  /** Forgets acknowledgements of alerts no longer stored (resolved); the audit keeps them. */
  dropAcksExcept(alertKeys: ReadonlySet<string>): number {
    let dropped = 0;
    for (const key of this.currentAcks().keys()) {
      if (!alertKeys.has(key))
        dropped += this.db.prepare('DELETE FROM ack_current WHERE alert_key = ?').run(key).changes;
    }
    return dropped;
  }

  /** Audit records, newest first; of one alert when given. */
  audit(alertKey?: string, limit = 100): AckAuditRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM ack_audit WHERE ? IS NULL OR alert_key = ? ORDER BY id DESC LIMIT ?')
      .all(alertKey ?? null, alertKey ?? null, limit) as AuditRow[];
    return rows.map(auditOf);
  }

  /** Acknowledgements (not unacks) made between two instants, oldest first: the daily report's "who acknowledged". */
  acksBetween(since: number, until: number): AckAuditRecord[] {
    const rows = this.db
      .prepare("SELECT * FROM ack_audit WHERE action = 'ack' AND at BETWEEN ? AND ? ORDER BY at, id")
      .all(since, until) as AuditRow[];
    return rows.map(auditOf);
  }

  private insertAudit(action: 'ack' | 'unack', request: Omit<AckRequest, 'linkNonce' | 'update'>): AckAuditRecord {
    const result = this.db
      .prepare(
        `INSERT INTO ack_audit (action, alert_key, incarnation, by, reason, at, source, remote, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        action,
        request.alertKey,
        request.incarnation,
        request.by,
        request.reason,
        request.at,
        request.source,
        request.remote ?? null,
        request.expiresAt ?? null,
      );
    return auditRecord(Number(result.lastInsertRowid), action, request);
  }
}

function silenceOf(row: SilenceRow): RuntimeSilence {
  return {
    id: row.id,
    matchers: JSON.parse(row.matchers) as string[],
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    author: row.author,
    comment: row.comment,
    createdAt: row.created_at,
    ...(row.expired_at !== null && { expiredAt: row.expired_at }),
    ...(row.expired_by !== null && { expiredBy: row.expired_by }),
  };
}

function ackOf(row: CurrentRow): ActiveAck {
  return {
    alertKey: row.alert_key,
    incarnation: row.incarnation,
    by: row.by,
    reason: row.reason,
    at: row.at,
    ...(row.expires_at !== null && { expiresAt: row.expires_at }),
  };
}

function auditOf(row: AuditRow): AckAuditRecord {
  return {
    id: row.id,
    action: row.action,
    alertKey: row.alert_key,
    incarnation: row.incarnation,
    by: row.by,
    reason: row.reason,
    at: row.at,
    source: row.source,
    ...(row.remote !== null && { remote: row.remote }),
    ...(row.expires_at !== null && { expiresAt: row.expires_at }),
  };
}

function migrate(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS pflow_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM pflow_schema WHERE component = ?').get(SCHEMA_COMPONENT) as
    { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > LIFECYCLE_SCHEMA_VERSION) {
    throw new PflowError(
      'store_schema_newer',
      `the lifecycle schema is version ${current}, newer than this program's ${LIFECYCLE_SCHEMA_VERSION}; upgrade PerformanceFlow`,
    );
  }
  if (current === LIFECYCLE_SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let version = current + 1; version <= LIFECYCLE_SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version - 1]!);
    db.prepare(
      'INSERT INTO pflow_schema (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
    ).run(SCHEMA_COMPONENT, LIFECYCLE_SCHEMA_VERSION);
  })();
}

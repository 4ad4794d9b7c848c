import { join } from 'node:path';
import type { Notification } from '../../domain/notification/outcome.js';
import type {
  DeadLetter,
  DeadLetterStore,
  DeliveryQueue,
  NotificationLog,
  QueuedNotification,
} from '../../domain/notification/ports.js';
import { openDatabase, type SqliteDatabase } from './sqlite.js';

/**
 * Delivery state lives in its own file by default so the metric store's large batched writes
 * never hold the lock a notification needs; the tables are prefixed, so sharing one file works too.
 */
export function deliveryDatabasePath(dataDir: string): string {
  return join(dataDir, 'delivery.db');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS delivery_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  channel TEXT NOT NULL,
  notification TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  not_before INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS delivery_queue_due ON delivery_queue (not_before);
CREATE TABLE IF NOT EXISTS delivery_log (
  key TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  delivered_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS delivery_log_age ON delivery_log (delivered_at);
CREATE TABLE IF NOT EXISTS delivery_dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  channel TEXT NOT NULL,
  notification TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT NOT NULL,
  failed_at INTEGER NOT NULL
);
`;

interface QueueRow {
  id: number;
  notification: string;
  attempts: number;
  not_before: number;
  last_error: string;
}

interface DeadLetterRow {
  id: number;
  notification: string;
  attempts: number;
  reason: string;
  failed_at: number;
}

/** The three delivery ports on one SQLite database (the local runtime's durable retry queue). */
export class SqliteDelivery {
  readonly queue: DeliveryQueue;
  readonly log: NotificationLog;
  readonly deadLetters: DeadLetterStore;

  private constructor(
    readonly db: SqliteDatabase,
    private readonly ownsDb: boolean,
  ) {
    db.exec(SCHEMA);
    this.queue = sqliteQueue(db);
    this.log = sqliteLog(db);
    this.deadLetters = sqliteDeadLetters(db);
  }

  /** Opens (creating) the file at `path`. */
  static open(path: string): SqliteDelivery {
    return new SqliteDelivery(openDatabase(path), true);
  }

  /** Adds the delivery tables to a database opened elsewhere (which stays the caller's to close). */
  static on(db: SqliteDatabase): SqliteDelivery {
    return new SqliteDelivery(db, false);
  }

  close(): void {
    if (this.ownsDb && this.db.open) this.db.close();
  }
}

function sqliteQueue(db: SqliteDatabase): DeliveryQueue {
  const insert = db.prepare(
    `INSERT INTO delivery_queue (key, channel, notification, attempts, not_before, last_error, enqueued_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
  );
  const due = db.prepare(
    `SELECT id, notification, attempts, not_before, last_error FROM delivery_queue
     WHERE not_before <= ? ORDER BY not_before, id LIMIT ?`,
  );
  const remove = db.prepare('DELETE FROM delivery_queue WHERE id = ?');
  const update = db.prepare('UPDATE delivery_queue SET attempts = ?, not_before = ?, last_error = ? WHERE id = ?');
  const count = db.prepare('SELECT count(*) AS n FROM delivery_queue');
  return {
    async enqueue(notification, attempts, notBefore, lastError) {
      insert.run(
        notification.key,
        notification.channel,
        JSON.stringify(notification),
        attempts,
        notBefore,
        lastError,
        Date.now(),
      );
    },
    async due(now, limit) {
      return (due.all(now, limit) as QueueRow[]).map((row): QueuedNotification => ({
        id: String(row.id),
        notification: JSON.parse(row.notification) as Notification,
        attempts: row.attempts,
        notBefore: row.not_before,
        lastError: row.last_error,
      }));
    },
    async complete(id) {
      remove.run(Number(id));
    },
    async reschedule(id, attempts, notBefore, lastError) {
      update.run(attempts, notBefore, lastError, Number(id));
    },
    async size() {
      return (count.get() as { n: number }).n;
    },
  };
}

function sqliteLog(db: SqliteDatabase): NotificationLog {
  const has = db.prepare('SELECT 1 FROM delivery_log WHERE key = ?').pluck();
  const insert = db.prepare(
    'INSERT INTO delivery_log (key, channel, delivered_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
  );
  const recordAll = db.transaction((keys: readonly string[], channel: string, deliveredAt: number) => {
    for (const key of keys) insert.run(key, channel, deliveredAt);
  });
  const prune = db.prepare('DELETE FROM delivery_log WHERE delivered_at < ?');
  return {
    async has(key) {
      return has.get(key) !== undefined;
    },
    async record(keys, channel, deliveredAt) {
      recordAll(keys, channel, deliveredAt);
    },
    async prune(before) {
      return prune.run(before).changes;
    },
  };
}

function sqliteDeadLetters(db: SqliteDatabase): DeadLetterStore {
  const insert = db.prepare(
    `INSERT INTO delivery_dead_letters (key, channel, notification, attempts, reason, failed_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const list = db.prepare(
    'SELECT id, notification, attempts, reason, failed_at FROM delivery_dead_letters ORDER BY failed_at, id',
  );
  const one = db.prepare(
    'SELECT id, notification, attempts, reason, failed_at FROM delivery_dead_letters WHERE id = ?',
  );
  const remove = db.prepare('DELETE FROM delivery_dead_letters WHERE id = ?');
  // A requeued notification starts a fresh attempt budget; if its key is still queued, that item stays.
  const enqueue = db.prepare(
    `INSERT INTO delivery_queue (key, channel, notification, attempts, not_before, last_error, enqueued_at)
     VALUES (?, ?, ?, 0, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
  );
  const requeue = db.transaction((rows: readonly DeadLetterRow[], now: number) => {
    for (const row of rows) {
      const notification = JSON.parse(row.notification) as Notification;
      enqueue.run(notification.key, notification.channel, row.notification, now, `requeued: ${row.reason}`, now);
      remove.run(row.id);
    }
    return rows.length;
  });
  return {
    async add(notification, reason, attempts, failedAt) {
      insert.run(notification.key, notification.channel, JSON.stringify(notification), attempts, reason, failedAt);
    },
    async list() {
      return (list.all() as DeadLetterRow[]).map((row): DeadLetter => ({
        id: String(row.id),
        notification: JSON.parse(row.notification) as Notification,
        attempts: row.attempts,
        reason: row.reason,
        failedAt: row.failed_at,
      }));
    },
    async requeue(now, ids) {
      const rows =
        ids === undefined
          ? (list.all() as DeadLetterRow[])
          : ids.map((id) => one.get(Number(id)) as DeadLetterRow | undefined).filter((r): r is DeadLetterRow => !!r);
      return requeue(rows, now);
    },
  };
}

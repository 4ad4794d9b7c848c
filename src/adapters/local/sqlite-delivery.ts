import { join } from 'node:path';
import type { Notification } from '../../domain/notification/outcome.js';
import type {
  DeadLetter,
  DeadLetterStore,
  DeliveryQueue,
  NotificationLog,
  QueuedNotification,
} from '../../domain/notification/ports.js';
import type { Statement } from 'better-sqlite3';
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
  private readonly notificationLog: SqliteNotificationLog;
  private readonly backlogQuery: Statement;

  private constructor(
    readonly db: SqliteDatabase,
    private readonly ownsDb: boolean,
  ) {
    db.exec(SCHEMA);
    this.queue = sqliteQueue(db);
    this.log = this.notificationLog = new SqliteNotificationLog(db);
    this.deadLetters = sqliteDeadLetters(db);
    this.backlogQuery = db.prepare(
      'SELECT (SELECT count(*) FROM delivery_queue) AS retryQueue, (SELECT count(*) FROM delivery_dead_letters) AS deadLetters',
    );
  }

  /** Opens (creating) the file at `path`; `busyTimeoutMs` as openDatabase (default 2 s, for the CLI). */
  static open(path: string, options: { busyTimeoutMs?: number } = {}): SqliteDelivery {
    return new SqliteDelivery(openDatabase(path, options), true);
  }

  /** Adds the delivery tables to a database opened elsewhere (which stays the caller's to close). */
  static on(db: SqliteDatabase): SqliteDelivery {
    return new SqliteDelivery(db, false);
  }

  /** Queue and dead-letter counts for /api/health, which is synchronous. */
  backlog(): { retryQueue: number; deadLetters: number } {
    return this.backlogQuery.get() as { retryQueue: number; deadLetters: number };
  }

  /** Writes what the notification log is batching (if the database is still open), then closes it if it is ours. */
  close(): void {
    if (this.db.open) this.notificationLog.flush();
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

/**
 * The notification log with group commit: every record() made in one turn of the event loop
 * goes into one transaction, written from a setImmediate after the turn's I/O callbacks. Why:
 * one transaction per delivery cost about a tenth of the pipeline's CPU (a WAL append of the
 * table and index pages per commit); a burst of deliveries completing together now shares one.
 * The guarantee is unchanged: record() resolves only after the commit, so the dispatcher holds
 * the event as claimed (and never sends it again) until its key is durable, and has() counts a
 * key waiting for the commit as delivered. flush() writes the waiting keys at once (close() does).
 */
class SqliteNotificationLog implements NotificationLog {
  private readonly hasKey: Statement;
  private readonly pruneBefore: Statement;
  private readonly writeBatch: (batch: readonly PendingRecord[]) => void;
  private batch: PendingRecord[] = [];
  /** Keys of `batch`, for has(). */
  private readonly waitingKeys = new Set<string>();
  private commit: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | undefined;

  constructor(private readonly db: SqliteDatabase) {
    this.hasKey = db.prepare('SELECT 1 FROM delivery_log WHERE key = ?').pluck();
    this.pruneBefore = db.prepare('DELETE FROM delivery_log WHERE delivered_at < ?');
    const insert = db.prepare(
      'INSERT INTO delivery_log (key, channel, delivered_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
    );
    this.writeBatch = db.transaction((batch: readonly PendingRecord[]) => {
      for (const { keys, channel, deliveredAt } of batch) for (const key of keys) insert.run(key, channel, deliveredAt);
    });
  }

  async has(key: string): Promise<boolean> {
    return this.waitingKeys.has(key) || this.hasKey.get(key) !== undefined;
  }

  record(keys: readonly string[], channel: string, deliveredAt: number): Promise<void> {
    if (!this.db.open) return Promise.reject(new Error('the delivery database is closed'));
    this.batch.push({ keys, channel, deliveredAt });
    for (const key of keys) this.waitingKeys.add(key);
    if (!this.commit) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.commit = { promise, resolve, reject };
      setImmediate(() => this.flush());
    }
    return this.commit.promise;
  }

  async prune(before: number): Promise<number> {
    this.flush();
    return this.pruneBefore.run(before).changes;
  }

  /** Commits the waiting keys now; settles the promises their record() calls returned. */
  flush(): void {
    const commit = this.commit;
    if (!commit) return;
    const batch = this.batch;
    this.commit = undefined;
    this.batch = [];
    try {
      this.writeBatch(batch);
      commit.resolve();
    } catch (error) {
      commit.reject(error);
    } finally {
      this.waitingKeys.clear();
    }
  }
}

interface PendingRecord {
  readonly keys: readonly string[];
  readonly channel: string;
  readonly deliveredAt: number;
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

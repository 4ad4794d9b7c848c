import type { Statement } from 'better-sqlite3';
import type { AlertEvent } from '../../domain/alerts/event.js';
import type { NotificationOutbox } from '../../domain/ports.js';
import type { SqliteDatabase } from './sqlite.js';

/**
 * The transactional outbox of the local runtime, a table in the store's own file (`pflow.db`).
 *
 * Why here and not in `delivery.db`: the notification must be committed in the SAME transaction as
 * the alert state that says it was announced (SqliteStore.compareAndSet / deleteStates call
 * stage() inside theirs). Two files cannot share a transaction: ATTACH would seem to allow it, but
 * in WAL mode SQLite commits each attached file on its own, so a crash can keep one and lose the
 * other. So the intent lives beside the state, and the hand-over to `delivery.db` is made
 * idempotent instead: a row leaves the outbox only after the dispatcher has the event durably
 * delivered (notification log), queued or dead-lettered; until then a restart dispatches it again,
 * and the notification log keeps that replay from sending what was already sent.
 *
 * settle() is batched like the notification log's records (one DELETE per event-loop turn) and
 * need not be durable: a settle lost in a crash only means one more replay that the log dedupes.
 */
export class SqliteOutbox implements NotificationOutbox {
  private readonly insert: Statement;
  private readonly oldest: Statement;
  private readonly count: Statement;
  private readonly remove: (ids: readonly string[]) => void;
  private waiting: string[] = [];
  private scheduled = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS alert_outbox (
      event_id TEXT PRIMARY KEY,
      event TEXT NOT NULL,
      staged_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    this.insert = db.prepare(
      'INSERT INTO alert_outbox (event_id, event, staged_at) VALUES (?, ?, ?) ON CONFLICT (event_id) DO NOTHING',
    );
    this.oldest = db.prepare('SELECT event FROM alert_outbox ORDER BY staged_at, event_id LIMIT ?').pluck();
    this.count = db.prepare('SELECT count(*) FROM alert_outbox').pluck();
    const removeMany = db.prepare('DELETE FROM alert_outbox WHERE event_id IN (SELECT value FROM json_each(?))');
    this.remove = (ids) => void removeMany.run(JSON.stringify(ids));
  }

  /** Stages events; call it inside the transaction that writes their alert state. */
  stage(events: readonly AlertEvent[]): void {
    const at = this.now();
    for (const event of events) this.insert.run(event.id, JSON.stringify(event), at);
  }

  async pending(limit: number): Promise<AlertEvent[]> {
    this.flush();
    return (this.oldest.all(limit) as string[]).map((json) => JSON.parse(json) as AlertEvent);
  }

  async settle(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    this.waiting.push(...eventIds);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  async size(): Promise<number> {
    return this.sizeNow();
  }

  /** size() for /api/health, which is synchronous. Throws when the database cannot be read. */
  sizeNow(): number {
    this.flush();
    return this.count.get() as number;
  }

  /** Deletes the settled rows now (close() calls it; a closed database keeps them for the replay). */
  flush(): void {
    this.scheduled = false;
    if (this.waiting.length === 0 || !this.db.open) return;
    const ids = this.waiting;
    this.waiting = [];
    try {
      this.remove(ids);
    } catch {
      // A locked or full store: the rows stay, and the next start replays them (the log dedupes).
    }
  }
}

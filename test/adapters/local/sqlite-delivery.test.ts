import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDelivery } from '../../../src/adapters/local/sqlite-delivery.js';
import { openDatabase } from '../../../src/adapters/local/sqlite.js';
import { buildNotification } from '../../../src/domain/notification/dedup.js';
import { alertEvent } from '../../delivery/fixtures.js';

let dir: string;
let path: string;
const open: SqliteDelivery[] = [];
const openStore = () => {
  const store = SqliteDelivery.open(path);
  open.push(store);
  return store;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-delivery-'));
  path = join(dir, 'delivery.db');
});
afterEach(() => {
  for (const store of open.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

const one = buildNotification('slack', [alertEvent({ n: 1 })]);
const two = buildNotification('slack', [alertEvent({ n: 2 }), alertEvent({ n: 3 })]);

describe('SqliteDelivery queue', () => {
  it('returns due items oldest first, survives reopening, and is idempotent by key', async () => {
    const store = openStore();
    await store.queue.enqueue(two, 3, 2_000, 'http_500');
    await store.queue.enqueue(one, 3, 1_000, 'http_503');
    await store.queue.enqueue(one, 1, 0, 'again');
    expect(await store.queue.due(500, 10)).toEqual([]);
    store.close();

    const reopened = openStore();
    expect(await reopened.queue.size()).toBe(2);
    const due = await reopened.queue.due(2_000, 10);
    expect(due.map((item) => [item.notification, item.attempts, item.notBefore, item.lastError])).toEqual([
      [one, 3, 1_000, 'http_503'],
      [two, 3, 2_000, 'http_500'],
    ]);
    expect(await reopened.queue.due(2_000, 1)).toHaveLength(1);

    await reopened.queue.reschedule(due[0]!.id, 4, 9_000, 'http_502');
    await reopened.queue.complete(due[1]!.id);
    expect(await reopened.queue.due(8_999, 10)).toEqual([]);
    expect(await reopened.queue.due(9_000, 10)).toMatchObject([
      { attempts: 4, lastError: 'http_502', notification: one },
    ]);
  });
});

describe('SqliteDelivery notification log', () => {
  it('knows recorded keys across reopening and prunes old ones', async () => {
    const store = openStore();
    await store.log.record(['a', 'b'], 'slack', 1_000);
    await store.log.record(['b', 'c'], 'slack', 5_000);
    store.close();
    const reopened = openStore();
    expect([await reopened.log.has('a'), await reopened.log.has('c'), await reopened.log.has('z')]).toEqual([
      true,
      true,
      false,
    ]);
    expect(await reopened.log.prune(2_000)).toBe(2);
    expect(await reopened.log.has('b')).toBe(false);
    expect(await reopened.log.has('c')).toBe(true);
  });
});

describe('SqliteDelivery notification log group commit', () => {
  it('commits the records of one event-loop turn together, after the turn, and counts waiting keys as delivered', async () => {
    const store = openStore();
    const reader = openDatabase(path);
    const committed = () => (reader.prepare('SELECT count(*) AS n FROM delivery_log').get() as { n: number }).n;
    const writes = [store.log.record(['a'], 'slack', 1), store.log.record(['b', 'c'], 'slack', 2)];
    expect(committed()).toBe(0);
    // Not yet durable, but already delivered as far as a dedup check is concerned.
    expect(await store.log.has('b')).toBe(true);
    await Promise.all(writes);
    expect(committed()).toBe(3);
    reader.close();
  });

  it('writes waiting records on close, and refuses records after it', async () => {
    const store = openStore();
    const write = store.log.record(['late'], 'slack', 1);
    store.close();
    await expect(write).resolves.toBeUndefined();
    await expect(store.log.record(['after'], 'slack', 2)).rejects.toThrow(/closed/);
    expect(await openStore().log.has('late')).toBe(true);
  });

  it('fails every record of a batch whose commit fails, and forgets its keys', async () => {
    const store = openStore();
    store.db.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON delivery_log WHEN NEW.key = 'bad' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    const writes = [store.log.record(['good'], 'slack', 1), store.log.record(['bad'], 'slack', 1)];
    await expect(Promise.all(writes)).rejects.toThrow(/refused/);
    await expect(writes[0]).rejects.toThrow(/refused/);
    expect([await store.log.has('good'), await store.log.has('bad')]).toEqual([false, false]);
  });
});

describe('SqliteDelivery dead letters', () => {
  it('lists dead letters and requeues chosen ones with a fresh attempt budget', async () => {
    const store = openStore();
    await store.deadLetters.add(one, 'http_404: no_service', 8, 1_000);
    await store.deadLetters.add(two, 'http_400: invalid_blocks', 1, 2_000);
    const letters = await store.deadLetters.list();
    expect(letters.map((l) => [l.notification, l.reason, l.attempts, l.failedAt])).toEqual([
      [one, 'http_404: no_service', 8, 1_000],
      [two, 'http_400: invalid_blocks', 1, 2_000],
    ]);

    expect(await store.deadLetters.requeue(3_000, [letters[1]!.id, 'no-such-id'])).toBe(1);
    expect((await store.deadLetters.list()).map((l) => l.notification)).toEqual([one]);
    expect(await store.queue.due(3_000, 10)).toMatchObject([
      { notification: two, attempts: 0, notBefore: 3_000, lastError: 'requeued: http_400: invalid_blocks' },
    ]);

    expect(await store.deadLetters.requeue(4_000)).toBe(1);
    expect(await store.deadLetters.list()).toEqual([]);
    expect(await store.queue.size()).toBe(2);
  });

  it('can share a database opened by another adapter', async () => {
    const db = openDatabase(join(dir, 'shared.db'));
    db.exec('CREATE TABLE probes (id INTEGER)');
    const store = SqliteDelivery.on(db);
    await store.log.record(['k'], 'slack', 1);
    store.close();
    expect(db.open).toBe(true);
    expect(db.prepare('SELECT count(*) AS n FROM delivery_log').get()).toEqual({ n: 1 });
    db.close();
  });
});

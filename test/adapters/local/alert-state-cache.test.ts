import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertStateCache } from '../../../src/adapters/local/alert-state-cache.js';
import { SqliteStore } from '../../../src/adapters/local/sqlite-store.js';
import { openDatabase } from '../../../src/adapters/local/sqlite.js';
import { systemClock } from '../../../src/domain/ports.js';
import type { AlertInstanceState } from '../../../src/domain/rules/types.js';
import { alertEvent } from '../../delivery/fixtures.js';
import { captureLogger } from '../../support/logger.js';

/** The outbox half of the cache: a notification reaches pflow.db in the transaction of its state. */

let dir: string;
let store: SqliteStore;
let cache: AlertStateCache;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-cache-'));
  // No lock wait, as the runtime opens it.
  store = new SqliteStore({
    database: openDatabase(join(dir, 'pflow.db'), { busyTimeoutMs: 0 }),
    clock: systemClock,
    retentionMs: 86_400_000,
  });
  cache = new AlertStateCache(store, { clock: systemClock, logger: captureLogger(), saveDelayMs: 60_000 });
});
afterEach(async () => {
  await cache.flush();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const firing = (): AlertInstanceState => ({
  key: 'api-login-down/fp1',
  ruleId: 'api-login-down',
  site: 'site-a',
  fingerprint: 'fp1',
  labels: { probe: 'pfsw-login' },
  state: 'firing',
  since: 1,
  firingSince: 1,
  lastValue: 0,
  notifiedState: 'firing',
  lastNotifiedAt: 1,
  lastEvaluatedAt: 1,
  version: 1,
});

/** What another process reading the file sees: committed states and outbox rows. */
function onDisk(): { states: string[]; outbox: string[] } {
  const reader = new Database(join(dir, 'pflow.db'), { readonly: true });
  try {
    return {
      states: reader.prepare('SELECT key FROM alert_states').pluck().all() as string[],
      outbox: reader.prepare('SELECT event_id FROM alert_outbox').pluck().all() as string[],
    };
  } finally {
    reader.close();
  }
}

describe('AlertStateCache announcements', () => {
  it('commits a notification with the state that announced it, before anyone sends it', async () => {
    const event = alertEvent();
    await cache.compareAndSet([{ next: firing(), expectedVersion: 0, announces: [event] }]);
    expect(onDisk()).toEqual({ states: [], outbox: [] });
    expect(cache.stats().unstagedNotifications).toBe(1);

    expect(await cache.commitAnnouncements()).toBe(true);
    expect(onDisk()).toEqual({ states: ['api-login-down/fp1'], outbox: [event.id] });
    expect(cache.stats()).toMatchObject({ unsaved: 0, unstagedNotifications: 0 });
  });

  it('while the file is locked, says the notification is not durable, and writes both together later', async () => {
    const locker = new Database(join(dir, 'pflow.db'));
    locker.exec('BEGIN EXCLUSIVE');
    const event = alertEvent();
    await cache.compareAndSet([{ next: firing(), expectedVersion: 0, announces: [event] }]);

    expect(await cache.commitAnnouncements()).toBe(false);
    expect(cache.stats()).toMatchObject({ unsaved: 1, unstagedNotifications: 1, lastError: /SQLITE_BUSY/ });
    // Failing already: the caller is told at once, the retry timer owns the next write.
    expect(await cache.commitAnnouncements()).toBe(false);

    locker.exec('COMMIT');
    locker.close();
    expect(await cache.flush()).toBe(0);
    expect(onDisk()).toEqual({ states: ['api-login-down/fp1'], outbox: [event.id] });
    expect(cache.stats().unstagedNotifications).toBe(0);
  });

  it('commits a resolved that deletes its state with the delete', async () => {
    await cache.compareAndSet([{ next: firing(), expectedVersion: 0 }]);
    await cache.flush();
    const resolved = alertEvent({ state: 'resolved' });
    await cache.deleteStates(['api-login-down/fp1'], [resolved]);
    expect(await cache.commitAnnouncements()).toBe(true);
    expect(onDisk()).toEqual({ states: [], outbox: [resolved.id] });
  });
});

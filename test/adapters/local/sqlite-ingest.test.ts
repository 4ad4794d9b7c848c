import { describe, expect, it } from 'vitest';
import { INGEST_SCHEMA_VERSION, SqliteIngestStore } from '../../../src/adapters/local/sqlite-ingest.js';
import { openDatabase } from '../../../src/adapters/local/sqlite.js';
import { createToken } from '../../../src/ingest/token.js';

describe('SqliteIngestStore', () => {
  it('keeps tokens by hash, revokes them and lists them per site', async () => {
    const store = new SqliteIngestStore(openDatabase(':memory:'));
    const a = createToken('site-a', 'ward server', 1_000);
    const b = createToken('site-b', 'lab server', 2_000);
    await store.add(a.record);
    await store.add(b.record);
    expect(await store.findByHash(a.record.tokenHash)).toEqual(a.record);
    expect(await store.findByHash('0'.repeat(64))).toBeUndefined();
    expect(await store.list('site-b')).toEqual([b.record]);
    expect((await store.list()).map((r) => r.tokenId)).toEqual([a.record.tokenId, b.record.tokenId]);

    expect(await store.revoke(a.record.tokenId, 5_000)).toEqual({ ...a.record, revokedAt: 5_000 });
    // Revoking again keeps the first revocation time.
    expect((await store.revoke(a.record.tokenId, 9_000))?.revokedAt).toBe(5_000);
    expect(await store.revoke('nosuchtoken0', 9_000)).toBeUndefined();
    expect((await store.findByHash(a.record.tokenHash))?.revokedAt).toBe(5_000);
  });

  it('remembers stored batches per site with their counts, and prunes old ones', async () => {
    const store = new SqliteIngestStore(openDatabase(':memory:'));
    const counts = { samples: 3, probeResults: 1, tagEvents: 0 };
    await store.record('site-a', 'b-1', counts, 1_000);
    await store.record('site-a', 'b-1', { samples: 9, probeResults: 9, tagEvents: 9 }, 2_000);
    expect(await store.seen('site-a', 'b-1')).toEqual(counts);
    expect(await store.seen('site-b', 'b-1')).toBeUndefined();
    await store.record('site-a', 'b-2', counts, 5_000);
    expect(store.pruneBatches(3_000)).toBe(1);
    expect(await store.seen('site-a', 'b-1')).toBeUndefined();
    expect(await store.seen('site-a', 'b-2')).toEqual(counts);
  });

  it('versions its schema as its own component', () => {
    const db = openDatabase(':memory:');
    new SqliteIngestStore(db);
    new SqliteIngestStore(db);
    expect(db.prepare("SELECT version FROM pflow_schema WHERE component = 'ingest'").get()).toEqual({
      version: INGEST_SCHEMA_VERSION,
    });
    db.prepare("UPDATE pflow_schema SET version = 99 WHERE component = 'ingest'").run();
    expect(() => new SqliteIngestStore(db)).toThrow(/ingest schema is version 99, newer than/);
  });
});

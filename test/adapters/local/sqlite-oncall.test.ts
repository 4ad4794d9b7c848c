import { describe, expect, it } from 'vitest';
import { SqliteOnCallStore } from '../../../src/adapters/local/sqlite-oncall.js';
import { openDatabase } from '../../../src/adapters/local/sqlite.js';
import { describeOnCallStoreContract, override } from '../oncall-store-contract.js';

describeOnCallStoreContract('SQLite', () => Promise.resolve(new SqliteOnCallStore(openDatabase(':memory:'))));

describe('SqliteOnCallStore', () => {
  it('prunes overrides that ended (or were removed) before the cutoff', () => {
    const store = new SqliteOnCallStore(openDatabase(':memory:'));
    const t0 = override().startsAt;
    store.addOverride(override({ id: 'ended', endsAt: t0 + 10 }));
    store.addOverride(override({ id: 'removed' }));
    store.removeOverride('ward-it', 'removed', 'lead', t0 + 20);
    store.addOverride(override({ id: 'current' }));
    expect(store.pruneOverrides(t0 + 30)).toBe(2);
    expect(store.teamOnCall('ward-it').overrides.map((o) => o.id)).toEqual(['current']);
  });

  it('refuses a pflow.db whose on-call tables are newer than this program', () => {
    const db = openDatabase(':memory:');
    new SqliteOnCallStore(db);
    db.prepare("UPDATE pflow_schema SET version = 99 WHERE component = 'oncall'").run();
    expect(() => new SqliteOnCallStore(db)).toThrow(/on-call tables are version 99, newer than this program's 1/);
  });
});

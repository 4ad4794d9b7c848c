import { afterEach } from 'vitest';
import { SqliteStore } from '../../../src/adapters/local/sqlite-store.js';
import { describeMetricStoreContract } from '../metric-store-contract.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
let open: SqliteStore | undefined;
afterEach(() => open?.close());

describeMetricStoreContract('SQLite', async () => {
  open = new SqliteStore({ database: ':memory:', clock: { now: () => T0 }, retentionMs: 86_400_000 });
  return { store: open, t0: T0 };
});

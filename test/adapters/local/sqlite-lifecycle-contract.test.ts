import { SqliteLifecycleStore } from '../../../src/adapters/local/sqlite-lifecycle.js';
import { openDatabase } from '../../../src/adapters/local/sqlite.js';
import { describeLifecycleStoreContract } from '../lifecycle-store-contract.js';

describeLifecycleStoreContract('SQLite', () => Promise.resolve(new SqliteLifecycleStore(openDatabase(':memory:'))));

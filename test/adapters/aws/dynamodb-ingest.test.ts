import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAgentTokens } from '../../../src/adapters/aws/dynamodb-agent-tokens.js';
import { DynamoBatchLedger } from '../../../src/adapters/aws/dynamodb-batch-ledger.js';
import { authenticate } from '../../../src/ingest/ingest-service.js';
import { createToken } from '../../../src/ingest/token.js';
import { createTable, startDynamoLocal, type DynamoLocal } from '../../support/dynamodb-local.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');
let ddb: DynamoLocal;

beforeAll(async () => {
  ddb = await startDynamoLocal();
  // As lib/ingest-api.ts creates them.
  await createTable(ddb.client, 'tokens', { tokenHash: 'S' });
  await createTable(ddb.client, 'batches', { site: 'S', batchId: 'S' });
});
afterAll(async () => {
  await ddb.close();
});

describe('DynamoAgentTokens (dynalite)', () => {
  it('finds by hash, lists per site, revokes once, and authenticates as the local store does', async () => {
    const tokens = new DynamoAgentTokens(ddb.client, 'tokens');
    const a = createToken('site-a', 'ward', T0);
    const b = createToken('site-b', 'lab', T0 + 1);
    await tokens.add(a.record);
    await tokens.add(b.record);
    await expect(tokens.add(a.record)).rejects.toThrow();
    expect(await tokens.findByHash(a.record.tokenHash)).toEqual(a.record);
    expect(await tokens.list('site-b')).toEqual([b.record]);
    expect((await authenticate(`Bearer ${a.token}`, tokens)).ok).toBe(true);
    expect(await tokens.revoke(a.record.tokenId, T0 + 5)).toEqual({ ...a.record, revokedAt: T0 + 5 });
    expect((await tokens.revoke(a.record.tokenId, T0 + 9))?.revokedAt).toBe(T0 + 5);
    expect(await tokens.revoke('zzzzzzzzzzzz', T0)).toBeUndefined();
    expect(await authenticate(`Bearer ${a.token}`, tokens)).toMatchObject({ ok: false, answer: { status: 401 } });
  });
});

describe('DynamoBatchLedger (dynalite)', () => {
  it('remembers a batch per site until its TTL, first record standing', async () => {
    let now = T0;
    const ledger = new DynamoBatchLedger(ddb.client, 'batches', () => now, 60_000);
    const counts = { samples: 2, probeResults: 1, tagEvents: 0 };
    expect(await ledger.seen('site-a', 'b-1')).toBeUndefined();
    await ledger.record('site-a', 'b-1', counts, now);
    await ledger.record('site-a', 'b-1', { samples: 7, probeResults: 7, tagEvents: 7 }, now);
    expect(await ledger.seen('site-a', 'b-1')).toEqual(counts);
    expect(await ledger.seen('site-b', 'b-1')).toBeUndefined();
    now += 61_000;
    // Expired but not yet deleted by TTL: unseen, and recordable again.
    expect(await ledger.seen('site-a', 'b-1')).toBeUndefined();
    await ledger.record('site-a', 'b-1', { samples: 3, probeResults: 0, tagEvents: 0 }, now);
    expect(await ledger.seen('site-a', 'b-1')).toEqual({ samples: 3, probeResults: 0, tagEvents: 0 });
  });
});

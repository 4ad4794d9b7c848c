import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLifecycleStore } from '../../src/adapters/aws/dynamodb-lifecycle.js';
import type { AlertEvent } from '../../src/domain/alerts/event.js';
import { ACK_UPDATE_CLAIM_MS, publishAckUpdates, sendPendingAckUpdates } from '../../src/services/ack-updates.js';
import { alertEvent } from '../support/alert-event.js';
import { createLifecycleTable, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { captureLogger } from '../support/logger.js';

/** The acknowledgement outbox's publishing and sweep, over the DynamoDB store on dynalite. */

const T0 = Date.parse('2026-12-02T08:00:00Z');
const KEY = 'pfsw-login/0123456789abcdef';
const update = alertEvent({ id: `site-a/${KEY}/${new Date(T0).toISOString()}/ack` });
let ddb: DynamoLocal;
let tables = 0;

beforeAll(async () => {
  ddb = await startDynamoLocal();
});
afterAll(() => ddb.close());

async function acknowledged(): Promise<DynamoLifecycleStore> {
  const table = `ack-updates-${++tables}`;
  await createLifecycleTable(ddb.client, table);
  const store = new DynamoLifecycleStore({ client: ddb.client, table });
  await store.acknowledge({
    alertKey: KEY,
    incarnation: T0,
    by: 'ana',
    reason: 'on it',
    at: T0,
    source: 'api',
    update,
  });
  return store;
}

describe('acknowledgement updates', () => {
  it('publishAckUpdates publishes, then marks sent; a publish that fails leaves it pending', async () => {
    const store = await acknowledged();
    await expect(
      publishAckUpdates(
        store,
        () => Promise.reject(new Error('SNS down')),
        [{ alertKey: KEY, update }],
        () => T0,
      ),
    ).rejects.toThrow('SNS down');
    expect((await store.ackSnapshot()).pendingUpdates).toHaveLength(1);
    const sent: AlertEvent[] = [];
    expect(
      await publishAckUpdates(
        store,
        async (events) => void sent.push(...events),
        [{ alertKey: KEY, update }],
        () => T0,
      ),
    ).toBe(1);
    expect(sent.map((event) => event.id)).toEqual([update.id]);
    expect((await store.ackSnapshot()).pendingUpdates).toEqual([]);
  });

  it('the sweep leaves a fresh claim alone, retries a failed send after its own claim, and sends once', async () => {
    const store = await acknowledged();
    const logger = captureLogger();
    const sent: string[] = [];
    let failing = true;
    const sweep = async (now: number) =>
      sendPendingAckUpdates({
        outbox: store,
        pending: (await store.ackSnapshot()).pendingUpdates,
        publish: async (events) => {
          if (failing) throw new Error('SNS down');
          sent.push(...events.map((event) => event.id));
        },
        now: () => now,
        logger,
      });

    expect(await sweep(T0 + ACK_UPDATE_CLAIM_MS - 1)).toBe(0);
    // Claimed at T0 + claim, then the publish failed: still pending, claimed by that sweep.
    await expect(sweep(T0 + ACK_UPDATE_CLAIM_MS)).rejects.toThrow('SNS down');
    expect((await store.ackSnapshot()).pendingUpdates).toMatchObject([{ claimedAt: T0 + ACK_UPDATE_CLAIM_MS }]);
    failing = false;
    expect(await sweep(T0 + ACK_UPDATE_CLAIM_MS + 1_000)).toBe(0);
    expect(await sweep(T0 + 2 * ACK_UPDATE_CLAIM_MS)).toBe(1);
    expect(await sweep(T0 + 3 * ACK_UPDATE_CLAIM_MS)).toBe(0);
    expect(sent).toEqual([update.id]);
    expect(logger.entries.filter((entry) => entry.level === 'warn').map((entry) => entry.fields)).toEqual([
      { alerts: [KEY], pendingSinceMs: [ACK_UPDATE_CLAIM_MS] },
      { alerts: [KEY], pendingSinceMs: [ACK_UPDATE_CLAIM_MS] },
    ]);
  });
});

import { BatchWriteItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAlertHistory } from '../../../src/adapters/aws/dynamodb-alert-history.js';
import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import { alertEvent } from '../../support/alert-event.js';
import { createLifecycleTable, startDynamoLocal, type DynamoLocal } from '../../support/dynamodb-local.js';

let ddb: DynamoLocal;
let tables = 0;

beforeAll(async () => {
  ddb = await startDynamoLocal();
});
afterAll(async () => {
  await ddb.close();
});

/** A fresh lifecycle table per test, as lib/lifecycle.ts creates it. */
async function freshHistory(options: { retentionMs?: number; client?: Pick<DynamoDBClient, 'send'> } = {}) {
  const table = `history-${++tables}`;
  await createLifecycleTable(ddb.client, table);
  return {
    table,
    history: new DynamoAlertHistory({ client: options.client ?? ddb.client, table, ...options }),
  };
}

const DAY = 86_400_000;
const at = (iso: string, state: AlertEvent['state'], site = 'site-a', rule = 'pfsw-login'): AlertEvent =>
  alertEvent({
    id: `${site}/${rule}/0123456789abcdef/${iso}/${state}`,
    site,
    rule: { id: rule, name: rule, severity: 'critical' },
    state,
    evaluatedAt: iso,
    endsAt: state === 'resolved' ? iso : null,
  });

describe('DynamoAlertHistory (dynalite)', () => {
  it("reads back a site's events of an interval whole, oldest first, ends inclusive, other sites apart", async () => {
    const { history } = await freshHistory();
    const events = [
      at('2026-12-01T09:00:00.000Z', 'resolved'),
      at('2026-12-01T08:00:00.000Z', 'firing'),
      at('2026-11-30T22:59:59.999Z', 'firing', 'site-a', 'earlier'),
      at('2026-12-01T08:30:00.000Z', 'firing', 'site-b'),
      at('2026-12-01T23:00:00.000Z', 'firing', 'site-a', 'at-the-end'),
    ];
    await history.write(events);

    const day = await history.alertEventsBetween(
      'site-a',
      Date.parse('2026-11-30T23:00:00.000Z'),
      Date.parse('2026-12-01T23:00:00.000Z'),
    );
    expect(day).toEqual([events[1], events[0], events[4]]);
    expect(await history.alertEventsBetween('site-b', 0, Date.parse('2027-01-01T00:00:00Z'))).toEqual([events[3]]);
    expect(await history.alertEventsBetween('site-c', 0, Date.parse('2027-01-01T00:00:00Z'))).toEqual([]);
  });

  it('keeps one item per event when a retried invocation writes it again, with a TTL after the retention', async () => {
    const { table, history } = await freshHistory({ retentionMs: 30 * DAY });
    const event = at('2026-12-01T08:00:00.000Z', 'firing');
    await history.write([event]);
    await history.write([event]);
    const { Items } = await ddb.client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'history#site-a' } },
      }),
    );
    expect(Items).toHaveLength(1);
    expect(Items![0]).toEqual({
      pk: { S: 'history#site-a' },
      sk: { S: `00${Date.parse(event.evaluatedAt)}#${event.id}` },
      event: { S: JSON.stringify(event) },
      expiresAt: { N: String((Date.parse(event.evaluatedAt) + 30 * DAY) / 1000) },
    });
  });

  it('writes in batches of 25, sends unprocessed items again, and pages through a long day', async () => {
    const sent: number[] = [];
    let queries = 0;
    let withheld = false;
    // The real server, except that the first batch comes back with 3 items unprocessed once.
    const client: Pick<DynamoDBClient, 'send'> = {
      send: (async (command: unknown) => {
        if (command instanceof BatchWriteItemCommand) {
          const requests = Object.values(command.input.RequestItems ?? {})[0] ?? [];
          sent.push(requests.length);
          if (!withheld) {
            withheld = true;
            const kept = requests.slice(0, requests.length - 3);
            const table = Object.keys(command.input.RequestItems!)[0]!;
            await ddb.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: kept } }));
            return { UnprocessedItems: { [table]: requests.slice(-3) } };
          }
        }
        if (command instanceof QueryCommand) queries++;
        return ddb.client.send(command as QueryCommand);
      }) as DynamoDBClient['send'],
    };
    const { history } = await freshHistory({ client });
    // 60 events of about 20 KB each: three batches, and more than a Query's 1 MB page.
    const events = Array.from({ length: 60 }, (_, i) =>
      alertEvent({
        ...at(new Date(Date.parse('2026-12-01T00:00:00Z') + i * 60_000).toISOString(), 'firing'),
        annotations: { summary: `event ${i} ${'x'.repeat(20_000)}` },
      }),
    );
    await history.write(events);
    expect(sent).toEqual([25, 3, 25, 10]);
    const read = await history.alertEventsBetween('site-a', 0, Date.parse('2027-01-01T00:00:00Z'));
    expect(queries).toBeGreaterThan(1);
    expect(read.map((e) => e.annotations.summary!.slice(0, 9))).toEqual(
      events.map((e) => e.annotations.summary!.slice(0, 9)),
    );
  });

  it('refuses an event whose evaluatedAt is not a time, naming the event', async () => {
    const { history } = await freshHistory();
    await expect(history.write([alertEvent({ id: 'site-a/r/f/x/firing', evaluatedAt: 'yesterday' })])).rejects.toThrow(
      'alert event site-a/r/f/x/firing: evaluatedAt is not a time: yesterday',
    );
  });
});

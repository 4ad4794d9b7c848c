import { beforeEach, describe, expect, it } from 'vitest';
import type { AckAuditRecord, AckRequest, AckResult, ActiveAck, UnackRequest } from '../../src/domain/lifecycle/ack.js';
import type { RuntimeSilence } from '../../src/domain/lifecycle/runtime-silence.js';

/**
 * What every lifecycle store does, pflow.db's or DynamoDB's: run-time silences, acknowledgements
 * with their audit trail, single-use link nonces. The SQLite store answers synchronously; the
 * contract awaits every answer, so one suite runs against both.
 */
type Async<T> = T | Promise<T>;
export interface ContractLifecycleStore {
  addSilence(silence: RuntimeSilence): Async<void>;
  listSilences(since?: number): Async<RuntimeSilence[]>;
  getSilence(id: string): Async<RuntimeSilence | undefined>;
  expireSilence(id: string, by: string, now: number): Async<boolean>;
  pruneSilences(cutoff: number): Async<number>;
  acknowledge(request: AckRequest): Async<AckResult>;
  unacknowledge(request: UnackRequest): Async<boolean>;
  currentAcks(): Async<Map<string, ActiveAck>>;
  dropAcksExcept(alertKeys: ReadonlySet<string>): Async<number>;
  audit(alertKey?: string, limit?: number): Async<AckAuditRecord[]>;
  acksBetween(since: number, until: number): Async<AckAuditRecord[]>;
}

const T0 = Date.parse('2026-12-02T08:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const KEY = 'portal-down/4f1c2a9e0b7d3e55';
const FIRING = T0 - 10 * MINUTE;

function silence(overrides: Partial<RuntimeSilence> = {}): RuntimeSilence {
  return {
    id: 'sil-1',
    matchers: ['probe="pfsw-login"', 'site!="site-b"'],
    startsAt: T0,
    endsAt: T0 + 2 * HOUR,
    author: 'ana',
    comment: 'PFSW upgrade',
    createdAt: T0,
    ...overrides,
  };
}

function ack(overrides: Partial<AckRequest> = {}): AckRequest {
  return {
    alertKey: KEY,
    incarnation: FIRING,
    by: 'ana',
    reason: 'restarting the portal',
    at: T0,
    source: 'api',
    remote: '10.0.0.7',
    ...overrides,
  };
}

export function describeLifecycleStoreContract(name: string, setup: () => Promise<ContractLifecycleStore>): void {
  describe(`lifecycle store contract: ${name}`, () => {
    let store: ContractLifecycleStore;

    beforeEach(async () => {
      store = await setup();
    });

    describe('silences', () => {
      it('reads a silence back exactly as it was stored, and lists the ones not ended, newest first', async () => {
        await store.addSilence(silence());
        await store.addSilence(silence({ id: 'sil-2', createdAt: T0 + MINUTE, matchers: ['site="site-a"'] }));
        await store.addSilence(
          silence({ id: 'sil-old', startsAt: T0 - 3 * HOUR, endsAt: T0 - HOUR, createdAt: T0 - 3 * HOUR }),
        );

        expect(await store.getSilence('sil-1')).toEqual(silence());
        expect(await store.getSilence('sil-missing')).toBeUndefined();
        expect((await store.listSilences(T0)).map((s) => s.id)).toEqual(['sil-2', 'sil-1']);
        expect((await store.listSilences()).map((s) => s.id)).toEqual(['sil-2', 'sil-1', 'sil-old']);
      });

      it('expires a silence once: who and when are kept, and it no longer lists as running', async () => {
        await store.addSilence(silence());
        expect(await store.expireSilence('sil-1', 'bo', T0 + MINUTE)).toBe(true);
        expect(await store.expireSilence('sil-1', 'cy', T0 + 2 * MINUTE)).toBe(false);
        expect(await store.expireSilence('sil-missing', 'bo', T0)).toBe(false);
        expect(await store.getSilence('sil-1')).toEqual(silence({ expiredAt: T0 + MINUTE, expiredBy: 'bo' }));
        expect(await store.listSilences(T0 + 2 * MINUTE)).toEqual([]);
      });

      it('does not expire a silence that already ended', async () => {
        await store.addSilence(silence());
        expect(await store.expireSilence('sil-1', 'bo', T0 + 3 * HOUR)).toBe(false);
        expect((await store.getSilence('sil-1'))?.expiredAt).toBeUndefined();
      });

      it('prunes silences that ended before the cutoff, also those expired early', async () => {
        await store.addSilence(silence());
        await store.addSilence(silence({ id: 'sil-2', endsAt: T0 + 10 * HOUR }));
        await store.addSilence(silence({ id: 'sil-3', endsAt: T0 + 10 * HOUR }));
        await store.expireSilence('sil-3', 'bo', T0 + MINUTE);
        expect(await store.pruneSilences(T0 + 3 * HOUR)).toBe(2);
        expect((await store.listSilences()).map((s) => s.id)).toEqual(['sil-2']);
      });
    });

    describe('acknowledgements', () => {
      it('the first ack holds the alert; a second is audited and answered with the first', async () => {
        const first = await store.acknowledge(ack({ expiresAt: T0 + 4 * HOUR }));
        expect(first).toMatchObject({
          outcome: 'acknowledged',
          ack: {
            alertKey: KEY,
            incarnation: FIRING,
            by: 'ana',
            reason: 'restarting the portal',
            at: T0,
            expiresAt: T0 + 4 * HOUR,
          },
        });
        const second = await store.acknowledge(
          ack({ by: 'bo', reason: 'me too', at: T0 + MINUTE, source: 'link', remote: undefined }),
        );
        expect(second).toMatchObject({
          outcome: 'already_acknowledged',
          ack: { by: 'ana', reason: 'restarting the portal' },
        });
        if (first.outcome === 'replayed' || second.outcome === 'replayed') throw new Error('not replayed');
        expect(second.audit.id).toBeGreaterThan(first.audit.id);
        expect(second.audit).toEqual({
          id: second.audit.id,
          action: 'ack',
          alertKey: KEY,
          incarnation: FIRING,
          by: 'bo',
          reason: 'me too',
          at: T0 + MINUTE,
          source: 'link',
        });
        expect(await store.currentAcks()).toEqual(new Map([[KEY, first.ack]]));
        expect(await store.audit()).toEqual([second.audit, first.audit]);
      });

      it('two acks at once: one holds, each is audited once', async () => {
        const results = await Promise.all(
          ['ana', 'bo', 'cy', 'dee'].map((by) => Promise.resolve(store.acknowledge(ack({ by })))),
        );
        expect(results.filter((r) => r.outcome === 'acknowledged')).toHaveLength(1);
        expect(results.filter((r) => r.outcome === 'already_acknowledged')).toHaveLength(3);
        const audit = await store.audit(KEY);
        expect(audit.map((r) => r.by).sort()).toEqual(['ana', 'bo', 'cy', 'dee']);
        expect(new Set(audit.map((r) => r.id)).size).toBe(4);
        const holder = results.find((r) => r.outcome === 'acknowledged');
        expect([...(await store.currentAcks()).values()].map((a) => a.by)).toEqual([
          holder?.outcome === 'acknowledged' ? holder.ack.by : '?',
        ]);
      });

      it('an ack of a later firing, or after the holding one expired, holds anew', async () => {
        await store.acknowledge(ack({ expiresAt: T0 + HOUR }));
        expect((await store.acknowledge(ack({ by: 'bo', at: T0 + HOUR }))).outcome).toBe('acknowledged');
        expect(
          (await store.acknowledge(ack({ by: 'cy', at: T0 + 2 * HOUR, incarnation: T0 + 90 * MINUTE }))).outcome,
        ).toBe('acknowledged');
        expect((await store.currentAcks()).get(KEY)).toMatchObject({ by: 'cy', incarnation: T0 + 90 * MINUTE });
      });

      it('a link nonce works once: the replay records nothing', async () => {
        expect((await store.acknowledge(ack({ linkNonce: 'n-1', source: 'link' }))).outcome).toBe('acknowledged');
        expect(await store.acknowledge(ack({ linkNonce: 'n-1', source: 'link', by: 'mallory' }))).toEqual({
          outcome: 'replayed',
        });
        expect((await store.acknowledge(ack({ linkNonce: 'n-2', source: 'link', by: 'bo' }))).outcome).toBe(
          'already_acknowledged',
        );
        expect((await store.audit()).map((r) => r.by)).toEqual(['bo', 'ana']);
      });

      it('unack takes the acknowledgement back (audited); a second unack finds none', async () => {
        await store.acknowledge(ack());
        expect(await store.unacknowledge({ ...ack({ by: 'bo', reason: 'handing over', at: T0 + MINUTE }) })).toBe(true);
        expect(await store.unacknowledge(ack({ by: 'bo', reason: 'again', at: T0 + 2 * MINUTE }))).toBe(false);
        expect(await store.currentAcks()).toEqual(new Map());
        expect((await store.audit(KEY)).map((r) => [r.action, r.by, r.reason])).toEqual([
          ['unack', 'bo', 'again'],
          ['unack', 'bo', 'handing over'],
          ['ack', 'ana', 'restarting the portal'],
        ]);
        expect((await store.acknowledge(ack({ by: 'cy', at: T0 + 3 * MINUTE }))).outcome).toBe('acknowledged');
      });

      it('lists the audit of one alert, newest first, up to the limit', async () => {
        await store.acknowledge(ack());
        await store.acknowledge(ack({ alertKey: 'other/1', at: T0 + MINUTE }));
        await store.acknowledge(ack({ by: 'bo', at: T0 + 2 * MINUTE }));
        expect((await store.audit(KEY)).map((r) => r.by)).toEqual(['bo', 'ana']);
        expect((await store.audit(undefined, 2)).map((r) => [r.alertKey, r.by])).toEqual([
          [KEY, 'bo'],
          ['other/1', 'ana'],
        ]);
        expect(await store.audit('nobody/0')).toEqual([]);
      });

      it('acks between two instants: acknowledgements only, oldest first, both ends included', async () => {
        await store.acknowledge(ack({ at: T0 - MINUTE }));
        await store.acknowledge(ack({ by: 'bo', at: T0 }));
        await store.unacknowledge(ack({ by: 'bo', at: T0 + MINUTE }));
        await store.acknowledge(ack({ by: 'cy', at: T0 + 2 * MINUTE }));
        await store.acknowledge(ack({ by: 'dee', at: T0 + 3 * MINUTE }));
        expect((await store.acksBetween(T0, T0 + 2 * MINUTE)).map((r) => r.by)).toEqual(['bo', 'cy']);
      });

      it('drops acknowledgements of alerts no longer stored, and keeps their audit', async () => {
        await store.acknowledge(ack());
        await store.acknowledge(ack({ alertKey: 'other/1' }));
        expect(await store.dropAcksExcept(new Set(['other/1']))).toBe(1);
        expect([...(await store.currentAcks()).keys()]).toEqual(['other/1']);
        expect(await store.audit(KEY)).toHaveLength(1);
      });
    });
  });
}

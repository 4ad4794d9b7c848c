import { describe, expect, it } from 'vitest';
import {
  buildNotification,
  deliveredKeys,
  eventKey,
  groupKey,
  needsSend,
  notificationKey,
} from '../../../src/domain/notification/dedup.js';
import { deliveryFailedEvent, isDeliveryFailedEvent } from '../../../src/domain/notification/delivery-failed.js';
import { alertEvent } from '../../delivery/fixtures.js';

const [a, b, c] = [alertEvent({ n: 1 }), alertEvent({ n: 2 }), alertEvent({ n: 3 })];

describe('notification keys', () => {
  it('is channel|event id for one event', () => {
    expect(notificationKey('slack', [a])).toBe(`slack|${a.id}`);
  });

  it('is the same for a group whatever the order, and differs per channel and member set', () => {
    const key = notificationKey('slack', [a, b, c]);
    expect(notificationKey('slack', [c, a, b])).toBe(key);
    expect(key).toMatch(/^slack\|group:3:[0-9a-f]{16}$/);
    expect(notificationKey('teams', [a, b, c])).not.toBe(key);
    expect(notificationKey('slack', [a, b])).not.toBe(key);
  });

  it('records the group key and one key per event', () => {
    const group = buildNotification('slack', [a, b]);
    expect(deliveredKeys(group).sort()).toEqual([group.key, eventKey('slack', a.id), eventKey('slack', b.id)].sort());
    expect(deliveredKeys(buildNotification('slack', [a]))).toEqual([eventKey('slack', a.id)]);
  });

  it('groups per route, channel, site and rule', () => {
    expect(groupKey(0, 'slack', a)).toBe(groupKey(0, 'slack', b));
    expect(groupKey(1, 'slack', a)).not.toBe(groupKey(0, 'slack', a));
    expect(groupKey(0, 'slack', alertEvent({ site: 'site-b' }))).not.toBe(groupKey(0, 'slack', a));
    const otherRule = alertEvent({ rule: { id: 'disk', name: 'Disk', severity: 'warning' } });
    expect(groupKey(0, 'slack', otherRule)).not.toBe(groupKey(0, 'slack', a));
  });
});

describe('needsSend', () => {
  const group = buildNotification('slack', [a, b, c]);

  it.each([
    { name: 'nothing delivered: send as is', delivered: [] as string[], want: [a, b, c], same: true },
    { name: 'the group was delivered: nothing', delivered: [group.key], want: undefined, same: false },
    {
      name: 'some events delivered elsewhere: the rest',
      delivered: [eventKey('slack', b.id)],
      want: [a, c],
      same: false,
    },
    {
      name: 'every event delivered: nothing',
      delivered: [a, b, c].map((e) => eventKey('slack', e.id)),
      want: undefined,
      same: false,
    },
    { name: 'another channel delivered them: send', delivered: [eventKey('teams', a.id)], want: [a, b, c], same: true },
  ])('$name', ({ delivered, want, same }) => {
    const result = needsSend(group, (key) => delivered.includes(key));
    expect(result?.events).toEqual(want);
    if (same) expect(result).toBe(group);
    if (result && !same) expect(result.key).toBe(notificationKey('slack', want!));
  });
});

describe('deliveryFailedEvent', () => {
  it('describes the failure with the channel and the original rule and site, never the secret', () => {
    const failed = buildNotification('slack', [a, b]);
    const event = deliveryFailedEvent(failed, {
      reason: 'http_404',
      detail: 'HTTP 404: no_service',
      attempts: 8,
      at: Date.UTC(2026, 0, 1),
    });
    expect(event).toMatchObject({
      schema: 'performanceflow.alert/v1',
      site: 'site-a',
      rule: { id: 'pflow-delivery-failed', severity: 'major' },
      state: 'firing',
      labels: { channel: 'slack', original_rule: 'api-login-down', original_site: 'site-a' },
      evaluatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(event.annotations.reason).toBe('http_404');
    expect(event.annotations.description).toContain('8 attempt(s): http_404 (HTTP 404: no_service)');
    expect(event.annotations.event_ids).toBe(`${a.id}, ${b.id}`);
    expect(event.id).toMatch(/^site-a\/pflow-delivery-failed\/[0-9a-f]{16}\/2026-01-01T00:00:00.000Z\/firing$/);
    expect(isDeliveryFailedEvent(event)).toBe(true);
    expect(isDeliveryFailedEvent(a)).toBe(false);
  });
});

import { ALERT_EVENT_SCHEMA, type AlertEvent } from '../../src/domain/alerts/event.js';
import type { ChannelDefinition, DeliverySettings, RouteDefinition } from '../../src/domain/config/model.js';
import { parseMatcher } from '../../src/domain/labels.js';

/** A firing alert event; ids are unique per `n` so tests can count deliveries by id. */
export function alertEvent(overrides: Partial<AlertEvent> & { n?: number } = {}): AlertEvent {
  const { n = 1, ...rest } = overrides;
  const evaluatedAt = new Date(Date.UTC(2026, 10, 24, 10, 31, 0) + n * 1000).toISOString();
  const rule = rest.rule ?? { id: 'api-login-down', name: 'PFSW login down', severity: 'critical' as const };
  const site = rest.site ?? 'site-a';
  const state = rest.state ?? 'firing';
  return {
    schema: ALERT_EVENT_SCHEMA,
    id: `${site}/${rule.id}/fp${n}/${evaluatedAt}/${state}`,
    site,
    rule,
    state,
    previousState: 'pending',
    value: 0,
    threshold: { op: '<', value: 1 },
    labels: { probe: 'pfsw-login', target: `https://pfsw.example/login/${n}` },
    annotations: { summary: 'Login API is down' },
    startsAt: evaluatedAt,
    endsAt: null,
    evaluatedAt,
    ...rest,
  };
}

export function route(matchers: string[], channels: string[], extra: Partial<RouteDefinition> = {}): RouteDefinition {
  return { matchers: matchers.map(parseMatcher), channels, continue: false, groupWaitMs: 0, ...extra };
}

export function channel(id: string, extra: Partial<ChannelDefinition> = {}): ChannelDefinition {
  return { id, kind: 'webhook', settings: {}, sendResolved: true, ...extra };
}

export const fastDelivery: DeliverySettings = {
  immediateAttempts: 3,
  initialBackoffMs: 100,
  maxBackoffMs: 1_000,
  maxAttempts: 6,
  queueRetryMs: 5_000,
};

import { routingLabels, type AlertEvent } from '../alerts/event.js';
import type { ChannelDefinition, EscalationTier, RouteDefinition } from '../config/model.js';
import { matchesAll } from '../labels.js';

/** Where one event goes: a channel, and the route that sent it there (its group_wait applies). */
export interface RouteTarget {
  readonly channel: string;
  /** Index of the first route that named this channel for the event; part of the grouping key. */
  readonly routeIndex: number;
  readonly groupWaitMs: number;
}

/**
 * Routes an event the way Alertmanager users expect: routes are tried in order, the first match
 * wins unless it says `continue`. A channel named by several matching routes appears once, with
 * the first route's group_wait. Channels with `sendResolved: false` never get resolved events.
 */
export function routeEvent(
  event: AlertEvent,
  routes: readonly RouteDefinition[],
  channels: readonly Pick<ChannelDefinition, 'id' | 'sendResolved'>[] = [],
): RouteTarget[] {
  const labels = routingLabels(event);
  const sendResolved = new Map(channels.map((channel) => [channel.id, channel.sendResolved]));
  const targets: RouteTarget[] = [];
  const seen = new Set<string>();
  for (const [routeIndex, route] of routes.entries()) {
    if (!matchesAll(route.matchers, labels)) continue;
    for (const channel of route.channels) {
      if (seen.has(channel)) continue;
      seen.add(channel);
      if (event.state === 'resolved' && sendResolved.get(channel) === false) continue;
      targets.push({ channel, routeIndex, groupWaitMs: route.groupWaitMs });
    }
    if (!route.continue) break;
  }
  return targets;
}

/** The channel ids an event is routed to, in route order, without duplicates. */
export function routeChannelIds(
  event: AlertEvent,
  routes: readonly RouteDefinition[],
  channels: readonly Pick<ChannelDefinition, 'id' | 'sendResolved'>[] = [],
): string[] {
  // An escalation tier's message goes to that tier's channels only (as the local dispatcher sends it).
  if (event.escalation !== undefined) return [...event.escalation.channels];
  const ids = routeEvent(event, routes, channels).map((target) => target.channel);
  // Whoever escalation told hears the acknowledgement and the resolution too.
  for (const channel of event.alsoNotify ?? []) {
    if (!ids.includes(channel) && channels.some((candidate) => candidate.id === channel)) ids.push(channel);
  }
  return ids;
}

/** The escalation an event falls under: the first route it matches that escalates, and its tiers. */
export interface EscalationPlan {
  readonly route: number;
  readonly tiers: readonly EscalationTier[];
}

/**
 * Finds which escalation applies to a firing event: routes are walked as routeEvent walks them
 * (first match, on through `continue`), and the first of those with `escalate` tiers is the plan.
 */
export function escalationOf(event: AlertEvent, routes: readonly RouteDefinition[]): EscalationPlan | undefined {
  const labels = routingLabels(event);
  for (const [index, route] of routes.entries()) {
    if (!matchesAll(route.matchers, labels)) continue;
    if ((route.escalate?.length ?? 0) > 0) return { route: index, tiers: route.escalate! };
    if (!route.continue) break;
  }
  return undefined;
}

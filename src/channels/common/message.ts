import { DateTime } from 'luxon';
import {
  SEVERITIES,
  type AlertEvent,
  type EventState,
  type Severity,
  type Threshold,
} from '../../domain/alerts/event.js';
import type { Labels } from '../../domain/labels.js';
import type { Notification } from '../../domain/notification/outcome.js';

/**
 * The channel-neutral message model: what every channel shows, worked out once from a
 * Notification, so Slack, Teams, email and the console agree on titles, colours and times.
 * Pure: the only outside input is the site's time zone, passed in as a function.
 */
export interface ChannelMessage {
  /** `[FIRING:2] site-a · PFSW login down`, with `[TEST] ` in front for test notifications. */
  readonly title: string;
  /** The state the message announces: the most urgent state among its events. */
  readonly state: EventState;
  /** The highest severity among the events (one rule, so normally the rule's severity). */
  readonly severity: Severity;
  readonly colour: MessageColour;
  readonly site: string;
  readonly rule: { readonly id: string; readonly name: string };
  readonly summary?: string;
  readonly description?: string;
  /** Labels every event shares (all labels when there is one event). */
  readonly commonLabels: readonly LabelPair[];
  readonly alerts: readonly MessageAlert[];
  readonly links: readonly MessageLink[];
  /** Event counts per state, e.g. `{ firing: 2 }`. */
  readonly counts: Readonly<Partial<Record<EventState, number>>>;
  readonly test: boolean;
  /** Every event is a `repeat_interval` reminder of an alert already announced. */
  readonly reminder: boolean;
  /** The child alerts a firing parent holds back (`depends_on`), or releases as it resolves. */
  readonly heldBack?: MessageHeldBack;
}

export interface MessageHeldBack {
  /** `Held back while this fires (3)` or `Released, still firing: each now sends its own message (2)`. */
  readonly heading: string;
  /** `PFSW login down (critical) · probe=pfsw-login · since 2026-03-02 09:15:00 UTC+01:00`, oldest first. */
  readonly lines: readonly string[];
  /** How many more there are than lines. */
  readonly more: number;
}

export interface MessageAlert {
  readonly id: string;
  readonly state: EventState;
  /** `0`, `12.5`, or `no value`. */
  readonly valueText: string;
  /** `< 1`, `outside 10..20`. */
  readonly thresholdText: string;
  /** `0 < 1`, `25 outside 10..20`, or `no value (threshold < 1)`. */
  readonly conditionText: string;
  readonly labels: readonly LabelPair[];
  /** Labels not shared by every event of the message: what tells grouped alerts apart. */
  readonly distinctLabels: readonly LabelPair[];
  /** Start time in the site's zone: `2026-03-02 09:15:00 UTC+01:00`. */
  readonly startsAtText: string;
  readonly endsAtText?: string;
  readonly timezone: string;
  readonly reminder: boolean;
  readonly error?: string;
}

export interface LabelPair {
  readonly name: string;
  readonly value: string;
}

export interface MessageLink {
  readonly kind: 'runbook' | 'dashboard' | 'link' | 'acknowledge';
  readonly title: string;
  readonly url: string;
}

/** A colour for the message, as a hex code and as the coarse tone that card formats understand. */
export interface MessageColour {
  readonly hex: string;
  readonly tone: 'danger' | 'warning' | 'good' | 'neutral' | 'accent';
}

export interface SummariseOptions {
  /** IANA zone of a site; an unknown zone falls back to UTC rather than failing the send. */
  readonly timezoneFor?: (site: string) => string;
  /**
   * A signed Acknowledge link for a firing alert, made at send time (never stored with the event);
   * undefined when acknowledge links are not configured.
   */
  readonly ackLinkFor?: (event: AlertEvent) => string | undefined;
}

/** Most urgent first, like SEVERITIES: a mixed group's headline state and severity are the first present. */
const STATE_ORDER: readonly EventState[] = ['firing', 'error', 'nodata', 'resolved'];

const FIRING_COLOURS: Record<Severity, MessageColour> = {
  critical: { hex: '#D32F2F', tone: 'danger' },
  major: { hex: '#F57C00', tone: 'danger' },
  warning: { hex: '#FBC02D', tone: 'warning' },
  info: { hex: '#1976D2', tone: 'accent' },
};
const STATE_COLOURS: Record<Exclude<EventState, 'firing'>, MessageColour> = {
  resolved: { hex: '#2E7D32', tone: 'good' },
  nodata: { hex: '#757575', tone: 'neutral' },
  error: { hex: '#7B1FA2', tone: 'warning' },
};

export function messageColour(state: EventState, severity: Severity): MessageColour {
  return state === 'firing' ? FIRING_COLOURS[severity] : STATE_COLOURS[state];
}

export function summarise(notification: Notification, options: SummariseOptions = {}): ChannelMessage {
  const events = notification.events;
  const first = events[0];
  if (!first) throw new Error(`notification ${notification.key} has no events`);

  const counts: Partial<Record<EventState, number>> = {};
  for (const event of events) counts[event.state] = (counts[event.state] ?? 0) + 1;
  const state = STATE_ORDER.find((candidate) => counts[candidate] !== undefined) ?? first.state;
  const severity =
    SEVERITIES.find((candidate) => events.some((event) => event.rule.severity === candidate)) ?? first.rule.severity;
  const sites = [...new Set(events.map((event) => event.site))];
  const site = sites.join(', ');
  const test = events.some((event) => event.test === true);
  const reminder = events.every((event) => event.repeat === true);

  const common = commonLabels(events.map((event) => event.labels));
  const ack = events.find((event) => event.acknowledgement !== undefined)?.acknowledgement;
  const tier = events.find((event) => event.escalation !== undefined)?.escalation?.tier;
  const title = [
    test ? '[TEST] ' : '',
    ack ? '[ACKNOWLEDGED] ' : `[${countsText(counts)}] `,
    `${site} · ${first.rule.name}`,
    reminder ? ' (reminder)' : '',
    tier !== undefined ? ` (escalated, tier ${tier})` : '',
    ack ? ` — acknowledged by ${ack.by}: ${ack.reason}` : '',
  ].join('');
  const links = collectLinks(events);
  if (options.ackLinkFor !== undefined && ack === undefined) {
    for (const event of events) {
      if (event.state !== 'firing' || event.test === true) continue;
      const url = options.ackLinkFor(event);
      if (url !== undefined) links.unshift({ kind: 'acknowledge', title: 'Acknowledge', url });
      break;
    }
  }

  const summary = firstAnnotation(events, 'summary');
  const description = firstAnnotation(events, 'description');
  const heldBack = heldBackOf(events, ack !== undefined, options);
  return {
    title,
    state,
    severity,
    colour: messageColour(state, severity),
    site,
    rule: { id: first.rule.id, name: first.rule.name },
    ...(summary !== undefined ? { summary } : {}),
    ...(description !== undefined ? { description } : {}),
    commonLabels: pairs(common),
    alerts: events.map((event) => summariseAlert(event, common, zoneOf(event.site, options))),
    links,
    counts,
    test,
    reminder,
    ...(heldBack !== undefined && { heldBack }),
  };
}

function heldBackOf(
  events: readonly AlertEvent[],
  acknowledgement: boolean,
  options: SummariseOptions,
): MessageHeldBack | undefined {
  // An acknowledgement update stays short; the firing and resolved messages carry the list.
  const event = acknowledgement ? undefined : events.find((candidate) => candidate.heldBack !== undefined);
  if (event?.heldBack === undefined) return undefined;
  const { count, alerts } = event.heldBack;
  const zone = zoneOf(event.site, options);
  const heading =
    event.state === 'resolved'
      ? `Released, still alerting: each now sends its own message (${count})`
      : `Held back while this fires (${count})`;
  const lines = alerts.map((alert) => {
    const labels = pairs(alert.labels)
      .map((pair) => `${pair.name}=${pair.value}`)
      .join(' ');
    const state = alert.state === 'firing' ? '' : ` ${stateName(alert.state).toLowerCase()}`;
    return [`${alert.rule.name} (${alert.rule.severity}${state})`, labels, `since ${formatTime(alert.startsAt, zone)}`]
      .filter((part) => part !== '')
      .join(' · ');
  });
  return { heading, lines, more: Math.max(0, count - alerts.length) };
}

/** `FIRING:2`, or `FIRING:2, RESOLVED:1` for a mixed group. */
function countsText(counts: Partial<Record<EventState, number>>): string {
  return STATE_ORDER.filter((state) => counts[state] !== undefined)
    .map((state) => `${state.toUpperCase()}:${counts[state]}`)
    .join(', ');
}

function summariseAlert(event: AlertEvent, common: Labels, zone: string): MessageAlert {
  const valueText = event.value === null ? 'no value' : formatNumber(event.value);
  const thresholdText = formatThreshold(event.threshold);
  const conditionText =
    event.value === null ? `no value (threshold ${thresholdText})` : `${valueText} ${thresholdText}`;
  const labels = pairs(event.labels);
  return {
    id: event.id,
    state: event.state,
    valueText,
    thresholdText,
    conditionText,
    labels,
    distinctLabels: labels.filter((pair) => common[pair.name] !== pair.value),
    startsAtText: formatTime(event.startsAt, zone),
    ...(event.endsAt ? { endsAtText: formatTime(event.endsAt, zone) } : {}),
    timezone: zone,
    reminder: event.repeat === true,
    ...(event.error !== undefined ? { error: event.error } : {}),
  };
}

/** A state as people read it: `Firing`, `Resolved`, `No data`, `Error`. */
export function stateName(state: EventState): string {
  return state === 'nodata' ? 'No data' : state.charAt(0).toUpperCase() + state.slice(1);
}

/**
 * The name/value facts a chat card shows under its title: state and site, then the single
 * alert's value, threshold and times, or a group's size and its thresholds.
 */
export function overviewFacts(message: ChannelMessage): [string, string][] {
  const facts: [string, string][] = [
    ['State', `${stateName(message.state)} (${message.severity})`],
    ['Site', message.site],
  ];
  const single = message.alerts.length === 1 ? message.alerts[0] : undefined;
  if (single) {
    facts.push(['Value', single.valueText], ['Threshold', single.thresholdText], ['Started', single.startsAtText]);
    if (single.endsAtText) facts.push(['Ended', single.endsAtText]);
  } else {
    const thresholds = [...new Set(message.alerts.map((alert) => alert.thresholdText))];
    facts.push(['Alerts', String(message.alerts.length)], ['Threshold', thresholds.join(', ')]);
  }
  return facts;
}

export function formatThreshold(threshold: Threshold): string {
  switch (threshold.op) {
    case 'outside_range':
      return `outside ${formatNumber(threshold.min)}..${formatNumber(threshold.max)}`;
    case 'inside_range':
      return `inside ${formatNumber(threshold.min)}..${formatNumber(threshold.max)}`;
    default:
      return `${threshold.op} ${formatNumber(threshold.value)}`;
  }
}

/** Up to three decimals, trailing zeros dropped: readable, and stable for golden files. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toFixed(3)));
}

/**
 * The offset is written numerically (`UTC+01:00`) rather than as a zone abbreviation because
 * abbreviations depend on the ICU data and locale of the machine that renders.
 */
export function formatTime(iso: string, zone: string): string {
  const time = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  return time.isValid ? time.toFormat("yyyy-LL-dd HH:mm:ss 'UTC'ZZ") : iso;
}

function zoneOf(site: string, options: SummariseOptions): string {
  const zone = options.timezoneFor?.(site) ?? 'UTC';
  return DateTime.now().setZone(zone).isValid ? zone : 'UTC';
}

function commonLabels(labelSets: readonly Labels[]): Labels {
  const [first, ...rest] = labelSets;
  if (!first) return {};
  const common: Record<string, string> = {};
  for (const [name, value] of Object.entries(first)) {
    if (rest.every((labels) => labels[name] === value)) common[name] = value;
  }
  return common;
}

function pairs(labels: Labels): LabelPair[] {
  return Object.keys(labels)
    .sort()
    .map((name) => ({ name, value: labels[name] ?? '' }));
}

function firstAnnotation(events: readonly AlertEvent[], name: string): string | undefined {
  for (const event of events) {
    const value = event.annotations[name];
    if (value !== undefined && value.trim() !== '') return value;
  }
  return undefined;
}

/** Runbook, then dashboard, then the rule's links; one per URL, only http(s) (buttons need one). */
function collectLinks(events: readonly AlertEvent[]): MessageLink[] {
  const links: MessageLink[] = [];
  const seen = new Set<string>();
  const add = (link: MessageLink): void => {
    if (seen.has(link.url) || !/^https?:\/\//i.test(link.url)) return;
    seen.add(link.url);
    links.push(link);
  };
  for (const event of events) {
    const runbook = event.annotations.runbook ?? event.annotations.runbook_url;
    if (runbook) add({ kind: 'runbook', title: 'Runbook', url: runbook });
  }
  for (const event of events) {
    const dashboard = event.annotations.dashboard ?? event.annotations.dashboard_url;
    if (dashboard) add({ kind: 'dashboard', title: 'Dashboard', url: dashboard });
  }
  for (const event of events) {
    for (const link of event.links ?? []) {
      add({ kind: /dashboard|grafana/i.test(link.title) ? 'dashboard' : 'link', title: link.title, url: link.url });
    }
  }
  return links;
}

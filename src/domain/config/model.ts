import type { OnCallSchedule } from '../lifecycle/oncall.js';
import type { LabelMatcher, Labels } from '../labels.js';
import type { RuleGroupDefinition } from '../rules/types.js';
import type { MaintenanceWindow, Silence } from '../silences.js';
import type { AssetsConfig } from '../assets/config-schema.js';
import type { ReportDefinition } from '../report/config-schema.js';
import type { GrafanaSettings } from './grafana.js';
import type { AwsSettings, MetricsStorageSettings, RunsOn } from './cloud.js';
import type { DeclaredAgent } from '../agent/default-rules.js';

/**
 * The validated, normalised deployment config (durations in ms, matchers compiled, defaults
 * applied). `src/domain/config/schema.ts` turns YAML into this; everything else reads only this.
 */
export interface DeploymentConfig {
  readonly version: 1;
  readonly sites: readonly SiteDefinition[];
  readonly probes: readonly ProbeDefinition[];
  readonly ruleGroups: readonly RuleGroupDefinition[];
  readonly channels: readonly ChannelDefinition[];
  readonly routes: readonly RouteDefinition[];
  readonly silences: readonly Silence[];
  readonly maintenanceWindows: readonly MaintenanceWindow[];
  readonly storage: StorageSettings;
  readonly delivery: DeliverySettings;
  readonly local: LocalRuntimeSettings;
  /** On-call schedules per team (the `oncall:` section). */
  readonly oncall?: readonly OnCallSchedule[];
  /** Acknowledge links (the `acknowledge:` section); absent in configs built before it existed. */
  readonly acknowledge?: AcknowledgeSettings;
  /** Present when the config is deployed to AWS (the `aws:` section). */
  readonly aws?: AwsSettings;
  /** The Managed Grafana workspace and its dashboards (the `grafana:` section; AWS only). */
  readonly grafana?: GrafanaSettings;
  /** RF-ID assets and patient flow (the `assets:` section). */
  readonly assets?: AssetsConfig;
  /** Daily reports (the `reports:` section). */
  readonly reports?: readonly ReportDefinition[];
}

export interface SiteDefinition {
  readonly id: string;
  readonly name: string;
  /** IANA time zone, used to show times in notifications and to place maintenance windows. */
  readonly timezone: string;
  readonly labels: Labels;
  /** The on-prem agents the site declares (`agents:`); absent when it declares none. */
  readonly agents?: readonly DeclaredAgent[];
  /** With `agents`: whether their default rules are generated (`default_rules`, default true). */
  readonly defaultAgentRules?: boolean;
}

export interface ProbeDefinition {
  readonly id: string;
  readonly site: string;
  /** A key of the probe registry. */
  readonly kind: string;
  readonly target: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly labels: Labels;
  /** The kind-specific block (`http:`, `tcp:`, `dns:`), validated by that kind's schema. */
  readonly settings: unknown;
  /** In AWS: a probe Lambda (`cloud`) or the on-prem agent. The local runtime runs every probe itself. */
  readonly runsOn: RunsOn;
}

export interface ChannelDefinition {
  readonly id: string;
  /** A key of the channel registry. */
  readonly kind: string;
  /** The kind-specific block, validated by that kind's schema. */
  readonly settings: unknown;
  /** Messages per second this channel may send; undefined = no limit. */
  readonly rateLimitPerSecond?: number;
  readonly sendResolved: boolean;
}

export interface RouteDefinition {
  readonly matchers: readonly LabelMatcher[];
  readonly channels: readonly string[];
  /** Keep matching later routes after this one matched. */
  readonly continue: boolean;
  /** Group events of one rule arriving within this window into one message; 0 = no grouping. */
  readonly groupWaitMs: number;
  /** Escalation tiers, `afterMs` since the first notification, increasing; empty = none. */
  readonly escalate?: readonly EscalationTier[];
}

export interface EscalationTier {
  readonly afterMs: number;
  readonly channels: readonly string[];
}

/** Acknowledging: the signed links' key, where they point and how long they last. */
export interface AcknowledgeSettings {
  readonly linkKey?: string;
  readonly linkBaseUrl?: string;
  readonly linkTtlMs: number;
}

export interface StorageSettings {
  /** How long the local runtime's SQLite store keeps data. */
  readonly retentionMs: number;
  /** The AWS metric store and its retention. */
  readonly metrics: MetricsStorageSettings;
  /** AWS: a notification-log record (the exactly-once guard of a delivery) expires after this. */
  readonly notificationLogTtlMs: number;
}

export interface DeliverySettings {
  /** Attempts inside one run before an event goes to the durable retry queue. */
  readonly immediateAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Total attempts, immediate and queued, before the dead-letter store. */
  readonly maxAttempts: number;
  /** Delay between queued retries (grows exponentially up to maxBackoffMs × 10). */
  readonly queueRetryMs: number;
}

export interface LocalRuntimeSettings {
  readonly dataDir: string;
  /** `host:port` of the read-only JSON API; port 0 picks a free one. */
  readonly apiListen: string;
  /** How long sends in flight may finish at a stop before they are handed to the durable queue. */
  readonly shutdownGraceMs: number;
  readonly demoTarget?: DemoTargetSettings;
}

/** A loopback HTTP target the local runtime serves that is up, then down, on a fixed cycle. */
export interface DemoTargetSettings {
  readonly listen: string;
  readonly upForMs: number;
  readonly downForMs: number;
}

/** The time zone to show a site's times in; an unknown site (a rule-level alert) reads UTC. */
export function siteTimezones(sites: readonly SiteDefinition[]): (site: string) => string {
  const zones = new Map(sites.map((site) => [site.id, site.timezone]));
  return (site) => zones.get(site) ?? 'UTC';
}

import { DateTime } from 'luxon';
import * as z from 'zod';
import type { ZodType } from 'zod';
import { channelKindSettings } from '../../channels/settings.js';
import { probeKindSettings } from '../../probes/settings.js';
import { SEVERITIES } from '../alerts/event.js';
import type { LabelMatcher, Labels } from '../labels.js';
import { REDUCERS, type Reducer, type RuleGroupDefinition } from '../rules/types.js';
import { annotationsSchema } from './annotations.js';
import type { RunsOn } from './cloud.js';
import type { DeploymentConfig } from './model.js';
import { awsSchema, DEFAULT_RUNS_ON, metricsStorageSchema, normalisePull, runsOn } from './cloud.js';
import { ampSettings, prometheusSettings } from './prometheus.js';
import { checkCrossFieldRules } from './cross-field.js';
import { assetsSchema, checkAssetsSection, normaliseAssets } from '../assets/config-schema.js';
import { checkReportsSection, normaliseReports, reportsSchema } from '../report/config-schema.js';
import { noDataGraceMs, probesReadBy, sharedProbeLabels } from './rule-probes.js';
import { grafanaSchema, grafanaSettings } from './grafana.js';
import { defaultAgentRules, type SiteAgents } from '../agent/default-rules.js';
import {
  clockTime,
  duration,
  httpUrl,
  id,
  instant,
  labels,
  listenAddress,
  matcher,
  BOUNDS,
  timezone,
  wholeNumber,
} from './fields.js';

/**
 * The site config: ONE schema for the YAML file. Objects are strict (an unknown key is an error),
 * static defaults are applied by zod, defaults that depend on other fields (a site's time zone,
 * a probe's interval) by `normalise`, and rules that span fields by `checkCrossFieldRules`.
 * The probe and channel kinds are derived from their settings maps, never listed here.
 */

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const defaultsSchema = z
  .strictObject({
    probe_interval: duration({ positive: true, atMost: BOUNDS.day }).prefault('30s'),
    probe_timeout: duration({ positive: true, atMost: BOUNDS.timeout }).prefault('10s'),
    evaluation_interval: duration({ positive: true, atMost: BOUNDS.day }).prefault('30s'),
    repeat_interval: duration({ positive: true, atMost: BOUNDS.repeat }).prefault('4h'),
    timezone: timezone.default('UTC'),
  })
  .describe('Values used where a site, probe, rule group or rule leaves them out');

/** One on-prem agent of a site: the default agent rules watch it (README: Default agent rules). */
const siteAgentSchema = z.strictObject({
  id: id.describe("The agent's agent.id (its token belongs to this site)"),
  silent_after: duration({ atMost: BOUNDS.day })
    .prefault('5m')
    .describe('"Agent offline" when no heartbeat arrived for this long (at least 1m)'),
  buffer_age: duration({ atMost: BOUNDS.day })
    .prefault('10m')
    .describe('"Agent buffer growing" when its oldest unsent data is older than this (at least 1m)…'),
  buffer_for: duration({ atMost: BOUNDS.day }).prefault('10m').describe('…for this long without a break (at least 1m)'),
  channels: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe("Channel ids for this agent's default alerts instead of the routes; default: the routes decide"),
});

const siteSchema = z.strictObject({
  id,
  name: z.string().min(1).optional().describe('Display name; default: the id'),
  timezone: timezone.optional().describe('IANA time zone; default: defaults.timezone'),
  runs_on: runsOn.optional().describe("Where this site's probes run in AWS; default: cloud"),
  labels,
  agents: z
    .array(siteAgentSchema)
    .default([])
    .describe("The site's on-prem agents: each gets the default agent rules (offline, buffer growing)"),
  default_rules: z
    .boolean()
    .default(true)
    .describe("false: no default agent rules for this site's agents (write your own, or go without)"),
});

/** Kind-specific blocks: `kind: K` takes an optional `K:` block validated by that kind's schema. */
interface KindSettings {
  readonly schema: ZodType;
}

function kindUnion(kinds: Readonly<Record<string, KindSettings>>, common: z.ZodRawShape): ZodType {
  const options = Object.entries(kinds).map(([kind, settings]) =>
    z.strictObject({
      ...common,
      kind: z.literal(kind),
      // prefault: a left-out block is parsed as `{}`, so the kind's own defaults apply to it.
      [kind]: settings.schema.prefault({}).describe(`Settings of the ${kind} kind`),
    }),
  );
  return z.discriminatedUnion('kind', options as [(typeof options)[number], ...(typeof options)[number][]]);
}

interface ProbeItem {
  readonly id: string;
  readonly site: string;
  readonly kind: string;
  readonly target: string;
  readonly interval?: number;
  readonly timeout?: number;
  readonly runs_on?: RunsOn;
  readonly labels: Labels;
  readonly [block: string]: unknown;
}

const probeSchema = kindUnion(probeKindSettings, {
  id,
  site: z.string().describe('The id of the site this probe belongs to'),
  target: z.string().min(1).describe('What to probe; its form depends on the kind (URL, host:port, DNS name)'),
  interval: duration({ positive: true, atMost: BOUNDS.day }).optional().describe('default: defaults.probe_interval'),
  timeout: duration({ positive: true, atMost: BOUNDS.timeout })
    .optional()
    .describe('Must be shorter than the interval; default: defaults.probe_timeout'),
  runs_on: runsOn
    .optional()
    .describe("In AWS: cloud (a probe Lambda, whole-minute intervals) or agent:<id>; default: the site's"),
  labels,
}) as ZodType<ProbeItem>;

/**
 * A probe in an agent's config (agent.yaml): the site config's probe shape without `site` and
 * `runs_on`, which the agent's token and the agent itself decide.
 */
export const agentProbeSchema = kindUnion(probeKindSettings, {
  id,
  target: z.string().min(1).describe('What to probe; its form depends on the kind (URL, host:port, DNS name)'),
  interval: duration({ positive: true, atMost: BOUNDS.day }).optional().describe('default: 30s'),
  timeout: duration({ positive: true, atMost: BOUNDS.timeout }).optional().describe('default: 10s'),
  labels,
}) as ZodType<AgentProbeItem>;

export interface AgentProbeItem {
  readonly id: string;
  readonly kind: string;
  readonly target: string;
  readonly interval?: number;
  readonly timeout?: number;
  readonly labels: Labels;
  readonly [block: string]: unknown;
}

interface ChannelItem {
  readonly id: string;
  readonly kind: string;
  readonly rate_limit_per_second?: number;
  readonly send_resolved: boolean;
  readonly [block: string]: unknown;
}

const channelSchema = kindUnion(channelKindSettings, {
  id,
  rate_limit_per_second: z
    .number()
    .positive()
    .optional()
    .describe("Messages per second; default: the kind's own limit (none for most kinds)"),
  send_resolved: z.boolean().default(true),
}) as ZodType<ChannelItem>;

const thresholdSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.enum(['>', '>=', '<', '<=', '==', '!=']), value: z.number() }),
  z
    .strictObject({ op: z.enum(['outside_range', 'inside_range']), min: z.number(), max: z.number() })
    .refine((range) => range.min < range.max, { path: ['max'], message: 'must be greater than min' }),
]);

const ruleSchema = z.strictObject({
  id,
  name: z.string().min(1).optional().describe('Shown in notifications; default: the id'),
  severity: z.enum(SEVERITIES).default('warning'),
  table: z.enum(['probes', 'metrics']).default('probes'),
  measure: z.string().min(1).describe('A probe measure (success, duration_ms, …) or a metric name'),
  matchers: z.array(matcher).default([]).describe('Prometheus label matchers selecting the series'),
  window: duration({ positive: true }).prefault('5m'),
  reducer: z.enum(REDUCERS).default('last'),
  threshold: thresholdSchema,
  for: duration({ atMost: BOUNDS.day }).prefault('0s'),
  keep_firing_for: duration({ atMost: BOUNDS.day }).prefault('0s'),
  no_data: z.enum(['nodata', 'alerting', 'ok', 'keep_last']).default('nodata'),
  on_error: z.enum(['error', 'alerting', 'ok', 'keep_last']).default('error'),
  repeat_interval: duration({ positive: true, atMost: BOUNDS.repeat })
    .optional()
    .describe('default: defaults.repeat_interval'),
  send_resolved: z.boolean().default(true),
  labels,
  annotations: annotationsSchema,
  links: z.array(z.strictObject({ title: z.string().min(1), url: httpUrl })).default([]),
  depends_on: z
    .array(z.string().min(1))
    .default([])
    .describe(
      "Rule ids (this config's, or built-in pflow-* rules): while one fires at the alert's site, this rule's alerts are held back",
    ),
});

const ruleGroupSchema = z.strictObject({
  name: z.string().min(1),
  interval: duration({ positive: true, atMost: BOUNDS.day })
    .optional()
    .describe('default: defaults.evaluation_interval'),
  rules: z.array(ruleSchema).min(1),
});

const routeSchema = z.strictObject({
  matchers: z.array(matcher).default([]).describe('All must match; none = catch-all'),
  channels: z.array(z.string()).min(1).describe('Channel ids'),
  continue: z.boolean().default(false).describe('Keep matching later routes after this one matched'),
  group_wait: duration({ atMost: BOUNDS.hour }).prefault('0s'),
  escalate: z
    .array(
      z.strictObject({
        after: duration({ positive: true, atMost: BOUNDS.day }).describe(
          'Time since the alert was first notified after which this tier is told, unless acknowledged',
        ),
        channels: z.array(z.string()).min(1).describe('Channel ids of this tier'),
      }),
    )
    .default([])
    .superRefine((tiers, ctx) => {
      tiers.forEach((tier, index) => {
        if (index > 0 && tier.after <= tiers[index - 1]!.after) {
          ctx.addIssue({ code: 'custom', path: [index, 'after'], message: `must be later than tier ${index}'s after` });
        }
      });
    })
    .describe('Escalation tiers: each is told when nobody acknowledged in time; acknowledgement stops the chain'),
});

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM, e.g. 09:00');
const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((text) => !Number.isNaN(Date.parse(`${text}T00:00:00Z`)), 'not a real date');
/** A local date-time in the schedule's zone (`2026-12-24T18:00`), or an instant with an offset. */
const scheduleTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?$/,
    'must be a date-time such as 2026-12-24T18:00 (local to the schedule) or with an offset',
  );

const oncallSchema = z
  .strictObject({
    team: id,
    site: z.string().optional().describe('The site whose time zone the hand-overs follow; default: defaults.timezone'),
    timezone: timezone.optional().describe('IANA time zone, instead of a site'),
    rotation: z.enum(['daily', 'weekly']).describe('Hand over every day, or every week on the weekday of start'),
    handover: localTime.describe('Local time of the hand-over, e.g. 09:00'),
    start: localDate.describe("Local date of the first member's first shift"),
    members: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          email: z
            .string()
            .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an email address')
            .optional(),
          slack: z
            .string()
            .regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack member id such as U012ABCDEF')
            .optional(),
        }),
      )
      .min(1, 'needs at least one member'),
    overrides: z
      .array(z.strictObject({ from: scheduleTime, until: scheduleTime, member: z.string().min(1) }))
      .default([]),
  })
  .superRefine((schedule, ctx) => {
    const names = new Set(schedule.members.map((member) => member.name));
    schedule.overrides.forEach((override, index) => {
      if (!names.has(override.member)) {
        ctx.addIssue({
          code: 'custom',
          path: ['overrides', index, 'member'],
          message: `no member ${JSON.stringify(override.member)} in this schedule (members: ${[...names].join(', ')})`,
        });
      }
      if (override.until <= override.from) {
        ctx.addIssue({ code: 'custom', path: ['overrides', index, 'until'], message: 'must be after from' });
      }
    });
  });

const acknowledgeSchema = z
  .strictObject({
    link_key: z
      .string()
      .min(32, 'must be at least 32 characters (a secret: use ${NAME} from the secret store)')
      .optional()
      .describe('HMAC key of the signed Acknowledge links; without it, messages carry no link'),
    link_base_url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://pflow.hospital.example' })
      .optional()
      .describe('Where people reach the Acknowledge page; default: the local API address'),
    link_ttl: duration({ positive: true, atMost: '7d' }).prefault('24h').describe('How long a link is valid'),
  })
  .describe('Acknowledging alerts: signed links in email, Slack and Teams messages');

const instantRange = z
  .strictObject({ starts_at: instant, ends_at: instant })
  .refine((range) => range.ends_at > range.starts_at, { path: ['ends_at'], message: 'must be after starts_at' });

const silenceSchema = z
  .strictObject({
    id,
    matchers: z.array(matcher).min(1),
    starts_at: instant,
    ends_at: instant,
    comment: z.string().optional(),
  })
  .refine((silence) => silence.ends_at > silence.starts_at, { path: ['ends_at'], message: 'must be after starts_at' });

const weeklySlotSchema = z
  .strictObject({
    days: z.array(z.enum(WEEKDAYS)).min(1),
    start: clockTime,
    end: clockTime.describe('An end at or before the start crosses midnight'),
  })
  .describe('Starts on each of `days` at `start` (local time) and lasts until `end`');

const maintenanceWindowSchema = z
  .strictObject({
    id,
    matchers: z.array(matcher).min(1),
    timezone: timezone.optional().describe('default: defaults.timezone'),
    weekly: z.array(weeklySlotSchema).default([]),
    ranges: z.array(instantRange).default([]),
    comment: z.string().optional(),
  })
  .refine((window) => window.weekly.length + window.ranges.length > 0, {
    message: 'needs at least one weekly slot or range',
  });

const storageSchema = z.strictObject({
  retention: duration({ positive: true }).prefault('30d').describe('How long the local runtime keeps data'),
  metrics: metricsStorageSchema.prefault({}),
  notification_log_ttl: duration({ positive: true })
    .prefault('30d')
    .describe('AWS: how long a delivery is remembered (no duplicate within it)'),
});

const deliverySchema = z.strictObject({
  immediate_attempts: wholeNumber(1).default(3),
  initial_backoff: duration({ positive: true, atMost: BOUNDS.hour }).prefault('500ms'),
  max_backoff: duration({ positive: true, atMost: BOUNDS.hour }).prefault('30s'),
  max_attempts: wholeNumber(1).default(10),
  queue_retry: duration({ positive: true, atMost: BOUNDS.day }).prefault('1m'),
});

const localSchema = z.strictObject({
  data_dir: z.string().min(1).default('.pflow'),
  api_listen: listenAddress.default('127.0.0.1:8080'),
  shutdown_grace: duration({ positive: true, atMost: '60s' })
    .prefault('5s')
    .describe('How long sends in flight may finish after SIGTERM/SIGINT before they are queued for the next start'),
  demo_target: z
    .strictObject({
      listen: listenAddress,
      up_for: duration({ positive: true, atMost: BOUNDS.day }).prefault('60s'),
      down_for: duration({ positive: true, atMost: BOUNDS.day }).prefault('60s'),
    })
    .optional()
    .describe('A loopback HTTP target served by the local runtime, up then down on a fixed cycle'),
});

/** The YAML file's shape, before cross-field checks and normalisation. */
export const deploymentShape = z
  .strictObject({
    version: z.literal(1),
    defaults: defaultsSchema.prefault({}),
    sites: z.array(siteSchema).min(1),
    probes: z.array(probeSchema).default([]),
    rule_groups: z.array(ruleGroupSchema).default([]),
    channels: z.array(channelSchema).default([]),
    routes: z.array(routeSchema).default([]),
    silences: z.array(silenceSchema).default([]),
    maintenance_windows: z.array(maintenanceWindowSchema).default([]),
    storage: storageSchema.prefault({}),
    delivery: deliverySchema.prefault({}),
    local: localSchema.prefault({}),
    aws: awsSchema.optional(),
    grafana: grafanaSchema.optional(),
    assets: assetsSchema.optional(),
    reports: reportsSchema.optional(),
    acknowledge: acknowledgeSchema.prefault({}),
    oncall: z.array(oncallSchema).default([]).describe('On-call schedules per team'),
  })
  .meta({
    title: 'PerformanceFlow site config',
    description: 'One deployment: sites, probes, rules, channels, routes, silences and maintenance windows.',
  });

export type DeploymentShape = z.output<typeof deploymentShape>;

/** The whole config: YAML value in, normalised DeploymentConfig out. */
export const deploymentConfigSchema = deploymentShape
  // `when`: run the cross-field checks even when a field elsewhere is invalid, so one run lists every error.
  .superRefine(checkCrossFieldRules, { when: () => true })
  .superRefine(checkAssetsSection, { when: () => true })
  .superRefine(checkReportsSection, { when: () => true })
  .transform(normalise);

const WEEKDAY_NUMBER: Readonly<Record<(typeof WEEKDAYS)[number], number>> = {
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
  sun: 7,
};
const DAY_MINUTES = 24 * 60;

function normalise(shape: DeploymentShape): DeploymentConfig {
  const { defaults } = shape;
  const cadences = shape.probes.map((probe) => ({
    ...probe,
    intervalMs: probe.interval ?? defaults.probe_interval,
    timeoutMs: probe.timeout ?? defaults.probe_timeout,
  }));
  // What a probe rule knows from the probes it reads: the labels a no-data alert can name, and how
  // long after a start their data is due.
  const fromProbes = (rule: { table: string; matchers: readonly LabelMatcher[]; reducer: Reducer }) => {
    if (rule.table !== 'probes') return {};
    const read = probesReadBy(rule.matchers, cadences);
    const grace = noDataGraceMs(rule.reducer, read);
    return { absentLabels: sharedProbeLabels(read), ...(grace === undefined ? {} : { noDataGraceMs: grace }) };
  };
  const siteRunsOn = new Map(shape.sites.map((site) => [site.id, site.runs_on]));
  const pulled = new Set((shape.aws?.pull?.agents ?? []).map((agent) => agent.id));
  const siteAgents: SiteAgents[] = shape.sites
    .filter((site) => site.agents.length > 0)
    .map((site) => ({
      site: site.id,
      defaultRules: site.default_rules,
      agents: site.agents.map((agent) => ({
        id: agent.id,
        silentAfterMs: agent.silent_after,
        bufferAgeMs: agent.buffer_age,
        bufferForMs: agent.buffer_for,
        ...(agent.channels && { channels: agent.channels }),
        ...(pulled.has(agent.id) && { pullIntervalMs: shape.aws!.pull!.interval }),
      })),
    }));
  // A rule of the config's own with a default rule's id replaces it (theirs wins).
  const agentRules = defaultAgentRules(siteAgents, {
    configRuleIds: new Set(shape.rule_groups.flatMap((group) => group.rules.map((rule) => rule.id))),
    repeatIntervalMs: defaults.repeat_interval,
  });
  return {
    version: 1,
    sites: shape.sites.map((site) => {
      const declared = siteAgents.find((entry) => entry.site === site.id);
      return {
        id: site.id,
        name: site.name ?? site.id,
        timezone: site.timezone ?? defaults.timezone,
        labels: site.labels,
        ...(declared && { agents: declared.agents, defaultAgentRules: declared.defaultRules }),
      };
    }),
    probes: shape.probes.map((probe) => ({
      id: probe.id,
      site: probe.site,
      kind: probe.kind,
      target: probe.target,
      intervalMs: probe.interval ?? defaults.probe_interval,
      timeoutMs: probe.timeout ?? defaults.probe_timeout,
      labels: probe.labels,
      settings: probe[probe.kind],
      runsOn: probe.runs_on ?? siteRunsOn.get(probe.site) ?? DEFAULT_RUNS_ON,
    })),
    ruleGroups: [
      ...shape.rule_groups.map((group): RuleGroupDefinition => ({
        name: group.name,
        intervalMs: group.interval ?? defaults.evaluation_interval,
        rules: group.rules.map((rule) => ({
          id: rule.id,
          name: rule.name ?? rule.id,
          group: group.name,
          severity: rule.severity,
          table: rule.table,
          measure: rule.measure,
          matchers: rule.matchers,
          windowMs: rule.window,
          reducer: rule.reducer,
          threshold: rule.threshold,
          forMs: rule.for,
          keepFiringForMs: rule.keep_firing_for,
          noData: rule.no_data,
          onError: rule.on_error,
          repeatIntervalMs: rule.repeat_interval ?? defaults.repeat_interval,
          sendResolved: rule.send_resolved,
          labels: rule.labels,
          annotations: rule.annotations,
          links: rule.links,
          ...(rule.depends_on.length > 0 && { dependsOn: rule.depends_on }),
          ...fromProbes(rule),
        })),
      })),
      // Last: the config's own groups keep their order (and their schedules' ids in the stack).
      ...(agentRules.group ? [agentRules.group] : []),
    ],
    channels: shape.channels.map((channel) => {
      const kindDefault = (channelKindSettings as Readonly<Record<string, { defaultRateLimitPerSecond?: number }>>)[
        channel.kind
      ]?.defaultRateLimitPerSecond;
      const rateLimitPerSecond = channel.rate_limit_per_second ?? kindDefault;
      return {
        id: channel.id,
        kind: channel.kind,
        settings: channel[channel.kind],
        ...(rateLimitPerSecond === undefined ? {} : { rateLimitPerSecond }),
        sendResolved: channel.send_resolved,
      };
    }),
    routes: [
      ...agentRules.routes,
      ...shape.routes.map((route) => ({
        matchers: route.matchers,
        channels: route.channels,
        continue: route.continue,
        groupWaitMs: route.group_wait,
        ...(route.escalate.length > 0 && {
          escalate: route.escalate.map((tier) => ({ afterMs: tier.after, channels: tier.channels })),
        }),
      })),
    ],
    oncall: shape.oncall.map((schedule) => {
      const zone =
        schedule.timezone ?? shape.sites.find((site) => site.id === schedule.site)?.timezone ?? defaults.timezone;
      const [hours, minutes] = schedule.handover.split(':').map(Number) as [number, number];
      return {
        team: schedule.team,
        timezone: zone,
        every: schedule.rotation,
        handoverMinute: hours * 60 + minutes,
        start: schedule.start,
        members: schedule.members,
        overrides: schedule.overrides.map((override) => ({
          startsAt: DateTime.fromISO(override.from, { zone }).toMillis(),
          endsAt: DateTime.fromISO(override.until, { zone }).toMillis(),
          member: override.member,
        })),
      };
    }),
    acknowledge: {
      ...(shape.acknowledge.link_key !== undefined && { linkKey: shape.acknowledge.link_key }),
      ...(shape.acknowledge.link_base_url !== undefined && { linkBaseUrl: shape.acknowledge.link_base_url }),
      linkTtlMs: shape.acknowledge.link_ttl,
    },
    silences: shape.silences.map((silence) => ({
      id: silence.id,
      matchers: silence.matchers,
      startsAt: silence.starts_at,
      endsAt: silence.ends_at,
      ...(silence.comment === undefined ? {} : { comment: silence.comment }),
    })),
    maintenanceWindows: shape.maintenance_windows.map((window) => ({
      id: window.id,
      matchers: window.matchers,
      timezone: window.timezone ?? defaults.timezone,
      weekly: window.weekly.map((slot) => {
        // An end at or before the start is on the next day: 22:00–02:00 lasts 4h, 03:00–03:00 lasts 24h.
        const minutes = (slot.end - slot.start + DAY_MINUTES) % DAY_MINUTES || DAY_MINUTES;
        return {
          weekdays: [...new Set(slot.days.map((day) => WEEKDAY_NUMBER[day]))].sort(),
          startMinute: slot.start,
          durationMs: minutes * 60_000,
        };
      }),
      ranges: window.ranges.map((range) => ({ startsAt: range.starts_at, endsAt: range.ends_at })),
      ...(window.comment === undefined ? {} : { comment: window.comment }),
    })),
    storage: {
      retentionMs: shape.storage.retention,
      metrics: {
        backend: shape.storage.metrics.backend,
        timestream: {
          memoryRetentionMs: shape.storage.metrics.timestream.memory_retention,
          magneticRetentionMs: shape.storage.metrics.timestream.magnetic_retention,
        },
        amp: ampSettings(shape.storage.metrics.amp),
        ...(shape.storage.metrics.prometheus && { prometheus: prometheusSettings(shape.storage.metrics.prometheus) }),
      },
      notificationLogTtlMs: shape.storage.notification_log_ttl,
    },
    delivery: {
      immediateAttempts: shape.delivery.immediate_attempts,
      initialBackoffMs: shape.delivery.initial_backoff,
      maxBackoffMs: shape.delivery.max_backoff,
      maxAttempts: shape.delivery.max_attempts,
      queueRetryMs: shape.delivery.queue_retry,
    },
    local: {
      dataDir: shape.local.data_dir,
      apiListen: shape.local.api_listen,
      shutdownGraceMs: shape.local.shutdown_grace,
      ...(shape.local.demo_target === undefined
        ? {}
        : {
            demoTarget: {
              listen: shape.local.demo_target.listen,
              upForMs: shape.local.demo_target.up_for,
              downForMs: shape.local.demo_target.down_for,
            },
          }),
    },
    ...(shape.aws === undefined
      ? {}
      : {
          aws: {
            secretsPrefix: shape.aws.secrets_prefix,
            secrets: shape.aws.secrets,
            ...(shape.aws.pull !== undefined && { pull: normalisePull(shape.aws.pull) }),
            ...(shape.aws.detailed_metrics && { detailedMetrics: true }),
          },
        }),
    ...(shape.grafana && { grafana: grafanaSettings(shape.grafana) }),
    ...(shape.assets && { assets: normaliseAssets(shape.assets) }),
    ...(shape.reports && {
      reports: normaliseReports(
        shape.reports,
        shape.sites.map((site) => site.id),
      ),
    }),
  };
}

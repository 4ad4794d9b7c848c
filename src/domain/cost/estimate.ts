import type { MetricsBackend } from '../config/cloud.js';
import type { DeploymentConfig } from '../config/model.js';
import type { SecretReaders } from '../config/secret-readers.js';
import { DEFAULT_ASSUMPTIONS, type CostAssumptions } from './assumptions.js';
import { costOf, permanentAllowance, PRICE_REGION, PRICES, PRICES_READ_ON, type PriceId } from './prices.js';
import { lastSeenRefreshMs } from '../assets/location-writes.js';
import { formatDuration } from '../duration.js';
import { deploymentUsage, type DeploymentUsage } from './usage.js';
import { oncallTeamsOf } from '../lifecycle/oncall.js';
import { customMetrics, hoursWithEvents, sum } from './custom-metrics.js';
import { agentHoldBackFor } from '../agent/hold-back.js';

/**
 * `pflow cost`: a monthly estimate of the AWS bill of a deployment config. Pure arithmetic on the
 * usage the config implies, the assumptions and the unit-price table; every figure can be redone by
 * hand from the printed quantities and prices.
 */

export const COST_GOAL_USD = 60;

export interface LineItem {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly priceId: PriceId;
  /** Without any free tier. */
  readonly usd: number;
  /** With the price's permanent free tier taken off the quantity. */
  readonly usdAfterFreeTier: number;
  /** How the quantity was derived. */
  readonly basis: string;
}

export type StoreBackend = 'timestream' | 'amp';
export const STORE_BACKENDS: readonly StoreBackend[] = ['amp', 'timestream'];

export interface BackendTotal {
  readonly usd: number;
  readonly usdAfterFreeTiers: number;
  readonly meetsGoal: boolean;
}

export interface CostEstimate {
  readonly region: string;
  readonly pricesReadOn: string;
  readonly hoursPerMonth: number;
  readonly configuredBackend: MetricsBackend;
  readonly usage: UsageSummary;
  /** Everything but the metric store. */
  readonly common: readonly LineItem[];
  readonly stores: Readonly<Record<StoreBackend, readonly LineItem[]>>;
  readonly totals: Readonly<Record<StoreBackend, BackendTotal>>;
  readonly goalUsd: number;
  /** CloudWatch Synthetics running the same cloud probes, one canary run per probe run. */
  readonly synthetics: LineItem;
}

export interface UsageSummary {
  readonly sites: number;
  readonly cloudProbes: number;
  readonly probeSchedules: number;
  readonly cloudProbeRunsPerMonth: number;
  readonly agents: number;
  readonly agentPushesPerMonth: number;
  readonly metricSamplesPerMonth: number;
  readonly probeResultsPerMonth: number;
  readonly ruleCycles: number;
  /** The escalation function's schedule (one per stack). */
  readonly escalationSchedules: number;
  /** The asset function's two schedules (now, day), with `assets:` only. */
  readonly assetSchedules: number;
  readonly rules: number;
  readonly channels: number;
  /** Daily report schedules (report × site). */
  readonly reports: number;
  readonly alertEventsPerMonth: number;
  readonly secrets: number;
}

const GB = 2 ** 30;

/** Functions whose assumptions have a `<fn>Seconds` and a `<fn>MemoryMb`. */
type TimedFunction = 'rule' | 'deliver' | 'report' | 'ingest' | 'authorizer' | 'collect' | 'escalate' | 'lifecycleApi';

export function estimateCost(
  config: DeploymentConfig,
  secretNames: readonly string[],
  assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS,
  /**
   * Which functions read each secret (the bundled config's readers, src/domain/config/secret-readers.ts);
   * a name absent here is read by every function, the upper bound.
   */
  secretReaders: Readonly<Record<string, SecretReaders>> = {},
): CostEstimate {
  const usage = deploymentUsage(config, secretNames, assumptions);
  const a = (key: keyof CostAssumptions) => assumptions[key].value;
  const hoursPerMonth = a('hoursPerMonth');
  const monthMs = hoursPerMonth * 3_600_000;

  // --- volumes shared by several services -------------------------------------------------------
  const agents = usage.agents.length;
  const pushesPerAgent = usage.secondsPerMonth / a('agentPushIntervalSeconds');
  const agentPushes = agents * pushesPerAgent;
  // Pulled agents send through the collect function, not the ingest API.
  const pushingAgents = usage.agents.filter((agent) => !usage.pullAgents.includes(agent.id)).length;
  const ingestPushes = pushingAgents * pushesPerAgent;
  const ingestApi = agents > 0 || usage.pullAgents.length > 0;
  const collectRuns = usage.collectRunsPerMonth;
  const metricSamples = agentPushes * a('agentSeries');
  const probeResults = usage.cloudProbeRunsPerMonth + usage.agentProbeRunsPerMonth;
  const events = a('alertEventsPerMonth');
  const channels = usage.channels.length;
  const reportRuns = sum(usage.reports.map((r) => r.runsPerMonth));
  /** Upper bound: every event reaches every channel (routes usually send fewer); each report its channels. */
  const deliveries = events * channels + sum(usage.reports.map((r) => r.runsPerMonth * r.channels));
  const probeInvocations = sum(usage.probeSchedules.map((s) => s.invocationsPerMonth));
  const ruleInvocations = sum(usage.ruleCycles.map((c) => c.invocationsPerMonth));
  const authorizerCalls = pushingAgents * (usage.secondsPerMonth / a('authorizerCacheSeconds'));
  // RF-ID assets (config with assets:): every tag event is stored in the metric store's history,
  // and the asset function runs every minute (answers now) and every 15 minutes (the day's).
  const assetTags = config.assets === undefined ? 0 : Math.max(a('rtlsTags'), config.assets.registry.assets.length);
  const tagEvents = (assetTags * usage.secondsPerMonth) / a('tagReportSeconds');
  const assetsNowRuns = config.assets === undefined ? 0 : usage.minutesPerMonth;
  const assetsDayRuns = config.assets === undefined ? 0 : usage.minutesPerMonth / 15;
  const parLevels = config.assets?.registry.parLevels.length ?? 0;
  /** Upper bound: every tag an asset with a last-seen age and a battery; par levels 3 series; the day's ~1 per asset. */
  const answerSamples = (2 * assetTags + 3 * parLevels) * assetsNowRuns + assetTags * assetsDayRuns;
  // The escalation function runs every minute in every stack (lib/lifecycle.ts).
  const escalations = usage.minutesPerMonth;
  const lifecycleRequests = a('lifecycleApiRequestsPerMonth');

  // --- Lambda -------------------------------------------------------------------------------------
  const probeGbSeconds = sum(
    usage.probeSchedules.map((s) => {
      const waves = Math.ceil(s.probes / a('probeConcurrency'));
      const seconds = waves * a('probeWaveSeconds') + a('probeOverheadSeconds');
      return s.invocationsPerMonth * seconds * (a('probeMemoryMb') / 1024);
    }),
  );
  /** A function billed per invocation at its assumed seconds and memory (`<fn>Seconds`, `<fn>MemoryMb`). */
  const timed = (name: string, invocations: number, fn: TimedFunction, deployed?: boolean) => ({
    name,
    invocations,
    gbSeconds: invocations * a(`${fn}Seconds`) * (a(`${fn}MemoryMb`) / 1024),
    deployed,
  });
  const priced: { name: string; invocations: number; gbSeconds: number; deployed?: boolean | undefined }[] = [
    { name: 'probe', invocations: probeInvocations, gbSeconds: probeGbSeconds },
    timed('rule', ruleInvocations, 'rule'),
    timed('deliver', deliveries, 'deliver'),
    {
      name: 'meta-alarm',
      invocations: a('alarmStateChangesPerMonth'),
      gbSeconds: a('alarmStateChangesPerMonth') * 1 * (a('metaAlarmMemoryMb') / 1024),
    },
    timed('report', reportRuns, 'report'),
    timed('ingest', ingestPushes, 'ingest', ingestApi),
    timed('authorizer', authorizerCalls, 'authorizer', ingestApi),
    timed('collect', collectRuns, 'collect'),
    {
      name: 'assets',
      invocations: assetsNowRuns + assetsDayRuns,
      gbSeconds:
        (assetsNowRuns * a('assetsNowSeconds') + assetsDayRuns * a('assetsDaySeconds')) * (a('assetsMemoryMb') / 1024),
    },
    timed('escalate', escalations, 'escalate', true),
    timed('lifecycle-api', lifecycleRequests, 'lifecycleApi', true),
  ];
  const functions = priced.filter((fn) => fn.invocations > 0 || fn.deployed === true);
  const invocations = sum(functions.map((fn) => fn.invocations));
  const perFunction = (field: 'invocations' | 'gbSeconds') =>
    functions.map((fn) => `${fn.name} ${formatCount(fn[field])}`).join(', ');

  const common: LineItem[] = [
    item('lambda.requests', invocations, `invocations: ${perFunction('invocations')}`),
    item('lambda.arm64.duration', sum(functions.map((fn) => fn.gbSeconds)), `GB-s: ${perFunction('gbSeconds')}`),
    item(
      'scheduler.invocations',
      probeInvocations + ruleInvocations + reportRuns + collectRuns + escalations + assetsNowRuns + assetsDayRuns,
      `${usage.probeSchedules.length} probe schedules, ${usage.ruleCycles.length} rule schedules (site × group)` +
        (usage.reports.length > 0 ? `, ${usage.reports.length} daily report schedules (report × site)` : '') +
        (usage.pullAgents.length > 0 ? `, ${usage.pullAgents.length} collect schedules (one per pulled agent)` : '') +
        (assetsNowRuns > 0 ? ', 2 asset schedules (every minute, every 15 minutes)' : '') +
        ', the escalation schedule (every minute)',
    ),
  ];

  // --- notifications --------------------------------------------------------------------------
  const alarmChanges = a('alarmStateChangesPerMonth');
  const snsChannels = usage.channels.filter((channel) => channel.kind === 'sns').length;
  common.push(
    item(
      'sns.publish',
      events * (1 + snsChannels) + 2 * alarmChanges + reportRuns,
      'alert events (and again to each sns channel topic), each alarm state change twice (alarm topic, then as an event)' +
        (reportRuns > 0 ? ', one message per daily report' : ''),
    ),
  );
  if (snsChannels > 0) {
    common.push(item('sns.email', events * snsChannels, 'every event to every sns channel, one email subscriber each'));
  }
  const channelQueues = channels;
  const emptyReceives = channelQueues * a('sqsPollersPerQueue') * (usage.secondsPerMonth / a('sqsLongPollSeconds'));
  common.push(
    item(
      'sqs.requests',
      emptyReceives + deliveries * 3,
      `${channelQueues} channel queues: long polls of the delivery functions (${formatCount(emptyReceives)}), send + receive + delete per delivery`,
    ),
  );

  // --- state --------------------------------------------------------------------------------------
  // A rule cycle reads its group's states at its site in one strongly consistent Query: one read unit
  // per 4 KB of the open instances it returns (ok ones are not stored), at least one. The open
  // instances are taken as spread evenly over the cycles. With the agent-silent rules, each cycle
  // also reads their instances at the site (the agent hold-back): one more Query per group holding them.
  const openPerCycle = usage.ruleCycles.length === 0 ? 0 : a('openAlertInstances') / usage.ruleCycles.length;
  const stateQueryUnits = Math.max(1, Math.ceil((openPerCycle * a('alertStateItemBytes')) / 4096));
  const holdBack = agentHoldBackFor(config);
  const holdBackGroups = holdBack
    ? config.ruleGroups.filter((group) => group.rules.some((rule) => holdBack.ruleIds.includes(rule.id))).length
    : 0;
  const stateReads = ruleInvocations * (stateQueryUnits + holdBackGroups);
  const averageCycleRuns = usage.ruleCycles.length === 0 ? 0 : ruleInvocations / usage.ruleCycles.length;
  // On call: a channel naming oncall:<team> reads each team's overrides before every message, and
  // the escalation sweep reads each team's schedule copy every minute (lib/lifecycle.ts).
  const oncallTeams = (config.oncall ?? []).length;
  const oncallReads =
    events * sum(config.channels.map((channel) => oncallTeamsOf(channel.settings).length)) + oncallTeams * escalations;
  common.push(
    item(
      'dynamodb.reads',
      stateReads + deliveries + 2 * ruleInvocations + 3 * escalations + oncallReads + 2 * reportRuns,
      `one consistent state query per rule group per cycle (${stateQueryUnits} RRU: its share of ${a('openAlertInstances')} open instances, ${a('alertStateItemBytes')} bytes each)` +
        (holdBackGroups > 0 ? ' and one for the agent hold-back' : '') +
        ', one notification-log read per delivery, silences and acknowledgements per cycle, the escalation sweep (states, acknowledgements, silences) every minute, alert history and acknowledgements per report' +
        (oncallReads > 0 ? ', on-call overrides per team per message and the schedule copies every minute' : ''),
    ),
    item(
      'dynamodb.writes',
      a('openAlertInstances') * averageCycleRuns + deliveries * 2 + events * 2,
      'open alert instances written each cycle (ok ones are not stored), log claim + record per delivery, each alert event kept for the daily report (up to 2 KB)',
    ),
  );
  // The tag location table (config with assets:): a tag's item is rewritten only when an answer
  // needs it (src/domain/assets/location-writes.ts): on a move (or battery band, button), and for
  // "still here" once per lastSeen refresh. Never more than one put per agent push that carries its
  // events (the events of one tag in one push are one put); warm functions read nothing.
  if (config.assets !== undefined) {
    const tags = Math.max(a('rtlsTags'), config.assets.registry.assets.length);
    const putEverySeconds = Math.max(a('tagReportSeconds'), a('agentPushIntervalSeconds'));
    const refreshSeconds = Math.max(lastSeenRefreshMs(config.assets.settings, undefined) / 1000, putEverySeconds);
    const moves = Math.min(a('tagZoneChangesPerHour'), 3600 / putEverySeconds) * hoursPerMonth;
    const putsPerTag = Math.min(
      usage.secondsPerMonth / putEverySeconds,
      moves + usage.secondsPerMonth / refreshSeconds,
    );
    common.push(
      item(
        'dynamodb.writes',
        tags * putsPerTag,
        `tag locations: ${formatCount(tags)} tags, each written on ${a('tagZoneChangesPerHour')} moves an hour and "still here" once per ${refreshSeconds} s (lastSeen refresh; reports every ${a('tagReportSeconds')} s, agent pushes every ${a('agentPushIntervalSeconds')} s)`,
      ),
    );
  }
  const s3Channels = usage.channels.filter((channel) => channel.s3).length;
  if (s3Channels > 0) {
    common.push(item('s3.put', events * s3Channels, 'one object per event per S3 log-drop channel'));
  }

  // --- secrets and keys -------------------------------------------------------------------------
  // The functions kept warm all month (each re-reads its secrets every cache period), by name.
  const warm: readonly (readonly [string, number])[] = [
    ['probe', usage.probeSchedules.length],
    ['rule', usage.ruleCycles.length],
    ['ingest', agents > 0 ? 1 : 0],
    ['collect', usage.pullAgents.length],
  ];
  const warmFunctions = sum(warm.map(([, count]) => count));
  const refreshes = usage.minutesPerMonth / a('secretCacheMinutes');
  /** A channel's deliveries, by the upper bound above: every event, and the reports naming it. */
  const deliveriesTo = (channel: string) =>
    events +
    sum(
      usage.reports
        .filter((r) => config.reports?.find((report) => report.id === r.report)?.channels.includes(channel) === true)
        .map((r) => r.runsPerMonth),
    );
  /** A secret's reads: by each warm function reading it every cache period, and once per delivery that reads it. */
  const readsOf = (readers: SecretReaders): number => {
    if (readers === undefined) return warmFunctions * refreshes + deliveries;
    const warmReaders = sum(warm.filter(([fn]) => readers.includes(fn)).map(([, count]) => count));
    const delivered = readers.includes('deliver')
      ? deliveries
      : sum(usage.channels.filter((c) => readers.includes(`deliver:${c.id}`)).map((c) => deliveriesTo(c.id)));
    return warmReaders * refreshes + delivered;
  };
  const secretReads = sum(
    secretNames.map((name) => readsOf(Object.hasOwn(secretReaders, name) ? secretReaders[name] : undefined)),
  );
  const narrowed = secretNames.filter(
    (name) => Object.hasOwn(secretReaders, name) && secretReaders[name] !== undefined,
  );
  if (usage.secrets > 0) {
    common.push(
      item('secrets.secret', usage.secrets, 'one secret per ${NAME} in the config'),
      item(
        'secrets.api',
        secretReads,
        `each secret re-read every ${a('secretCacheMinutes')} min by each of the ${warmFunctions} warm functions that reads it, and once per delivery that needs it (${narrowed.length} of ${secretNames.length} read by their own functions only)`,
      ),
    );
  }
  // Upper bound: each asks for and opens a data key once per reuse period all month, busy or not.
  // Queues: each channel's queue and dead-letter queue, and the two operational dead-letter queues;
  // the rest: the alert and alarm topics and three stores.
  const encryptedQueues = channelQueues * 2 + 2;
  const otherEncrypted = 2 + 3;
  const kmsRequests =
    encryptedQueues * 2 * (usage.minutesPerMonth / a('sqsDataKeyReuseMinutes')) +
    otherEncrypted * 2 * (usage.minutesPerMonth / a('kmsDataKeyReuseMinutes')) +
    secretReads;
  common.push(
    item('kms.key', a('kmsKeys'), 'customer managed keys the stack creates'),
    item(
      'kms.requests',
      kmsRequests,
      `${encryptedQueues} encrypted queues asking for and opening a data key every ${a('sqsDataKeyReuseMinutes')} min, ${otherEncrypted} topics and stores every ${a('kmsDataKeyReuseMinutes')} min, one decrypt per secret read`,
    ),
  );

  // --- CloudWatch ---------------------------------------------------------------------------------
  // The Grafana provisioner runs only at deploy time (no invocation cost), but it has its alarms.
  const grafanaProvisioner = config.grafana ? 1 : 0;
  const lambdaFunctions = functions.filter((fn) => fn.name !== 'deliver').length + channels + grafanaProvisioner;
  const groups = new Set(usage.ruleCycles.map((c) => c.group)).size;
  const reportSlots = usage.reports.length;
  // One rule-query-failure alarm for every group (on the service-level count).
  const queryAlarms = groups > 0 ? 1 : 0;
  const alarms =
    2 * lambdaFunctions + channels + 4 + usage.ruleCycles.length + queryAlarms + reportSlots + usage.pullAgents.length;
  // Each channel's deliver function handles every alert event (the upper bound the deliveries
  // use) and its share of the daily reports.
  const reportMessages = sum(usage.reports.map((r) => r.runsPerMonth * r.channels));
  const metrics = customMetrics({
    hoursPerMonth,
    probes: probeInvocations > 0,
    ruleCycles: usage.ruleCycles.length,
    ruleGroups: groups,
    detailed: config.aws?.detailedMetrics === true,
    channelMessages: usage.channels.map(() => events + (channels === 0 ? 0 : reportMessages / channels)),
    deliveryOccasions: events + reportRuns,
    ingest: pushingAgents > 0,
    pullAgents: usage.pullAgents.length,
    assets: assetTags > 0,
    reportRuns: usage.reports.map((r) => r.runsPerMonth),
    rareCountHours: a('rareCountHoursPerMonth'),
  });
  const eventHours = hoursWithEvents(events, hoursPerMonth);
  common.push(
    item(
      'cloudwatch.alarm',
      alarms,
      `errors + throttles of ${lambdaFunctions} functions, ${channels} dead-letter queues, 4 schedule/invocation alarms, ${usage.ruleCycles.length} rule-cycle alarms, ${queryAlarms} rule-query-failure alarm (all groups)` +
        (reportSlots > 0 ? `, ${reportSlots} report-not-published alarms` : '') +
        (usage.pullAgents.length > 0 ? `, ${usage.pullAgents.length} collect alarms` : ''),
    ),
    item(
      'cloudwatch.metric',
      metrics.metricMonths,
      `EMF metrics × their dimension values, billed for the hours they are sent: ${metrics.always} every hour ` +
        `(${usage.ruleCycles.length} rule-group heartbeats among them), ${metrics.perEvent} per event ` +
        `(delivered, all channels together${reportRuns > 0 ? '; reports' : ''}: ${formatCount(eventHours)} of ${formatCount(hoursPerMonth)} h hold an alert event, ` +
        `were ${formatCount(events)} spread at random), ${metrics.whenNotZero} failure and rare counts sent only when not zero ` +
        `(${a('rareCountHoursPerMonth')} h each)` +
        (config.aws?.detailedMetrics === true
          ? '; aws.detailed_metrics: the rule counts per group and the deliver counts per channel too'
          : ''),
    ),
    item(
      'cloudwatch.logs.ingest',
      (invocations * a('logBytesPerInvocation')) / GB,
      `${formatCount(invocations)} invocations × ${a('logBytesPerInvocation')} bytes`,
    ),
  );
  const pushUnits = Math.max(1, Math.ceil((a('agentSeries') * a('agentBytesPerSeries')) / (512 * 1024)));
  if (pushingAgents > 0 || lifecycleRequests > 0) {
    common.push(
      item(
        'apigateway.http',
        ingestPushes * pushUnits + lifecycleRequests,
        [
          ...(pushingAgents > 0
            ? [
                `${pushingAgents} agents pushing every ${a('agentPushIntervalSeconds')} s, ${pushUnits} × 512 KB unit per push`,
              ]
            : []),
          `${formatCount(lifecycleRequests)} lifecycle API requests`,
        ].join('; '),
      ),
    );
  }

  // --- the metric store, both backends --------------------------------------------------------
  const stores: Record<StoreBackend, LineItem[]> = {
    timestream: timestreamItems(),
    amp: ampItems(),
  };

  function timestreamItems(): LineItem[] {
    const probeWrites = sum(
      usage.probeSchedules.map(
        (s) => s.invocationsPerMonth * writeUnits(s.probes, a('timestreamWriteBytesPerProbeResult')),
      ),
    );
    const agentWrites =
      pushesPerAgent *
      sum(
        usage.agents.map(
          (agent) =>
            writeUnits(a('agentSeries'), a('timestreamWriteBytesPerSample')) +
            writeUnits(Math.ceil(agent.probeResultsPerPush), a('timestreamWriteBytesPerProbeResult')),
        ),
      );
    const storedPerMonth =
      probeResults * a('timestreamStoredBytesPerProbeResult') + metricSamples * a('timestreamStoredBytesPerSample');
    const memoryGb = (storedPerMonth * (usage.timestreamMemoryRetentionMs / monthMs)) / GB;
    const magneticGb = (storedPerMonth * (usage.timestreamMagneticRetentionMs / monthMs)) / GB;

    const queriedCycles = usage.ruleCycles.filter((c) => c.tables.length > 0);
    const queries = sum(queriedCycles.map((c) => c.tables.length * c.invocationsPerMonth));
    const shortest = Math.min(...queriedCycles.map((c) => c.intervalMs));
    const activeMinutes = queriedCycles.length === 0 ? 0 : usage.minutesPerMonth / (shortest / 60_000);
    const queriesPerActiveMinute = activeMinutes === 0 ? 0 : queries / activeMinutes;
    const busySeconds = Math.min(
      60,
      Math.max(a('timestreamMinimumBilledSeconds'), queriesPerActiveMinute * a('timestreamQuerySeconds')),
    );
    // A report's week-long reads keep the minimum TCUs busy for its run, at least the billed minimum.
    const reportTcuHours =
      (reportRuns * a('timestreamMinimumTcu') * Math.max(a('timestreamMinimumBilledSeconds'), a('reportSeconds'))) /
      3600;
    const tcuHours = (activeMinutes * a('timestreamMinimumTcu') * busySeconds) / 3600 + reportTcuHours;
    return [
      item(
        'timestream.writes',
        probeWrites + agentWrites + events,
        'WriteRecords of ≤ 100 records, each request metered in 1 KiB units; one unit per alert history record',
      ),
      item(
        'timestream.memory',
        memoryGb * hoursPerMonth,
        `${formatGb(memoryGb)} held for ${formatDuration(usage.timestreamMemoryRetentionMs)}, all month`,
      ),
      item(
        'timestream.magnetic',
        magneticGb,
        `${formatGb(magneticGb)} once ${formatDuration(usage.timestreamMagneticRetentionMs)} of data is kept (steady state)`,
      ),
      item(
        'timestream.query',
        tcuHours,
        `${formatCount(queries)} queries (one per table per cycle); ${a('timestreamMinimumTcu')} TCUs for ${busySeconds} s in each of ${formatCount(activeMinutes)} minutes` +
          (reportRuns > 0
            ? `; ${formatCount(reportRuns)} daily reports for ${Math.max(a('timestreamMinimumBilledSeconds'), a('reportSeconds'))} s each`
            : ''),
      ),
      ...timestreamAssetItems(),
    ];
  }

  function ampItems(): LineItem[] {
    const samples = probeResults * a('samplesPerProbeResult') + metricSamples + events;
    const retentionMonths = (usage.ampRetentionDays * 86_400_000) / monthMs;
    const storedGb = (samples * retentionMonths * a('ampStoredBytesPerSample')) / GB;
    const qsp = sum(
      usage.ruleCycles.map((cycle) => {
        const perCycle = sum(
          cycle.tables.map(({ table, windowMs, seriesPerAgent }) =>
            table === 'probes'
              ? sum(
                  config.probes
                    .filter((probe) => probe.site === cycle.site)
                    .map((probe) => a('samplesPerProbeResult') * Math.max(1, Math.ceil(windowMs / probe.intervalMs))),
                )
              : usage.agents.filter((agent) => agent.sites.includes(cycle.site)).length *
                (seriesPerAgent ?? a('agentSeries')) *
                Math.max(1, Math.ceil(windowMs / (a('agentPushIntervalSeconds') * 1000))),
          ),
        );
        return perCycle * cycle.invocationsPerMonth;
      }),
    );
    const WEEK_MS = 7 * 86_400_000;
    // A report reads success and duration over the week and the certificate over the day, per probe.
    const reportQsp = sum(
      usage.reports.map(
        (r) =>
          r.runsPerMonth *
          sum(r.probeIntervalsMs.map((ms) => 2 * Math.ceil(WEEK_MS / ms) + Math.ceil(WEEK_MS / 7 / ms))),
      ),
    );
    return [
      item(
        'amp.ingest',
        samples,
        `${formatCount(probeResults)} probe results × ${a('samplesPerProbeResult')} series, ${formatCount(metricSamples)} agent samples, ALERTS samples`,
      ),
      item(
        'amp.storage',
        storedGb,
        `${a('ampStoredBytesPerSample')} bytes per sample for ${usage.ampRetentionDays} days (steady state)`,
      ),
      item(
        'amp.query',
        qsp + reportQsp,
        'upper bound: each cycle query reads every series of its table at the site over the longest window' +
          (reportQsp > 0 ? '; each daily report a week of its probes’ results' : ''),
      ),
      ...ampAssetItems(),
    ];
  }

  /** The assets' share of the Timestream bill: tag events in `tags`, answers in `metrics`, the day runs' reads. */
  function timestreamAssetItems(): LineItem[] {
    if (assetTags === 0) return [];
    // Tag events and answers as records of about a metric sample's size, in full requests.
    const units =
      writeUnits(tagEvents, a('timestreamWriteBytesPerSample')) +
      writeUnits(answerSamples, a('timestreamWriteBytesPerSample'));
    const stored = (tagEvents + answerSamples) * a('timestreamStoredBytesPerSample');
    const memoryGb = (stored * (usage.timestreamMemoryRetentionMs / monthMs)) / GB;
    const magneticGb = (stored * (usage.timestreamMagneticRetentionMs / monthMs)) / GB;
    const daySeconds = Math.max(a('timestreamMinimumBilledSeconds'), a('assetsDaySeconds'));
    return [
      item(
        'timestream.writes',
        units,
        `assets: ${formatCount(tagEvents)} tag events into the tags table, ${formatCount(answerSamples)} answer samples into metrics`,
      ),
      item('timestream.memory', memoryGb * hoursPerMonth, `assets: ${formatGb(memoryGb)} of tag events and answers`),
      item('timestream.magnetic', magneticGb, `assets: ${formatGb(magneticGb)} of tag events and answers`),
      item(
        'timestream.query',
        (assetsDayRuns * a('timestreamMinimumTcu') * daySeconds) / 3600,
        `assets: ${formatCount(assetsDayRuns)} day runs reading a day of tag events, ${a('timestreamMinimumTcu')} TCUs for ${daySeconds} s each`,
      ),
    ];
  }

  /** The assets' share of the AMP bill: tag-event and answer samples, and the day runs' reads. */
  function ampAssetItems(): LineItem[] {
    if (assetTags === 0) return [];
    const samples = tagEvents * a('tagSamplesPerEvent') + answerSamples;
    const retentionMonths = (usage.ampRetentionDays * 86_400_000) / monthMs;
    // Each day run reads the zone samples of a day (and missing_after) of every tag.
    const perDayRun = (assetTags * 86_400) / a('tagReportSeconds');
    return [
      item(
        'amp.ingest',
        samples,
        `assets: ${formatCount(tagEvents)} tag events × ${a('tagSamplesPerEvent')} samples, ${formatCount(answerSamples)} answer samples`,
      ),
      item(
        'amp.storage',
        (samples * retentionMonths * a('ampStoredBytesPerSample')) / GB,
        `assets: ${a('ampStoredBytesPerSample')} bytes per sample for ${usage.ampRetentionDays} days`,
      ),
      item(
        'amp.query',
        assetsDayRuns * perDayRun,
        `assets: ${formatCount(assetsDayRuns)} day runs × ${formatCount(perDayRun)} zone samples`,
      ),
    ];
  }

  const totals = Object.fromEntries(
    STORE_BACKENDS.map((backend) => {
      const items = [...common, ...stores[backend]];
      const usd = sum(items.map((i) => i.usd));
      return [
        backend,
        { usd, usdAfterFreeTiers: sum(items.map((i) => i.usdAfterFreeTier)), meetsGoal: usd < COST_GOAL_USD },
      ];
    }),
  ) as Record<StoreBackend, BackendTotal>;

  return {
    region: PRICE_REGION,
    pricesReadOn: PRICES_READ_ON,
    hoursPerMonth,
    configuredBackend: usage.backend,
    usage: summarise(usage, {
      agentPushes,
      metricSamples,
      probeResults,
      events,
      assetSchedules: config.assets === undefined ? 0 : 2,
    }),
    common,
    stores,
    totals,
    goalUsd: COST_GOAL_USD,
    synthetics: item(
      'synthetics.run',
      usage.cloudProbeRunsPerMonth,
      `one canary run per cloud probe run: ${usage.cloudProbes} probes`,
    ),
  };
}

function summarise(
  usage: DeploymentUsage,
  volumes: {
    agentPushes: number;
    metricSamples: number;
    probeResults: number;
    events: number;
    assetSchedules: number;
  },
): UsageSummary {
  return {
    sites: usage.sites.length,
    cloudProbes: usage.cloudProbes,
    probeSchedules: usage.probeSchedules.length,
    cloudProbeRunsPerMonth: usage.cloudProbeRunsPerMonth,
    agents: usage.agents.length,
    agentPushesPerMonth: volumes.agentPushes,
    metricSamplesPerMonth: volumes.metricSamples,
    probeResultsPerMonth: volumes.probeResults,
    ruleCycles: usage.ruleCycles.length,
    escalationSchedules: 1,
    assetSchedules: volumes.assetSchedules,
    rules: sum(usage.ruleCycles.map((c) => c.rules)),
    channels: usage.channels.length,
    reports: usage.reports.length,
    alertEventsPerMonth: volumes.events,
    secrets: usage.secrets,
  };
}

function item(priceId: PriceId, quantity: number, basis: string): LineItem {
  return {
    service: PRICES[priceId].service,
    item: PRICES[priceId].item,
    quantity,
    unit: PRICES[priceId].unit,
    priceId,
    usd: costOf(priceId, quantity),
    usdAfterFreeTier: costOf(priceId, Math.max(0, quantity - permanentAllowance(priceId))),
    basis,
  };
}

/** Write units of `records` records written in requests of at most 100, each metered in 1 KiB units. */
export function writeUnits(records: number, bytesPerRecord: number): number {
  const full = Math.floor(records / 100);
  const rest = records - full * 100;
  return full * Math.ceil((100 * bytesPerRecord) / 1024) + Math.ceil((rest * bytesPerRecord) / 1024);
}

function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function formatGb(gb: number): string {
  return `${gb.toFixed(2)} GB`;
}

/**
 * What the estimate cannot read from the config: how much each agent sends, how long functions run,
 * how many alerts a month brings, how records are sized. Each value says whether it was measured
 * (and where: the README's Performance section), taken from the stack's code, or assumed; `pflow
 * cost` prints them all beside the estimate so a reader can disagree with one and see what it moves.
 */

export type AssumptionBasis = 'measured' | 'stack' | 'assumed';

export interface Assumption {
  readonly value: number;
  readonly unit: string;
  readonly basis: AssumptionBasis;
  readonly why: string;
}

export const ASSUMPTION_KEYS = [
  'hoursPerMonth',
  'agentSeries',
  'agentPushIntervalSeconds',
  'agentBytesPerSeries',
  'probesPerSchedule',
  'probeConcurrency',
  'probeMemoryMb',
  'probeWaveSeconds',
  'probeOverheadSeconds',
  'ruleMemoryMb',
  'ruleSeconds',
  'deliverMemoryMb',
  'deliverSeconds',
  'metaAlarmMemoryMb',
  'ingestMemoryMb',
  'ingestSeconds',
  'authorizerMemoryMb',
  'reportMemoryMb',
  'reportSeconds',
  'authorizerSeconds',
  'authorizerCacheSeconds',
  'collectMemoryMb',
  'collectSeconds',
  'escalateMemoryMb',
  'escalateSeconds',
  'lifecycleApiMemoryMb',
  'lifecycleApiSeconds',
  'lifecycleApiRequestsPerMonth',
  'alertEventsPerMonth',
  'alarmStateChangesPerMonth',
  'rareCountHoursPerMonth',
  'openAlertInstances',
  'alertStateItemBytes',
  'samplesPerProbeResult',
  'timestreamWriteBytesPerProbeResult',
  'timestreamWriteBytesPerSample',
  'timestreamStoredBytesPerProbeResult',
  'timestreamStoredBytesPerSample',
  'timestreamQuerySeconds',
  'timestreamMinimumTcu',
  'timestreamMinimumBilledSeconds',
  'ampStoredBytesPerSample',
  'sqsPollersPerQueue',
  'sqsLongPollSeconds',
  'logBytesPerInvocation',
  'secretCacheMinutes',
  'kmsKeys',
  'kmsDataKeyReuseMinutes',
  'sqsDataKeyReuseMinutes',
  'rtlsTags',
  'tagReportSeconds',
  'tagZoneChangesPerHour',
  'assetsMemoryMb',
  'assetsNowSeconds',
  'assetsDaySeconds',
  'tagSamplesPerEvent',
] as const;
export type AssumptionKey = (typeof ASSUMPTION_KEYS)[number];
export type CostAssumptions = Readonly<Record<AssumptionKey, Assumption>>;

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  hoursPerMonth: {
    value: 730,
    unit: 'hours',
    basis: 'assumed',
    why: 'the month AWS prices by: 730 h = 43,800 minutes',
  },
  agentSeries: {
    value: 2_000,
    unit: 'series per agent',
    basis: 'assumed',
    why: "what each agent scrapes and pushes (the config does not list an agent's scrape targets)",
  },
  agentPushIntervalSeconds: {
    value: 60,
    unit: 's',
    basis: 'assumed',
    why: 'each agent pushes one sample per series, and its probe results, every 60 s',
  },
  agentBytesPerSeries: {
    value: 150,
    unit: 'bytes',
    basis: 'assumed',
    why: 'one series in a push request (name, labels, value): sizes the 512 KB API Gateway units',
  },
  probesPerSchedule: {
    value: 50,
    unit: 'probes',
    basis: 'stack',
    why: 'lib/probes.ts PROBES_PER_SCHEDULE: a (site, interval) group is split into schedules of 50',
  },
  probeConcurrency: {
    value: 64,
    unit: 'probes in flight',
    basis: 'stack',
    why: 'the probe function runs its probes at bounded concurrency 64',
  },
  probeMemoryMb: {
    value: 512,
    unit: 'MB',
    basis: 'stack',
    why: 'lib/probes.ts; measured peak RSS 157 MB for 500 targets (README, Lambda functions)',
  },
  probeWaveSeconds: {
    value: 1,
    unit: 's',
    basis: 'assumed',
    why: 'one wave of up to 64 real endpoints; measured 2.7 s for 8 waves on loopback (README), real targets are slower',
  },
  probeOverheadSeconds: {
    value: 0.5,
    unit: 's',
    basis: 'assumed',
    why: 'per probe invocation: reading the config and writing the batched results',
  },
  ruleMemoryMb: {
    value: 512,
    unit: 'MB',
    basis: 'stack',
    why: 'lib/rules.ts; measured peak RSS 199–220 MB for a 50-rule group reading agent series (README, Lambda functions)',
  },
  ruleSeconds: {
    value: 1,
    unit: 's',
    basis: 'assumed',
    why: 'one rule cycle: one query per table, one state query for the group, publishing',
  },
  deliverMemoryMb: { value: 256, unit: 'MB', basis: 'stack', why: 'lib/notifications.ts' },
  deliverSeconds: { value: 1, unit: 's', basis: 'assumed', why: 'one notification: log claim, send, log record' },
  metaAlarmMemoryMb: { value: 256, unit: 'MB', basis: 'stack', why: 'lib/meta-monitoring.ts' },
  reportMemoryMb: { value: 1024, unit: 'MB', basis: 'stack', why: 'lib/reports.ts' },
  reportSeconds: {
    value: 30,
    unit: 's',
    basis: 'assumed',
    why: "one daily report: a week of every probe's results at the site read from the metric store and summed",
  },
  ingestMemoryMb: {
    value: 512,
    unit: 'MB',
    basis: 'stack',
    why: 'lib/ingest-api.ts; the largest batch allowed peaks near 235 MB RSS',
  },
  ingestSeconds: {
    value: 0.5,
    unit: 's',
    basis: 'assumed',
    why: 'one agent push: validate, write the samples to the metric store',
  },
  authorizerMemoryMb: { value: 256, unit: 'MB', basis: 'stack', why: 'lib/ingest-api.ts (the token authorizer)' },
  authorizerSeconds: { value: 0.05, unit: 's', basis: 'assumed', why: 'one token check' },
  authorizerCacheSeconds: {
    value: 300,
    unit: 's',
    basis: 'assumed',
    why: "HTTP API caches the authorizer's answer per token: one call per agent per 5 minutes",
  },
  collectMemoryMb: { value: 512, unit: 'MB', basis: 'stack', why: 'lib/collect.ts (pull mode)' },
  collectSeconds: {
    value: 2,
    unit: 's',
    basis: 'assumed',
    why: 'one pull run: VPC network interface already warm, one interval of batches pulled, ledger checks and writes',
  },
  escalateMemoryMb: { value: 256, unit: 'MB', basis: 'stack', why: 'lib/lifecycle.ts' },
  escalateSeconds: {
    value: 0.3,
    unit: 's',
    basis: 'assumed',
    why: 'one escalation sweep a minute: scan the open alert states, read acknowledgements and silences',
  },
  lifecycleApiMemoryMb: { value: 256, unit: 'MB', basis: 'stack', why: 'lib/lifecycle.ts' },
  lifecycleApiSeconds: {
    value: 0.3,
    unit: 's',
    basis: 'assumed',
    why: 'one request: read the alert states, record or list, publish an update',
  },
  lifecycleApiRequestsPerMonth: {
    value: 2_000,
    unit: 'requests',
    basis: 'assumed',
    why: 'acknowledge links opened and confirmed, acks, silences and their listings',
  },
  alertEventsPerMonth: {
    value: 3_000,
    unit: 'events',
    basis: 'assumed',
    why: 'firing, resolved and repeat events of the whole deployment: about 100 a day',
  },
  alarmStateChangesPerMonth: {
    value: 20,
    unit: 'changes',
    basis: 'assumed',
    why: 'meta-monitoring alarms going to ALARM and back',
  },
  rareCountHoursPerMonth: {
    value: 10,
    unit: 'hours',
    basis: 'assumed',
    why: 'hours a month in which each failure or rare count (retries, dead letters, failed queries, conflicts, cut probes, refusals, escalations told) is not zero: the functions send those only then, and CloudWatch bills a metric only for the hours it is sent',
  },
  openAlertInstances: {
    value: 20,
    unit: 'instances',
    basis: 'assumed',
    why: 'alert instances not ok at any time: only those are written each cycle (ok ones are not stored)',
  },
  alertStateItemBytes: {
    value: 800,
    unit: 'bytes',
    basis: 'assumed',
    why: "an alert-state item as DynamoDB meters it (keys, plain attributes and the instance JSON with six labels and an escalation: 775 bytes worked out): a rule cycle reads its group's open instances in one consistent Query, one read unit per 4 KB",
  },
  samplesPerProbeResult: {
    value: 10,
    unit: 'samples',
    basis: 'stack',
    why: 'an https result as Prometheus series: success, duration, 5 phases, status, cert expiry, TLS version',
  },
  timestreamWriteBytesPerProbeResult: {
    value: 250,
    unit: 'bytes',
    basis: 'assumed',
    why: 'a multi-measure probe record with the shared dimensions hoisted into CommonAttributes',
  },
  timestreamWriteBytesPerSample: {
    value: 60,
    unit: 'bytes',
    basis: 'assumed',
    why: 'a metric record with the shared dimensions hoisted (metering: sum of a request in 1 KiB units)',
  },
  timestreamStoredBytesPerProbeResult: {
    value: 1_300,
    unit: 'bytes',
    basis: 'assumed',
    why: 'stored per measure: timestamp, dimensions, name, value, for about 12 measures',
  },
  timestreamStoredBytesPerSample: {
    value: 140,
    unit: 'bytes',
    basis: 'assumed',
    why: 'timestamp, about 100 bytes of labels, name, value',
  },
  timestreamQuerySeconds: {
    value: 2,
    unit: 's',
    basis: 'assumed',
    why: "one cycle's query of a table",
  },
  timestreamMinimumTcu: {
    value: 4,
    unit: 'TCU',
    basis: 'stack',
    why: 'the least MaxQueryTCU a query runs with (Timestream docs, TCU page)',
  },
  timestreamMinimumBilledSeconds: {
    value: 30,
    unit: 's',
    basis: 'assumed',
    why: 'TCUs bill per second with a 30 s minimum (TCU page); assumed: the minimum 4 TCUs are held at least 30 s in every minute with a query',
  },
  ampStoredBytesPerSample: {
    value: 2,
    unit: 'bytes',
    basis: 'assumed',
    why: 'AMP: "typically 1 or 2 bytes" per sample plus metadata (pricing page)',
  },
  sqsPollersPerQueue: {
    value: 5,
    unit: 'pollers',
    basis: 'assumed',
    why: "Lambda's SQS event source long-polls each queue with several pollers even when it is empty",
  },
  sqsLongPollSeconds: { value: 20, unit: 's', basis: 'assumed', why: 'one empty receive per poller per 20 s' },
  logBytesPerInvocation: {
    value: 2_048,
    unit: 'bytes',
    basis: 'assumed',
    why: 'JSON log lines, the EMF metrics line and START/END/REPORT of one invocation',
  },
  secretCacheMinutes: {
    value: 15,
    unit: 'minutes',
    basis: 'stack',
    why: 'src/adapters/aws/secrets-manager.ts SECRET_MAX_AGE_SECONDS: each warm function re-reads its secrets every 15 minutes (Powertools Parameters cache)',
  },
  kmsKeys: {
    value: 1,
    unit: 'keys',
    basis: 'stack',
    why: 'lib/deployment-key.ts: one customer managed key for logs, queues, topics, tables, secrets and the metric store',
  },
  kmsDataKeyReuseMinutes: {
    value: 5,
    unit: 'minutes',
    basis: 'assumed',
    why: 'SNS and the stores ask KMS for a data key about every 5 minutes per topic or store',
  },
  sqsDataKeyReuseMinutes: {
    value: 60,
    unit: 'minutes',
    basis: 'stack',
    why: 'lib/deployment-key.ts QUEUE_DATA_KEY_REUSE: every queue reuses a data key for an hour (SQS default 5 minutes)',
  },

  rtlsTags: {
    value: 1_000,
    unit: 'tags',
    basis: 'assumed',
    why: "RF-ID tags reporting, all sites (with assets: only); the config's assets count when they are more, CSV imports are not in the config",
  },
  tagReportSeconds: {
    value: 60,
    unit: 's',
    basis: 'assumed',
    why: 'how often a tag reports (moving tags more often, tags at rest less); the agent sends them in its pushes',
  },
  tagZoneChangesPerHour: {
    value: 2,
    unit: 'moves per tag per hour',
    basis: 'assumed',
    why: 'zone changes (and battery bands, buttons) per tag: each rewrites its location item; assets rest most of the day, patient tags move more',
  },
  assetsMemoryMb: { value: 1024, unit: 'MB', basis: 'stack', why: 'lib/assets.ts' },
  assetsNowSeconds: {
    value: 1,
    unit: 's',
    basis: 'assumed',
    why: "the asset function's minute run: one location-table Query per site and the answers for every asset",
  },
  assetsDaySeconds: {
    value: 20,
    unit: 's',
    basis: 'assumed',
    why: 'its 15-minute run: a day of tag history (about 1.4 million readings at 1,000 tags reporting every minute) sorted into visits',
  },
  tagSamplesPerEvent: {
    value: 2,
    unit: 'samples',
    basis: 'assumed',
    why: 'AMP: a tag event is a pflow_tag_zone sample and, when it carries one, a battery sample (upper bound: every event does)',
  },
};

/** Defaults with some values replaced (tests, and a reader checking what one assumption moves). */
export function withAssumptions(changes: Partial<Record<AssumptionKey, number>>): CostAssumptions {
  const result = { ...DEFAULT_ASSUMPTIONS } as Record<AssumptionKey, Assumption>;
  for (const [key, value] of Object.entries(changes) as [AssumptionKey, number][]) {
    const prior = DEFAULT_ASSUMPTIONS[key];
    if (value !== prior.value) {
      result[key] = { ...prior, value, basis: 'assumed', why: `replaced (default ${prior.value}): ${prior.why}` };
    }
  }
  return result;
}

/**
 * `--assume KEY=VALUE` arguments as changes for withAssumptions, or every problem with them (an
 * unknown key, a value that is not a non-negative number), one line each.
 */
export function parseAssumptionArgs(
  args: readonly string[],
): { readonly changes: Partial<Record<AssumptionKey, number>> } | { readonly errors: readonly string[] } {
  const changes: Partial<Record<AssumptionKey, number>> = {};
  const errors: string[] = [];
  for (const arg of args) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(arg);
    const key = match?.[1];
    if (!match || !(ASSUMPTION_KEYS as readonly string[]).includes(key!)) {
      errors.push(`--assume ${arg}: expected KEY=NUMBER with KEY one of ${ASSUMPTION_KEYS.join(', ')}`);
      continue;
    }
    const value = Number(match[2]);
    if (match[2]!.trim() === '' || !Number.isFinite(value) || value < 0) {
      errors.push(`--assume ${arg}: ${key} must be a number, 0 or more`);
      continue;
    }
    changes[key as AssumptionKey] = value;
  }
  return errors.length > 0 ? { errors } : { changes };
}

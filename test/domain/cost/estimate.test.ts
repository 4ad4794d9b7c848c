import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigForDeployment } from '../../../src/domain/config/deploy.js';
import { DEFAULT_ASSUMPTIONS, parseAssumptionArgs, withAssumptions } from '../../../src/domain/cost/assumptions.js';
import { estimateCost, writeUnits, type CostEstimate, type LineItem } from '../../../src/domain/cost/estimate.js';
import type { PriceId } from '../../../src/domain/cost/prices.js';
import { hoursWithEvents } from '../../../src/domain/cost/custom-metrics.js';

// Figures below are worked by hand with a 730-hour month: 43,800 minutes, 2,628,000 seconds.

function estimate(yaml: string, changes: Parameters<typeof withAssumptions>[0] = {}): CostEstimate {
  const deployment = parseConfigForDeployment(yaml, 'test.yaml');
  return estimateCost(deployment.config, deployment.secretNames, withAssumptions(changes));
}

function line(e: CostEstimate, id: PriceId): LineItem {
  const found = [...e.common, ...e.stores.amp, ...e.stores.timestream, e.synthetics].find((i) => i.priceId === id);
  if (!found) throw new Error(`no line ${id}`);
  return found;
}

const header = ['version: 1', 'defaults: { probe_interval: 1m, evaluation_interval: 1m }', 'sites: [{ id: s1 }]'];
const oneProbe = (interval = '1m') => [
  ...header,
  `probes: [{ id: p1, site: s1, kind: http, target: 'https://a.example/', interval: ${interval} }]`,
];
const noEvents = { alertEventsPerMonth: 0, alarmStateChangesPerMonth: 0, lifecycleApiRequestsPerMonth: 0 };
/** The escalation function's schedule: every minute in every stack, 0.3 s at 256 MB (3,285 GB-s). */
const ESCALATIONS = 43_800;
const ESCALATION_GB_S = 43_800 * 0.3 * 0.25;

describe('pflow cost: usage derived from the config', () => {
  it('one cloud probe every minute is 43,800 invocations, scheduler runs and canary runs a month', () => {
    const e = estimate(oneProbe().join('\n'), noEvents);
    expect(line(e, 'scheduler.invocations').quantity).toBe(43_800 + ESCALATIONS);
    expect(line(e, 'lambda.requests').quantity).toBe(43_800 + ESCALATIONS);
    // 1 wave × 1 s + 0.5 s overhead at 512 MB: 43,800 × 1.5 × 0.5 = 32,850 GB-s.
    expect(line(e, 'lambda.arm64.duration').quantity).toBeCloseTo(32_850 + ESCALATION_GB_S, 6);
    expect(line(e, 'lambda.arm64.duration').usd).toBeCloseTo((32_850 + ESCALATION_GB_S) * 0.0000133334, 10);
    expect(line(e, 'synthetics.run').quantity).toBe(43_800);
    expect(line(e, 'synthetics.run').usd).toBeCloseTo(52.56, 10);
    // The 100 free canary runs: (43,800 − 100) × $0.0012.
    expect(line(e, 'synthetics.run').usdAfterFreeTier).toBeCloseTo(52.44, 10);
  });

  it('custom metrics: the probe counts every hour, the failure counts only their assumed hours', () => {
    const e = estimate(oneProbe().join('\n'), noEvents);
    // ProbesRun and ProbesFailed all month; ProbesCut, RecordsRejected, the escalation function's
    // two and the lifecycle API's errors 10 hours each (rareCountHoursPerMonth).
    expect(line(e, 'cloudwatch.metric').quantity).toBeCloseTo(2 + (5 * 10) / 730, 10);
    expect(
      line(estimate(oneProbe().join('\n'), { ...noEvents, rareCountHoursPerMonth: 0 }), 'cloudwatch.metric').quantity,
    ).toBe(2);
  });

  it('a 2-minute probe runs half as often; 51 probes of one interval need two schedules', () => {
    expect(line(estimate(oneProbe('2m').join('\n'), noEvents), 'scheduler.invocations').quantity).toBe(
      21_900 + ESCALATIONS,
    );
    const many = [
      ...header,
      'probes:',
      ...Array.from({ length: 51 }, (_, i) => `  - { id: p${i}, site: s1, kind: http, target: 'https://a.example/' }`),
    ].join('\n');
    const e = estimate(many, noEvents);
    expect(e.usage.probeSchedules).toBe(2);
    expect(line(e, 'scheduler.invocations').quantity).toBe(87_600 + ESCALATIONS);
    expect(line(e, 'synthetics.run').quantity).toBe(51 * 43_800);
  });

  it('prices the probe results in both metric stores', () => {
    const e = estimate(oneProbe().join('\n'), noEvents);
    // AMP: 10 series per result.
    expect(line(e, 'amp.ingest').quantity).toBe(438_000);
    expect(line(e, 'amp.ingest').usd).toBeCloseTo(0.03942, 10);
    // Timestream: one 250-byte record per request: one 1 KiB unit.
    expect(line(e, 'timestream.writes').quantity).toBe(43_800);
    expect(line(e, 'timestream.writes').usd).toBeCloseTo(0.0219, 10);
    // 43,800 × 1,300 bytes a month, a day (24 h of 730 h) of it in memory, all month.
    const memoryGb = (43_800 * 1_300 * (24 / 730)) / 2 ** 30;
    expect(line(e, 'timestream.memory').quantity).toBeCloseTo(memoryGb * 730, 9);
    // No rules: no queries.
    expect(line(e, 'timestream.query').quantity).toBe(0);
    expect(line(e, 'amp.query').quantity).toBe(0);
  });

  it('an agent pushes every 60 s: API Gateway requests, ingest invocations and its samples', () => {
    const yaml = [
      ...header,
      "probes: [{ id: p1, site: s1, kind: tcp, target: 'db.local:5432', interval: 15s, runs_on: 'agent:ward-a' }]",
    ].join('\n');
    const e = estimate(yaml, noEvents);
    expect(e.usage.agents).toBe(1);
    expect(e.usage.cloudProbes).toBe(0);
    expect(line(e, 'apigateway.http').quantity).toBe(43_800);
    expect(e.usage.metricSamplesPerMonth).toBe(43_800 * 2_000);
    // 2,000 series + 4 probe results a minute (15 s) × 10 series = 2,040 samples a push.
    expect(line(e, 'amp.ingest').quantity).toBe(43_800 * 2_040);
    // 2,000 samples = 20 requests × ceil(100 × 60 / 1024) = 6 units; 4 probe results = 1 unit.
    expect(line(e, 'timestream.writes').quantity).toBe(43_800 * 121);
    // No cloud probe: no probe schedule (the escalation schedule only), no canary.
    expect(line(e, 'scheduler.invocations').quantity).toBe(ESCALATIONS);
    expect(line(e, 'synthetics.run').quantity).toBe(0);
  });

  it('a config with assets: prices the tag location puts, on moves and once per lastSeen refresh', () => {
    const withAssets = [
      ...oneProbe(),
      'assets:',
      '  zones: [{ id: z1, site: s1, kind: storage }]',
      '  items: [{ id: a1, site: s1, tag: T-1, type: infusion-pump }]',
    ].join('\n');
    const tagLine = (e: CostEstimate) => e.common.find((i) => i.basis.startsWith('tag locations'));
    // 1,000 tags (assumed), 2 moves an hour each (730 h: 1,460) and "still here" every 300 s (a
    // quarter of the default 30 min missing_after, at most 5 min: 2,628,000 / 300 = 8,760):
    // 1,000 × 10,220 = 10.22 M puts, not one per tag per push (43.8 M).
    const e = estimate(withAssets, noEvents);
    expect(tagLine(e)).toMatchObject({ priceId: 'dynamodb.writes', quantity: 10_220_000 });
    expect(tagLine(e)!.usd).toBeCloseTo(6.3875, 10);
    // How often tags report or agents push does not move it while pushes are more frequent than the refresh.
    expect(tagLine(estimate(withAssets, { ...noEvents, tagReportSeconds: 10 }))!.quantity).toBe(10_220_000);
    expect(
      tagLine(estimate(withAssets, { ...noEvents, tagReportSeconds: 10, agentPushIntervalSeconds: 30 }))!.quantity,
    ).toBe(10_220_000);
    // A shorter missing_after refreshes more often: 8 min → every 120 s (21,900) + 1,460 moves.
    const shortMissing = withAssets.replace('assets:', 'assets:\n  missing_after: 8m');
    expect(tagLine(estimate(shortMissing, noEvents))!.quantity).toBe(23_360_000);
    // Never more than one put per push: pushes every 10 min (4,380 a month) cap the 2 moves an hour.
    expect(tagLine(estimate(withAssets, { ...noEvents, agentPushIntervalSeconds: 600 }))!.quantity).toBe(4_380_000);
    expect(tagLine(estimate(withAssets, { ...noEvents, rtlsTags: 10 }))!.quantity).toBe(102_200);
    expect(tagLine(estimate(withAssets, { ...noEvents, tagZoneChangesPerHour: 0 }))!.quantity).toBe(8_760_000);
    expect(tagLine(estimate(oneProbe().join('\n'), noEvents))).toBeUndefined();
  });

  it('prices the on-call reads: each oncall:<team> of a channel per message, each team’s schedule copy every minute', () => {
    const channels = (to: string) => [
      ...oneProbe(),
      'channels:',
      `  - { id: mail, kind: email, email: { from: a@h.example, to: [${to}], host: relay.h.example } }`,
      'routes: [{ channels: [mail] }]',
      'oncall:',
      '  - { team: ward-it, timezone: UTC, rotation: daily, handover: "09:00", start: 2026-01-01, members: [{ name: Ana, email: ana@h.example }] }',
      '  - { team: lab-it, timezone: UTC, rotation: daily, handover: "09:00", start: 2026-01-01, members: [{ name: Bo, email: bo@h.example }] }',
    ];
    const events = { ...noEvents, alertEventsPerMonth: 1_000 };
    const plain = line(estimate(channels('desk@h.example').join('\n'), events), 'dynamodb.reads').quantity;
    const oncall = line(estimate(channels('"oncall:ward-it", "oncall:lab-it"').join('\n'), events), 'dynamodb.reads');
    // 1,000 messages × 2 teams, and 2 teams × 43,800 sweeps; the plain config pays only the sweeps.
    expect(oncall.quantity - plain).toBe(2 * 1_000);
    expect(plain - line(estimate(oneProbe().join('\n'), events), 'dynamodb.reads').quantity).toBe(
      2 * ESCALATIONS + 1_000,
    );
    expect(oncall.basis).toContain('on-call overrides per team per message');
  });

  it('a config with assets: prices the asset function, its schedules, and the tag events and answers in both stores', () => {
    const withAssets = [
      ...oneProbe(),
      'assets:',
      '  zones: [{ id: z1, site: s1, kind: storage }]',
      '  items: [{ id: a1, site: s1, tag: T-1, type: infusion-pump }]',
      '  par_levels: [{ site: s1, zone: z1, type: infusion-pump, min: 1 }]',
    ].join('\n');
    const e = estimate(withAssets, noEvents);
    const plain = estimate(oneProbe().join('\n'), noEvents);
    // Every minute (43,800) and every 15 minutes (2,920), at 1 s and 20 s on 1 GB.
    expect(line(e, 'lambda.requests').quantity - line(plain, 'lambda.requests').quantity).toBe(46_720);
    expect(line(e, 'lambda.arm64.duration').quantity - line(plain, 'lambda.arm64.duration').quantity).toBeCloseTo(
      43_800 + 2_920 * 20,
      6,
    );
    expect(line(e, 'scheduler.invocations').quantity - line(plain, 'scheduler.invocations').quantity).toBe(46_720);
    // 1,000 tags reporting every 60 s: 43.8 M events; answers: (2 × 1,000 + 3 × 1 par level) × 43,800 + 1,000 × 2,920.
    const answers = 2_003 * 43_800 + 1_000 * 2_920;
    const assetsLine = (items: readonly LineItem[], id: PriceId) =>
      items.find((i) => i.priceId === id && i.basis.startsWith('assets:'))!;
    expect(assetsLine(e.stores.amp, 'amp.ingest').quantity).toBe(43_800_000 * 2 + answers);
    // Each day run reads a day of every tag's zone samples: 1,440 × 1,000.
    expect(assetsLine(e.stores.amp, 'amp.query').quantity).toBe(2_920 * 1_440_000);
    expect(assetsLine(e.stores.timestream, 'timestream.writes').quantity).toBe(
      writeUnits(43_800_000, 60) + writeUnits(answers, 60),
    );
    // Each day run keeps 4 TCUs busy for 30 s at least (20 s assumed, 30 s billed).
    expect(assetsLine(e.stores.timestream, 'timestream.query').quantity).toBeCloseTo((2_920 * 4 * 30) / 3600, 6);
    expect(plain.stores.amp.some((i) => i.basis.startsWith('assets:'))).toBe(false);
  });

  it('a rule group queries each table once per cycle and reads its states with one query', () => {
    const yaml = [
      ...oneProbe(),
      'rule_groups:',
      '  - name: g',
      '    rules:',
      "      - { id: r1, measure: success, window: 3m, threshold: { op: '<', value: 1 } }",
      "      - { id: r2, measure: duration_ms, window: 5m, threshold: { op: '>', value: 100 } }",
      'channels: [{ id: c1, kind: console }]',
      'routes: [{ channels: [c1] }]',
    ].join('\n');
    const e = estimate(yaml, { ...noEvents, alertEventsPerMonth: 1_000, openAlertInstances: 2 });
    expect(line(e, 'scheduler.invocations').quantity).toBe(2 * 43_800 + ESCALATIONS);
    // One state query (1 RRU) × 43,800 cycles + one log read per delivery (1,000 events × 1 channel)
    // + silences and acknowledgements per cycle (2 × 43,800) + the escalation sweep's three reads a minute.
    expect(line(e, 'dynamodb.reads').quantity).toBe(43_800 + 1_000 + 2 * 43_800 + 3 * ESCALATIONS);
    // 2 open instances × 43,800 cycles + claim and record per delivery + each event kept for the report (2 KB).
    expect(line(e, 'dynamodb.writes').quantity).toBe(87_600 + 2_000 + 2_000);
    // The 4-TCU minimum for 30 s in each of 43,800 minutes: 1,460 TCU-hours.
    expect(line(e, 'timestream.query').quantity).toBeCloseTo(1_460, 9);
    // AMP: one probe × 10 series × 5 samples (5m window at 1m) per cycle.
    expect(line(e, 'amp.query').quantity).toBe(50 * 43_800);
    // SNS: one publish per event.
    expect(line(e, 'sns.publish').quantity).toBe(1_000);
  });

  it("reads a group's states in one query whatever its rule count, one read unit per 4 KB of open instances", () => {
    const group = (rules: number) =>
      [
        ...oneProbe(),
        'rule_groups:',
        '  - name: g',
        '    rules:',
        ...Array.from(
          { length: rules },
          (_, i) => `      - { id: r${i}, measure: success, window: 3m, threshold: { op: '<', value: 1 } }`,
        ),
      ].join('\n');
    const stateReads = (rules: number, changes: Parameters<typeof withAssumptions>[0] = {}) =>
      line(estimate(group(rules), { ...noEvents, ...changes }), 'dynamodb.reads').quantity -
      (2 * 43_800 + 3 * ESCALATIONS);
    // 50 rules cost what 1 rule costs: one Query a cycle.
    expect(stateReads(50)).toBe(stateReads(1));
    expect(stateReads(50, { openAlertInstances: 5 })).toBe(43_800);
    // 20 × 800 bytes = 16,000 bytes: 4 read units per cycle.
    expect(stateReads(50, { openAlertInstances: 20 })).toBe(4 * 43_800);
    expect(stateReads(50, { openAlertInstances: 0 })).toBe(43_800); // an empty Query still costs one
    expect(line(estimate(group(50), noEvents), 'dynamodb.reads').basis).toContain(
      'one consistent state query per rule group per cycle (4 RRU: its share of 20 open instances, 800 bytes each)',
    );
  });

  it('counts the agent hold-back query of each cycle when the config has agent-silent rules', () => {
    const reference = readFileSync(join(import.meta.dirname, '../../../config/reference-site.yaml'), 'utf8');
    const e = estimate(reference, noEvents);
    const reads = line(e, 'dynamodb.reads');
    // 4 rule schedules every minute at one site; 20 open instances spread over them: 5 × 800 bytes,
    // one read unit; and one more Query each for the agent-silent rules' instances.
    const cycles = 4 * 43_800;
    // No events, no reports, no on-call: the rest is silences and acknowledgements per cycle and the sweep.
    expect(reads.quantity).toBe(cycles * (1 + 1) + 2 * cycles + 3 * ESCALATIONS);
    expect(reads.basis).toContain('and one for the agent hold-back');
  });

  it('counts ${NAME} secrets and keeps prices of the free tiers apart', () => {
    const yaml = [
      ...oneProbe(),
      'channels: [{ id: s, kind: slack, slack: { url: "${SLACK_URL}" } }]',
      'routes: [{ channels: [s] }]',
    ].join('\n');
    const e = estimate(yaml, noEvents);
    expect(line(e, 'secrets.secret').quantity).toBe(1);
    expect(line(e, 'secrets.secret').usd).toBeCloseTo(0.4, 10);
    // 43,800 Lambda requests are inside the permanent 1M: nothing after the free tier.
    expect(line(e, 'lambda.requests').usd).toBeGreaterThan(0);
    expect(line(e, 'lambda.requests').usdAfterFreeTier).toBe(0);
    for (const backend of ['amp', 'timestream'] as const) {
      expect(e.totals[backend].usdAfterFreeTiers).toBeLessThan(e.totals[backend].usd);
    }
  });

  it('counts a secret read only by the functions that use it, by its readers', () => {
    const yaml = [
      ...oneProbe(),
      'channels: [{ id: s, kind: slack, slack: { url: "${SLACK_URL}" } }, { id: t, kind: teams, teams: { url: "${TEAMS_URL}" } }]',
      'routes: [{ channels: [s, t] }]',
    ].join('\n');
    const deployment = parseConfigForDeployment(yaml, 'test.yaml');
    const changes = withAssumptions({ ...noEvents, alertEventsPerMonth: 1_000 });
    const everyone = estimateCost(deployment.config, deployment.secretNames, changes);
    const narrowed = estimateCost(deployment.config, deployment.secretNames, changes, {
      SLACK_URL: ['deliver:s'],
      TEAMS_URL: undefined,
    });
    // Read by every function: the 1 warm probe function every 15 min (2,920) and every delivery (2 × 1,000).
    expect(line(everyone, 'secrets.api').quantity).toBe(2 * (2_920 + 2_000));
    // The Slack URL only by its channel's deliver function, once per event it delivers.
    expect(line(narrowed, 'secrets.api').quantity).toBe(1_000 + (2_920 + 2_000));
    expect(line(narrowed, 'kms.requests').quantity).toBe(
      line(everyone, 'kms.requests').quantity - (2 * (2_920 + 2_000) - (1_000 + 2_920 + 2_000)),
    );
  });

  it('judges the $60 goal per backend on the total without free tiers', () => {
    const e = estimate(oneProbe().join('\n'));
    expect(e.goalUsd).toBe(60);
    expect(e.totals.amp.meetsGoal).toBe(e.totals.amp.usd < 60);
    expect(e.totals.timestream.meetsGoal).toBe(e.totals.timestream.usd < 60);
    // One rule-less probe: no Timestream queries, so both stay far under the goal.
    expect(e.totals.amp.meetsGoal).toBe(true);
  });

  it('meters Timestream writes per request of at most 100 records in 1 KiB units', () => {
    expect(writeUnits(1, 250)).toBe(1);
    expect(writeUnits(100, 60)).toBe(6);
    // 2 full requests × ceil(25,000 / 1024) = 25, and 50 records: ceil(12,500 / 1024) = 13.
    expect(writeUnits(250, 250)).toBe(63);
    expect(writeUnits(0, 250)).toBe(0);
  });

  it('every assumption says what it rests on', () => {
    for (const [key, assumption] of Object.entries(DEFAULT_ASSUMPTIONS)) {
      expect(assumption.why.length, key).toBeGreaterThan(10);
      expect(['measured', 'stack', 'assumed']).toContain(assumption.basis);
    }
    expect(DEFAULT_ASSUMPTIONS.hoursPerMonth.value).toBe(730);
  });
});

describe('pflow cost: replacing assumptions', () => {
  it('parses KEY=NUMBER arguments and marks a replaced value as assumed', () => {
    const parsed = parseAssumptionArgs(['probeMemoryMb=1024', 'alertEventsPerMonth=0']);
    expect(parsed).toEqual({ changes: { probeMemoryMb: 1024, alertEventsPerMonth: 0 } });
    const replaced = withAssumptions({ probeMemoryMb: 1024 });
    expect(replaced.probeMemoryMb).toMatchObject({ value: 1024, basis: 'assumed' });
    expect(replaced.probeMemoryMb.why).toMatch(/^replaced \(default 512\): /);
    expect(replaced.ruleMemoryMb).toBe(DEFAULT_ASSUMPTIONS.ruleMemoryMb);
  });

  it('names every argument it cannot use', () => {
    const parsed = parseAssumptionArgs(['agentSeries', 'agentSeries=', 'agentSeries=x', 'agentSeries=-1', 'foo=2']);
    expect('errors' in parsed && parsed.errors).toHaveLength(5);
  });

  it('doubling the probe memory doubles the probe GB-s', () => {
    const yaml = oneProbe().join('\n');
    const base = line(estimate(yaml, noEvents), 'lambda.arm64.duration').quantity;
    const probe = base - ESCALATION_GB_S;
    expect(line(estimate(yaml, { ...noEvents, probeMemoryMb: 1024 }), 'lambda.arm64.duration').quantity).toBeCloseTo(
      2 * probe + ESCALATION_GB_S,
      6,
    );
  });
});

describe('pflow cost: aws.detailed_metrics', () => {
  it('prices the per-group and per-channel metrics it adds to the reference site', () => {
    const reference = readFileSync(join(import.meta.dirname, '../../../config/reference-site.yaml'), 'utf8');
    const plain = line(estimate(reference), 'cloudwatch.metric').quantity;
    const detailed = line(estimate(`${reference}  detailed_metrics: true\n`), 'cloudwatch.metric').quantity;
    // 4 groups: 2 counts every hour per group; delivered per channel (3,000 events each) in the
    // hours that hold one; 3 failure counts per group and 2 per channel (3 channels) 10 hours each.
    expect(detailed - plain).toBeCloseTo(8 + (3 * hoursWithEvents(3_000, 730)) / 730 + (18 * 10) / 730, 10);
  });
});

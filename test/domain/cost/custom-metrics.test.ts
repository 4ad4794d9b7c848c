import { describe, expect, it } from 'vitest';
import { customMetrics, hoursWithEvents, type CustomMetricsInput } from '../../../src/domain/cost/custom-metrics.js';

const H = 730;
/** The reference site: cloud probes, 4 rule schedules, 3 channels, pushing agents, 3,000 alert events. */
const reference: CustomMetricsInput = {
  hoursPerMonth: H,
  probes: true,
  ruleCycles: 4,
  ruleGroups: 4,
  detailed: false,
  channelMessages: [3_000, 3_000, 3_000],
  deliveryOccasions: 3_000,
  ingest: true,
  pullAgents: 0,
  assets: false,
  reportRuns: [],
  rareCountHours: 10,
};

describe('custom metrics, billed for the hours they are sent', () => {
  it('hours holding an event: none without events, nearly all with many, never more than the month', () => {
    expect(hoursWithEvents(0, H)).toBe(0);
    // 73 events at random over 730 hours: 730 × (1 − e^−0.1) = 69.47 hours (some share an hour).
    expect(hoursWithEvents(73, H)).toBeCloseTo(69.47, 2);
    expect(hoursWithEvents(3_000, H)).toBeCloseTo(718.0, 1);
    expect(hoursWithEvents(1_000_000, H)).toBeCloseTo(H, 6);
  });

  it('the reference site: 10 every hour, 1 per event, 14 only when not zero', () => {
    const metrics = customMetrics(reference);
    // ProbesRun, ProbesFailed; RuleCycleDurationMs, RuleQueries; 4 RuleGroupCompleted; IngestBatches, IngestSamples.
    expect(metrics.always).toBe(10);
    // NotificationsDelivered, all channels together: the hours with an alert event.
    expect(metrics.perEvent).toBe(1);
    expect(metrics.perEventMonths).toBeCloseTo(hoursWithEvents(3_000, H) / H, 10);
    // ProbesCut, RecordsRejected; 3 rule failure counts; 3 dead-letter counts + retried + duplicate;
    // escalations told and conflicts; lifecycle API errors; ingest refusals.
    expect(metrics.whenNotZero).toBe(14);
    expect(metrics.metricMonths).toBeCloseTo(10 + hoursWithEvents(3_000, H) / H + (14 * 10) / H, 10);
  });

  it('a failure count costs only its assumed hours; one that never happens costs nothing more', () => {
    const never = customMetrics({ ...reference, rareCountHours: 0 });
    const always = customMetrics({ ...reference, rareCountHours: H });
    expect(never.metricMonths).toBeCloseTo(10 + never.perEventMonths, 10);
    // Sent every hour, each is a full metric-month again (the hours are capped at the month).
    expect(always.metricMonths).toBeCloseTo(10 + always.perEventMonths + 14, 10);
    expect(customMetrics({ ...reference, rareCountHours: 10 * H }).metricMonths).toBeCloseTo(always.metricMonths, 10);
  });

  it('no alert events: the per-event counts cost nothing', () => {
    const quiet = customMetrics({ ...reference, channelMessages: [0, 0, 0], deliveryOccasions: 0 });
    expect(quiet.perEventMonths).toBe(0);
  });

  it('daily reports: each (report, site) heartbeat the hours of its runs, the report counts the hours with any run', () => {
    const metrics = customMetrics({ ...reference, reportRuns: [30.4, 30.4] });
    // Two ReportPublished (30.4 h each), ReportProbes and ReportBytes (60.8 h each) on top of delivered.
    expect(metrics.perEvent).toBe(1 + 2 + 2);
    expect(metrics.perEventMonths).toBeCloseTo((hoursWithEvents(3_000, H) + 2 * 30.4 + 2 * 60.8) / H, 10);
  });

  it('pull mode and assets: the collect counts every hour, one CollectFailed per agent when it fails', () => {
    const pulled = customMetrics({ ...reference, ingest: false, pullAgents: 2, assets: true });
    // No probes' change; rule 6; collect 2 + IngestTagEvents; assets 1 + TagEventsStored and TagLocationsWritten of the collect sink.
    expect(pulled.always).toBe(2 + 6 + 3 + 3);
    // 2 + 3 + 5 + 2 + 1, then CollectRefused, CollectDroppedTagEvents, 2 × CollectFailed, TagLocationRetries.
    expect(pulled.whenNotZero).toBe(13 + 2 + 2 + 1);
  });

  it('aws.detailed_metrics: the rule counts per group and the deliver counts per channel as well', () => {
    const detailed = customMetrics({ ...reference, detailed: true });
    // 2 rule counts × 4 groups more every hour.
    expect(detailed.always).toBe(10 + 8);
    // Delivered per channel too: each channel's messages in the hours they fall in.
    expect(detailed.perEvent).toBe(1 + 3);
    expect(detailed.perEventMonths).toBeCloseTo((4 * hoursWithEvents(3_000, H)) / H, 10);
    // 3 rule failure counts × 4 groups, retried and duplicate × 3 channels.
    expect(detailed.whenNotZero).toBe(14 + 12 + 6);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_ALARM_DESCRIPTION } from '../../lib/meta-monitoring.js';
import { AWS_EXAMPLE, functionIdByPath, resourcesOf, stackFor, statementsOfFunction } from './stack-support.js';

describe('MetaMonitoring', { timeout: 120_000 }, () => {
  const { template } = stackFor();
  const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([id, alarm]) => ({ id, alarm }));

  it('alarms on errors and throttles of every function', () => {
    const functions = resourcesOf(template, 'AWS::Lambda::Function').length;
    expect(alarms.filter(({ alarm }) => alarm.MetricName === 'Errors')).toHaveLength(functions);
    expect(alarms.filter(({ alarm }) => alarm.MetricName === 'Throttles')).toHaveLength(functions);
  });

  it('alarms on every dead-letter queue, failed schedules and dropped schedule invocations', () => {
    const depth = alarms.filter(({ alarm }) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(depth).toHaveLength(4 + 2);
    expect(
      alarms.some(({ alarm }) => alarm.Namespace === 'AWS/Scheduler' && alarm.MetricName === 'InvocationDroppedCount'),
    ).toBe(true);
  });

  it('alarms when a rule group has not completed for 3 intervals (missing data breaches)', () => {
    const stalled = alarms.filter(({ alarm }) => alarm.MetricName === 'RuleGroupCompleted').map(({ alarm }) => alarm);
    // Two groups at two sites, and the default agent rules at the agent's site.
    expect(stalled).toHaveLength(5);
    expect(stalled[1]).toMatchObject({
      Namespace: 'PerformanceFlow',
      Dimensions: expect.arrayContaining([
        { Name: 'service', Value: 'pflow-rule' },
        { Name: 'site', Value: 'st-anna' },
        { Name: 'group', Value: 'latency' },
      ]),
      Period: 300,
      EvaluationPeriods: 3,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('alarms once, for every group, when metric store queries failed in 3 periods in a row', () => {
    const failing = alarms.filter(({ alarm }) => alarm.MetricName === 'RuleQueryFailures').map(({ alarm }) => alarm);
    // One alarm on the service-level count (the group is a property of the log line, not a dimension).
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatchObject({
      Namespace: 'PerformanceFlow',
      Dimensions: [{ Name: 'service', Value: 'pflow-rule' }],
      Statistic: 'Sum',
      // The shortest group interval (1 minute in the example), 3 failing periods within 3 intervals
      // of the slowest group (5 minutes): a 1-minute group is told after 3 minutes, a 5-minute one
      // after 15.
      Period: 60,
      EvaluationPeriods: 15,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      // The count is sent only in cycles that had a failed query: no datapoint is no failure.
      TreatMissingData: 'notBreaching',
    });
    // Its message still names the groups it covers and where to find which one failed.
    expect(failing[0]!.AlarmDescription).toBe(
      'Metric store queries of rule groups failed in 3 periods of 1 minute within 15 minutes ' +
        '(groups: availability, latency, pflow-agents); their rules are applying their on_error policy. ' +
        'Which group and site: the rule function log lines with RuleQueryFailures (README, Logs Insights)',
    );
  });

  it('treats missing data as breaching only where a heartbeat is missing, not breaching on counts sent when not zero', () => {
    const custom = alarms.filter(({ alarm }) => alarm.Namespace === 'PerformanceFlow').map(({ alarm }) => alarm);
    const heartbeats = ['RuleGroupCompleted', 'ReportPublished'];
    for (const alarm of custom) {
      expect(alarm.TreatMissingData, String(alarm.MetricName)).toBe(
        heartbeats.includes(String(alarm.MetricName)) ? 'breaching' : 'notBreaching',
      );
    }
    expect(custom.filter((alarm) => !heartbeats.includes(String(alarm.MetricName))).length).toBeGreaterThan(0);
  });

  it('sends every alarm and recovery to the alarm topic, which the meta-alarm function consumes', () => {
    for (const { alarm } of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^MetaMonitoringAlarmStateChanges/) }]);
      expect(alarm.OKActions).toEqual(alarm.AlarmActions);
    }
    const lambdaSubscriptions = resourcesOf(template, 'AWS::SNS::Subscription').filter(
      ([, s]) => s.Protocol === 'lambda',
    );
    expect(lambdaSubscriptions).toHaveLength(1);
    const actions = statementsOfFunction(template, functionIdByPath(template, 'MetaMonitoringFunction')).flatMap((s) =>
      [s.Action].flat(),
    );
    expect(actions).toContain('sns:Publish');
    expect(actions.some((a) => /^(dynamodb|timestream|s3):/.test(String(a)))).toBe(false);
  });

  it('keeps every alarm description within what CloudWatch takes, however many and long the group names', () => {
    // 40 more groups with 40-character names: listing them all in the one rule-query alarm would be
    // about 1,800 characters, and CloudWatch refuses a description over 1,024 (the deploy fails).
    const groups = Array.from({ length: 40 }, (_, index) => {
      const name = `ward-${String(index).padStart(2, '0')}-infusion-pump-gateway-latency`;
      return [
        `  - name: ${name}`,
        '    rules:',
        `      - id: many-${index}`,
        '        severity: warning',
        '        measure: success',
        `        matchers: ['probe="portal"']`,
        '        window: 3m',
        "        threshold: { op: '<', value: 1 }",
      ].join('\n');
    });
    const text = readFileSync(AWS_EXAMPLE, 'utf8').replace(
      '\nrule_groups:\n',
      `\nrule_groups:\n${groups.join('\n')}\n`,
    );
    const many = resourcesOf(stackFor(text).template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm);
    for (const alarm of many) expect(String(alarm.AlarmDescription).length).toBeLessThanOrEqual(MAX_ALARM_DESCRIPTION);
    const failing = many.find((alarm) => alarm.MetricName === 'RuleQueryFailures')!;
    // As many names as fit, then how many more.
    expect(failing.AlarmDescription).toMatch(/\(groups: ward-00-infusion-pump-gateway-latency, .* and \d+ more\)/);
  });

  it('keeps the query-failure alarm within CloudWatch’s one-day evaluation window when a group runs twice a day', () => {
    const text = readFileSync(AWS_EXAMPLE, 'utf8').replace(
      '\nrule_groups:\n',
      [
        '\nrule_groups:',
        '  - name: twice-a-day',
        '    interval: 12h',
        '    rules:',
        '      - id: slow-one',
        '        severity: warning',
        '        measure: success',
        `        matchers: ['probe="portal"']`,
        '        window: 3m',
        "        threshold: { op: '<', value: 1 }",
        '',
      ].join('\n'),
    );
    const failing = resourcesOf(stackFor(text).template, 'AWS::CloudWatch::Alarm')
      .map(([, alarm]) => alarm)
      .find((alarm) => alarm.MetricName === 'RuleQueryFailures')!;
    // 3 × 720 one-minute periods would be 36 hours: cut to the 1,440 a day holds, still 3 to alarm.
    expect(failing).toMatchObject({ Period: 60, EvaluationPeriods: 1440, DatapointsToAlarm: 3 });
  });
});

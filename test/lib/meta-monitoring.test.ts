import { describe, expect, it } from 'vitest';
import { functionIdByPath, resourcesOf, stackFor, statementsOfFunction } from './stack-support.js';

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

  it('alarms per rule group when its metric store queries failed in 3 cycles in a row', () => {
    const failing = alarms.filter(({ alarm }) => alarm.MetricName === 'RuleQueryFailures').map(({ alarm }) => alarm);
    // Three groups (the default agent rules' among them): the metric is per group, so one alarm each.
    expect(failing).toHaveLength(3);
    expect(failing.map((alarm) => alarm.Dimensions)).toEqual([
      [
        { Name: 'group', Value: 'availability' },
        { Name: 'service', Value: 'pflow-rule' },
      ],
      [
        { Name: 'group', Value: 'latency' },
        { Name: 'service', Value: 'pflow-rule' },
      ],
      [
        { Name: 'group', Value: 'pflow-agents' },
        { Name: 'service', Value: 'pflow-rule' },
      ],
    ]);
    expect(failing[1]).toMatchObject({
      Namespace: 'PerformanceFlow',
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
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
});

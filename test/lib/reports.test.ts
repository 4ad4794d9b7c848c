import { describe, expect, it } from 'vitest';
import { reportSlots, REPORT_MAX_EVENT_AGE } from '../../lib/reports.js';
import { parseConfigForDeployment } from '../../src/domain/config/deploy.js';
import {
  functionIdByPath,
  nagFindings,
  resourcesOf,
  stackFor,
  statementsOfFunction,
  timestreamExample,
  withReports,
} from './stack-support.js';

describe('Reports (the daily report in AWS)', { timeout: 120_000 }, () => {
  const { stack, template } = stackFor(withReports());
  const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule')
    .filter(([id]) => id.startsWith('Reports'))
    .map(([, s]) => s as { ScheduleExpression: string; ScheduleExpressionTimezone?: string; Target: any });

  it('schedules each (report, site) at its local time in the site’s zone, so DST moves the UTC instant, not 07:00', () => {
    expect(
      schedules.map((s) => [s.ScheduleExpression, s.ScheduleExpressionTimezone, JSON.parse(s.Target.Input)]),
    ).toEqual([
      [
        'cron(0 7 * * ? *)',
        'Europe/Amsterdam',
        { report: 'morning', site: 'st-anna', scheduledTime: '<aws.scheduler.scheduled-time>' },
      ],
      [
        'cron(0 7 * * ? *)',
        'America/New_York',
        { report: 'morning', site: 'st-anna-lab', scheduledTime: '<aws.scheduler.scheduled-time>' },
      ],
      [
        'cron(30 6 * * ? *)',
        'America/New_York',
        { report: 'lab-early', site: 'st-anna-lab', scheduledTime: '<aws.scheduler.scheduled-time>' },
      ],
    ]);
    for (const schedule of schedules) {
      expect(schedule.Target.RetryPolicy).toEqual({
        MaximumRetryAttempts: 3,
        MaximumEventAgeInSeconds: REPORT_MAX_EVENT_AGE.toSeconds(),
      });
      expect(schedule.Target.DeadLetterConfig).toEqual({
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^OperationsFailedSchedules/), 'Arn'] },
      });
      expect(schedule.Target.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ReportsFunction/), 'Arn'] });
    }
  });

  it("grants the report function only reads of the metric store, of the lifecycle table's alert history and acknowledgement audit, and publishing on the alert topic", () => {
    const fnId = functionIdByPath(template, 'ReportsFunction');
    const statements = statementsOfFunction(template, fnId);
    const actions = statements.flatMap((s) => [s.Action].flat()).map(String);
    expect(actions.filter((a) => a.startsWith('aps:')).sort()).toEqual([
      'aps:GetLabels',
      'aps:GetMetricMetadata',
      'aps:GetSeries',
      'aps:QueryMetrics',
    ]);
    expect(actions).toContain('sns:Publish');
    expect(actions.some((a) => /^(s3|ses|timestream):|RemoteWrite/.test(a))).toBe(false);
    // DynamoDB: Query on two partitions of the lifecycle table, nothing else.
    expect(statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('dynamodb:')))).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LifecycleTable/), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['history#*', 'audit'] } },
      },
    ]);
    expect(actions).toContain('kms:Decrypt');
    expect(actions).not.toContain('kms:Encrypt');
    const fn = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id === fnId)![1];
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 300, MemorySize: 1024 });
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'pflow-report',
      PFLOW_ALERT_TOPIC_ARN: { Ref: expect.stringMatching(/^NotificationsAlertEvents/) },
      PFLOW_LIFECYCLE_TABLE: { Ref: expect.stringMatching(/^LifecycleTable/) },
    });
  });

  it('on Timestream: Select on the probes and metrics tables only', () => {
    const ts = stackFor(withReports(timestreamExample())).template;
    const statements = statementsOfFunction(ts, functionIdByPath(ts, 'ReportsFunction'));
    const select = statements.filter((s) => [s.Action].flat().includes('timestream:Select'));
    expect(select).toHaveLength(1);
    expect(select[0]!.Resource).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^StorageMetricsTableprobes/), 'Arn'] },
      { 'Fn::GetAtt': [expect.stringMatching(/^StorageMetricsTablemetrics/), 'Arn'] },
    ]);
    const actions = statements.flatMap((s) => [s.Action].flat()).map(String);
    expect(actions.filter((a) => a.startsWith('timestream:')).sort()).toEqual([
      'timestream:DescribeEndpoints',
      'timestream:Select',
    ]);
  });

  it('alarms when a (report, site) published nothing for two days, and on the function’s errors', () => {
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a);
    const missed = alarms.filter((a) => a.MetricName === 'ReportPublished');
    expect(missed.map((a) => a.Dimensions)).toEqual([
      [
        { Name: 'report', Value: 'morning' },
        { Name: 'service', Value: 'pflow-report' },
        { Name: 'site', Value: 'st-anna' },
      ],
      [
        { Name: 'report', Value: 'morning' },
        { Name: 'service', Value: 'pflow-report' },
        { Name: 'site', Value: 'st-anna-lab' },
      ],
      [
        { Name: 'report', Value: 'lab-early' },
        { Name: 'service', Value: 'pflow-report' },
        { Name: 'site', Value: 'st-anna-lab' },
      ],
    ]);
    for (const alarm of missed) {
      expect(alarm).toMatchObject({
        Namespace: 'PerformanceFlow',
        Period: 86_400,
        EvaluationPeriods: 2,
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
    }
    const fnId = functionIdByPath(template, 'ReportsFunction');
    const errors = alarms.filter(
      (a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(`"Ref":"${fnId}"`),
    );
    expect(errors).toHaveLength(1);
  });

  it('passes cdk-nag', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('makes nothing when the config has no reports', () => {
    const plain = stackFor().template;
    expect(resourcesOf(plain, 'AWS::Lambda::Function').some(([id]) => id.startsWith('ReportsFunction'))).toBe(false);
    expect(resourcesOf(plain, 'AWS::CloudWatch::Alarm').some(([, a]) => a.MetricName === 'ReportPublished')).toBe(
      false,
    );
  });
});

describe('reportSlots', () => {
  it('is every (report, site) pair with the site’s zone', () => {
    const { config } = parseConfigForDeployment(withReports(), 'test.yaml');
    expect(reportSlots(config)).toEqual([
      { report: 'morning', site: 'st-anna', timezone: 'Europe/Amsterdam', at: '07:00' },
      { report: 'morning', site: 'st-anna-lab', timezone: 'America/New_York', at: '07:00' },
      { report: 'lab-early', site: 'st-anna-lab', timezone: 'America/New_York', at: '06:30' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { PROBES_PER_SCHEDULE, probeGroups } from '../../lib/probes.js';
import type { ProbeDefinition } from '../../src/domain/config/model.js';
import { AWS_EXAMPLE, functionIdByPath, resourcesOf, stackFor, statementsOfFunction } from './stack-support.js';

const probe = (
  id: string,
  site: string,
  intervalMs: number,
  runsOn: ProbeDefinition['runsOn'] = 'cloud',
): ProbeDefinition => ({
  id,
  site,
  kind: 'http',
  target: 'https://x.example',
  intervalMs,
  timeoutMs: 5_000,
  labels: {},
  settings: {},
  runsOn,
});

describe('probeGroups', () => {
  it('groups cloud probes by (site, interval), skips agent probes, and splits big groups', () => {
    const many = Array.from({ length: PROBES_PER_SCHEDULE + 1 }, (_, i) => probe(`p${i}`, 'b', 60_000));
    const groups = probeGroups([
      probe('a1', 'a', 60_000),
      probe('a2', 'a', 120_000),
      probe('a3', 'a', 60_000),
      probe('x', 'a', 60_000, 'agent:lab'),
      ...many,
    ]);
    expect(groups.map((g) => [g.site, g.intervalMs, g.probeIds.length])).toEqual([
      ['a', 60_000, 2],
      ['a', 120_000, 1],
      ['b', 60_000, PROBES_PER_SCHEDULE],
      ['b', 60_000, 1],
    ]);
    expect(groups[0]!.probeIds).toEqual(['a1', 'a3']);
  });
});

describe('Probes and Rules schedules', { timeout: 120_000 }, () => {
  const { template } = stackFor();
  const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule').map(([id, s]) => ({
    id,
    expression: s.ScheduleExpression,
    target: s.Target as { Arn: unknown; Input: string; RetryPolicy: unknown; DeadLetterConfig: unknown },
  }));

  it('schedules one probe invocation per (site, interval) of cloud probes, never an agent probe', () => {
    const probes = schedules.filter((s) => s.id.startsWith('Probes'));
    expect(probes.map((s) => [s.expression, JSON.parse(s.target.Input)])).toEqual([
      ['rate(1 minute)', { site: 'st-anna', probeIds: ['portal'], scheduledTime: '<aws.scheduler.scheduled-time>' }],
      ['rate(2 minutes)', { site: 'st-anna', probeIds: ['epd-api'], scheduledTime: '<aws.scheduler.scheduled-time>' }],
    ]);
    expect(JSON.stringify(probes)).not.toContain('lab-analyser');
  });

  it('schedules every rule group at every site at its interval; the default agent rules where agents are declared', () => {
    const rules = schedules.filter((s) => s.id.startsWith('Rules'));
    expect(rules.map((s) => [s.expression, JSON.parse(s.target.Input).site, JSON.parse(s.target.Input).group])).toEqual(
      [
        ['rate(1 minute)', 'st-anna', 'availability'],
        ['rate(5 minutes)', 'st-anna', 'latency'],
        ['rate(1 minute)', 'st-anna-lab', 'availability'],
        ['rate(5 minutes)', 'st-anna-lab', 'latency'],
        // config/aws-example.yaml declares agent lab-01 under st-anna-lab, and no agent at st-anna.
        ['rate(1 minute)', 'st-anna-lab', 'pflow-agents'],
      ],
    );
  });

  it('watches the default agent rules like any group: a stalled-cycle alarm at the agent site', () => {
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => String(a.AlarmDescription));
    expect(alarms).toContain('Rule group pflow-agents at site st-anna-lab has not completed for 3 intervals');
    expect(alarms.filter((text) => /pflow-agents at site st-anna /.test(text))).toEqual([]);
  });

  it('no agents: declared, no default agent rule schedule (a site that opts out neither)', () => {
    const text = readFileSync(AWS_EXAMPLE, 'utf8');
    for (const variant of [
      text.replace('    agents:\n      - id: lab-01\n', ''),
      text.replace('    agents:\n', '    default_rules: false\n    agents:\n'),
    ]) {
      expect(variant).not.toBe(text);
      const inputs = resourcesOf(stackFor(variant).template, 'AWS::Scheduler::Schedule').map(
        ([, s]) => (s.Target as { Input: string }).Input,
      );
      expect(inputs.filter((input) => input.includes('pflow-agents'))).toEqual([]);
    }
  });

  it('retries a failed delivery only while the cycle is current, then dead-letters it', () => {
    for (const schedule of schedules) {
      const minutes = Number(/rate\((\d+)/.exec(String(schedule.expression))![1]);
      expect(schedule.target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: minutes * 60 });
      expect(schedule.target.DeadLetterConfig).toEqual({
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^OperationsFailedSchedules/), 'Arn'] },
      });
    }
  });

  it('grants the probe function only remote write to the AMP workspace (plus secrets and its dead-letter queue)', () => {
    const statements = statementsOfFunction(template, functionIdByPath(template, 'ProbesFunction'));
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    expect(actions.filter((a) => String(a).startsWith('aps:'))).toEqual(['aps:RemoteWrite']);
    expect(actions.some((a) => /^(dynamodb|sns|s3|timestream):/.test(String(a)))).toBe(false);
    // Only its asynchronous-invocation dead-letter queue.
    const sqs = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('sqs:')));
    expect(sqs.map((s) => [s.Action, JSON.stringify(s.Resource)])).toEqual([
      ['sqs:SendMessage', expect.stringContaining('OperationsFailedInvocations')],
    ]);
    const write = statements.find((s) => [s.Action].flat().includes('aps:RemoteWrite'))!;
    expect(write.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StorageMetricsWorkspace/), 'Arn'] });
  });

  it('grants the rule function queries and alert-history writes on the workspace, its state table and publishing', () => {
    const statements = statementsOfFunction(template, functionIdByPath(template, 'RulesFunction'));
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(
      expect.arrayContaining([
        'aps:QueryMetrics',
        'aps:GetLabels',
        'aps:GetSeries',
        'aps:GetMetricMetadata',
        'aps:RemoteWrite',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:BatchWriteItem',
        'sns:Publish',
      ]),
    );
    // Deletes of resolved states go out as BatchWriteItem (src/adapters/aws/dynamodb-state.ts).
    expect(actions).not.toContain('dynamodb:DeleteItem');
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions.some((a) => String(a).startsWith('timestream:'))).toBe(false);
    const workspaceArn = { 'Fn::GetAtt': [expect.stringMatching(/^StorageMetricsWorkspace/), 'Arn'] };
    for (const statement of statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('aps:')))) {
      expect(statement.Resource).toEqual(workspaceArn);
    }
  });
});

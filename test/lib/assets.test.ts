import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AWS_EXAMPLE,
  functionIdByPath,
  nagFindings,
  resourcesOf,
  stackFor,
  statementsOfFunction,
  timestreamExample,
  withReports,
} from './stack-support.js';

/** config/aws-example.yaml with a small assets: section (the example itself has none). */
function withAssets(text: string): string {
  return `${text}
assets:
  zones:
    - { id: store-3, site: st-anna, floor: '3', kind: storage }
  items:
    - { id: pump-1, site: st-anna, tag: T-1, type: infusion-pump }
`;
}

type Statement = { Action: unknown; Resource: unknown };
const actions = (statements: readonly Statement[]) => statements.flatMap((s) => [s.Action].flat() as string[]).sort();

describe('AssetAnswers (config with assets:)', () => {
  const { stack, template } = stackFor(withAssets(readFileSync(AWS_EXAMPLE, 'utf8')));
  const fnId = functionIdByPath(template, 'AssetAnswers');
  const statements = statementsOfFunction(template, fnId);
  const [tableId] = resourcesOf(template, 'AWS::DynamoDB::Table').find(([id]) => id.startsWith('TagLocations'))!;

  it('runs the asset function every minute for the answers now and every 15 minutes for the day', () => {
    const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule')
      .filter(([id]) => id.startsWith('AssetAnswers'))
      .map(([, s]) => {
        const target = s.Target as { Arn: unknown; Input: string; RetryPolicy: unknown };
        return { expression: s.ScheduleExpression, input: JSON.parse(target.Input) as unknown, arn: target.Arn };
      });
    expect(schedules.map(({ expression, input }) => ({ expression, input }))).toEqual([
      { expression: 'rate(1 minute)', input: { part: 'now', scheduledTime: '<aws.scheduler.scheduled-time>' } },
      { expression: 'rate(15 minutes)', input: { part: 'day', scheduledTime: '<aws.scheduler.scheduled-time>' } },
    ]);
    for (const { arn } of schedules) expect(arn).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
  });

  it('gives the function the location table by name, Query on it (and GetItem on the CSV imports), and the AMP query and remote write', () => {
    const fn = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id === fnId)![1];
    const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env['PFLOW_TAG_LOCATION_TABLE']).toEqual({ Ref: tableId });
    expect(env['POWERTOOLS_SERVICE_NAME']).toBe('pflow-assets');
    const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(`"${tableId}"`));
    // Query on any partition (a site's tags); GetItem and Query on registry#* only (test/lib/tag-locations.test.ts).
    expect(onTable.map((s) => [[s.Action].flat(), 'Condition' in s])).toEqual([
      [['dynamodb:Query'], false],
      [['dynamodb:GetItem', 'dynamodb:Query'], true],
    ]);
    expect(actions(statements).filter((a) => a.startsWith('aps:'))).toEqual([
      'aps:GetLabels',
      'aps:GetMetricMetadata',
      'aps:GetSeries',
      'aps:QueryMetrics',
      'aps:RemoteWrite',
    ]);
    expect(actions(statements).filter((a) => a.startsWith('dynamodb:'))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Query',
    ]);
  });

  it('with Timestream: Select on the tags table and WriteRecords on metrics, nothing else', () => {
    const { template: ts } = stackFor(withAssets(timestreamExample()));
    const id = functionIdByPath(ts, 'AssetAnswers');
    const tables = Object.fromEntries(
      resourcesOf(ts, 'AWS::Timestream::Table').map(([tableId, t]) => [tableId, String(t.TableName)]),
    );
    const onTables = statementsOfFunction(ts, id)
      .filter((s) => [s.Action].flat().some((a) => String(a).startsWith('timestream:')))
      .map((s) => ({
        actions: [s.Action].flat().sort(),
        tables: Object.entries(tables)
          .filter(([tableId]) => JSON.stringify(s.Resource).includes(`"${tableId}"`))
          .map(([, name]) => name),
      }));
    expect(onTables).toEqual([
      { actions: ['timestream:DescribeEndpoints'], tables: [] },
      { actions: ['timestream:Select'], tables: ['tags'] },
      { actions: ['timestream:WriteRecords'], tables: ['metrics'] },
    ]);
  });

  it('passes cdk-nag (AMP and Timestream)', () => {
    expect(nagFindings(stack)).toEqual([]);
    expect(nagFindings(stackFor(withAssets(timestreamExample())).stack)).toEqual([]);
  });

  it('lets the report function Query the location table too (and read the CSV imports), for the daily report’s asset section', () => {
    const { template: reports } = stackFor(withAssets(withReports()));
    const [table] = resourcesOf(reports, 'AWS::DynamoDB::Table').find(([id]) => id.startsWith('TagLocations'))!;
    const reportFn = functionIdByPath(reports, 'Reports');
    const onTable = statementsOfFunction(reports, reportFn).filter((s) =>
      JSON.stringify(s.Resource).includes(`"${table}"`),
    );
    expect(onTable.map((s) => [[s.Action].flat(), 'Condition' in s])).toEqual([
      [['dynamodb:Query'], false],
      [['dynamodb:GetItem', 'dynamodb:Query'], true],
    ]);
    const fn = resourcesOf(reports, 'AWS::Lambda::Function').find(([id]) => id === reportFn)![1];
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables['PFLOW_TAG_LOCATION_TABLE']).toEqual({
      Ref: table,
    });
  });

  it('is not there without assets:', () => {
    const { template: plain } = stackFor();
    expect(resourcesOf(plain, 'AWS::Lambda::Function').some(([id]) => id.startsWith('AssetAnswers'))).toBe(false);
  });
});

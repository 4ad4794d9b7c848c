import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  AWS_EXAMPLE,
  nagFindings,
  resourcesOf,
  stackFor,
  statementsOfFunction,
  timestreamExample,
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

const ingestFunction = (template: ReturnType<typeof stackFor>['template']) =>
  resourcesOf(template, 'AWS::Lambda::Function').find(([, fn]) => /Stores agent batches/.test(String(fn.Description)))!;

describe('TagLocations (config with assets:)', () => {
  const { stack, template } = stackFor(withAssets(readFileSync(AWS_EXAMPLE, 'utf8')));
  const [tableId] = resourcesOf(template, 'AWS::DynamoDB::Table').find(([id]) => id.startsWith('TagLocations'))!;

  it('is a table keyed by site and tag, encrypted with the table key, with point-in-time recovery, kept on delete', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'site', KeyType: 'HASH' },
          { AttributeName: 'tag', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('lets the ingest function get, batch-get and put items of that table only, and names it in its environment', () => {
    const [fnId, fn] = ingestFunction(template);
    const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env['PFLOW_TAG_LOCATION_TABLE']).toEqual({ Ref: tableId });
    const onTable = statementsOfFunction(template, fnId).filter((s) =>
      JSON.stringify(s.Resource).includes(`"${tableId}"`),
    );
    expect(onTable.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    // No other function may touch it, but the asset function (lib/assets.ts) and the lifecycle
    // API (where is it, `pflow assets find --aws`) may Query it; the CSV imports' partitions below.
    for (const [otherId] of resourcesOf(template, 'AWS::Lambda::Function').filter(([id]) => id !== fnId)) {
      const onIt = statementsOfFunction(template, otherId).filter(
        (s) => JSON.stringify(s.Resource).includes(`"${tableId}"`) && !('Condition' in s),
      );
      expect(onIt.flatMap((s) => [s.Action].flat())).toEqual(
        otherId.startsWith('AssetAnswers') || otherId.startsWith('LifecycleApiFunction') ? ['dynamodb:Query'] : [],
      );
    }
  });

  it('lets the lifecycle API store CSV imports and the asset function read them, on registry#* partitions only', () => {
    const onImports = (prefix: string) => {
      const [id] = resourcesOf(template, 'AWS::Lambda::Function').find(([fnId]) => fnId.startsWith(prefix))!;
      return statementsOfFunction(template, id)
        .filter((s) => JSON.stringify(s.Resource).includes(`"${tableId}"`) && 'Condition' in s)
        .map((s) => ({ actions: [s.Action].flat(), condition: (s as { Condition?: unknown }).Condition }));
    };
    const condition = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['registry#*'] } };
    expect(onImports('LifecycleApiFunction')).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        condition,
      },
    ]);
    expect(onImports('AssetAnswers')).toEqual([{ actions: ['dynamodb:GetItem', 'dynamodb:Query'], condition }]);
  });

  it('lets the lifecycle API answer GET /api/assets (behind IAM): Query on the table only, its name in the environment', () => {
    const [apiFnId, apiFn] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('LifecycleApiFunction'),
    )!;
    const env = (apiFn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env['PFLOW_TAG_LOCATION_TABLE']).toEqual({ Ref: tableId });
    const onTable = statementsOfFunction(template, apiFnId).filter(
      (s) => JSON.stringify(s.Resource).includes(`"${tableId}"`) && !('Condition' in s),
    );
    expect(onTable.map((s) => [s.Action].flat())).toEqual([['dynamodb:Query']]);
    expect(onTable.map((s) => s.Resource)).toEqual([[{ 'Fn::GetAtt': [tableId, 'Arn'] }]]);
    // The route it answers on: /api/{proxy+}, GET behind the IAM authorizer.
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.RouteKey, r.AuthorizationType]);
    expect(routes).toContainEqual(['GET /api/{proxy+}', 'AWS_IAM']);
  });

  it('outputs the table name', () => {
    expect((template.toJSON().Outputs as Record<string, { Value: unknown }>)['TagLocationTable']?.Value).toEqual({
      Ref: tableId,
    });
  });

  it('lets the ingest function write tag events to the Timestream tags table (and the asset function read it), with assets: only', () => {
    const tagsTableWriters = (text: string) => {
      const { template: ts } = stackFor(text);
      const [tagsId] = resourcesOf(ts, 'AWS::Timestream::Table').find(([, t]) => t.TableName === 'tags')!;
      return resourcesOf(ts, 'AWS::Lambda::Function').flatMap(([fnId, fn]) =>
        statementsOfFunction(ts, fnId)
          .filter((st) => JSON.stringify(st.Resource).includes(`"${tagsId}"`))
          .map((st) => ({ fn: String(fn.Description).slice(0, 20), actions: [st.Action].flat() })),
      );
    };
    expect(tagsTableWriters(withAssets(timestreamExample()))).toEqual([
      { fn: 'Stores agent batches', actions: ['timestream:WriteRecords'] },
      { fn: 'Writes the asset ans', actions: ['timestream:Select'] },
    ]);
    expect(tagsTableWriters(timestreamExample())).toEqual([]);
  });

  it('passes cdk-nag (AMP)', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('passes cdk-nag (Timestream)', () => {
    expect(nagFindings(stackFor(withAssets(timestreamExample())).stack)).toEqual([]);
  });

  it('brings the ingest API along even when no probe runs on an agent: tag events arrive through one', () => {
    const text = readFileSync(AWS_EXAMPLE, 'utf8')
      .replace(/runs_on: agent:lab-01/g, 'runs_on: cloud')
      .replace(/interval: 15s # allowed: it runs on the agent/, 'interval: 1m');
    const { template: cloudOnly } = stackFor(withAssets(text));
    // The lifecycle API is always there; the ingest API is the one the assets bring.
    expect(resourcesOf(cloudOnly, 'AWS::ApiGatewayV2::Api').some(([id]) => id.startsWith('IngestApi'))).toBe(true);
    expect(resourcesOf(cloudOnly, 'AWS::DynamoDB::Table').some(([id]) => id.startsWith('TagLocations'))).toBe(true);
  });
});

describe('without assets:', () => {
  it('has no tag location table and the ingest function no such variable', () => {
    const { template } = stackFor();
    expect(resourcesOf(template, 'AWS::DynamoDB::Table').some(([id]) => id.startsWith('TagLocations'))).toBe(false);
    const [, fn] = ingestFunction(template);
    expect(JSON.stringify(fn.Environment)).not.toContain('PFLOW_TAG_LOCATION_TABLE');
  });
});

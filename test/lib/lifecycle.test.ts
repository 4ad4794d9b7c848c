import { readFileSync } from 'node:fs';
import type { CfnElement } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_KEY_LOGICAL_ID } from '../../lib/deployment-key.js';
import { ESCALATE_INTERVAL, LIFECYCLE_THROTTLE } from '../../lib/lifecycle.js';
import { ACK_UPDATE_CLAIM_MS } from '../../src/services/ack-updates.js';
import { nagFindings, resourcesOf, stackFor, statementsOfFunction } from './stack-support.js';

// Loading aws-cdk-lib and running cdk-nag take seconds on a busy 2-core machine: a roomier timeout.
describe('Lifecycle (acknowledge links, acknowledgements, silences, escalation)', { timeout: 120_000 }, () => {
  const { stack, template } = stackFor();
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const lifecycle = stack.lifecycle;
  const tableId = id(lifecycle.table);
  const apiId = id(lifecycle.api);
  const ofApi = ([, resource]: [string, Record<string, unknown>]) =>
    (resource.ApiId as { Ref?: string } | undefined)?.Ref === apiId;
  const actionsOf = (fnId: string) => statementsOfFunction(template, fnId).flatMap((s) => [s.Action].flat());
  /** Every action a function may take on the lifecycle table (its table and index ARNs). */
  const tableActionsOf = (fnId: string) =>
    statementsOfFunction(template, fnId)
      .filter((s) => JSON.stringify(s.Resource).includes(tableId))
      .flatMap((s) => [s.Action].flat())
      .sort();

  it('keeps silences, acknowledgements and the audit in one table: KMS, point-in-time recovery, TTL, the byAlert index', () => {
    expect(template.toJSON().Resources[tableId]).toMatchObject({
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [DEPLOYMENT_KEY_LOGICAL_ID, 'Arn'] },
        },
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byAlert',
            KeySchema: [
              { AttributeName: 'auditAlert', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
    });
  });

  it('serves the link page without an authorizer and /api/* behind IAM, payload 2.0', () => {
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route')
      .filter(ofApi)
      .map(([, route]) => [route.RouteKey, route.AuthorizationType]);
    expect(routes.sort()).toEqual([
      ['GET /ack/{token}', 'NONE'],
      ['GET /api/{proxy+}', 'AWS_IAM'],
      ['POST /ack/{token}', 'NONE'],
      ['POST /api/{proxy+}', 'AWS_IAM'],
    ]);
    const integrations = resourcesOf(template, 'AWS::ApiGatewayV2::Integration').filter(ofApi);
    expect(integrations.map(([, i]) => [i.IntegrationType, i.PayloadFormatVersion])).toEqual([['AWS_PROXY', '2.0']]);
  });

  it('throttles the stage and logs JSON access lines without the path (it carries the signed link)', () => {
    const [[, stage]] = resourcesOf(template, 'AWS::ApiGatewayV2::Stage').filter(ofApi) as [
      [string, Record<string, any>],
    ];
    expect(stage.StageName).toBe('$default');
    expect(stage.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: LIFECYCLE_THROTTLE.rateLimit,
      ThrottlingBurstLimit: LIFECYCLE_THROTTLE.burstLimit,
    });
    const format = JSON.parse(stage.AccessLogSettings.Format as string) as Record<string, string>;
    expect(format).toMatchObject({ route: '$context.routeKey', caller: '$context.identity.userArn' });
    expect(JSON.stringify(format)).not.toMatch(/path|header|authorization/i);
  });

  it('invokes the escalation function every minute with a retry window of one minute', () => {
    const fn = id(lifecycle.escalateFn);
    const [[, schedule]] = resourcesOf(template, 'AWS::Scheduler::Schedule').filter(([, s]) =>
      JSON.stringify(s.Target).includes(fn),
    ) as [[string, Record<string, any>]];
    expect(schedule.ScheduleExpression).toBe(`rate(${ESCALATE_INTERVAL.toMinutes()} minute)`);
    expect(JSON.parse(schedule.Target.Input as string)).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
    expect(schedule.Target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 });
  });

  it('grants each function exactly its table actions', () => {
    expect(tableActionsOf(id(lifecycle.apiFn))).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(tableActionsOf(id(lifecycle.escalateFn))).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    // The example's channels name no oncall:<team>: no deliver function may read the table.
    for (const pipeline of stack.notifications.channels) expect(tableActionsOf(id(pipeline.deliver))).toEqual([]);
    expect(tableActionsOf(id(stack.rules.fn))).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:Query']);
    // The rule function's writes to this table reach its sites' alert history partitions only.
    const ruleWrites = statementsOfFunction(template, id(stack.rules.fn)).filter(
      (s) => [s.Action].flat().includes('dynamodb:BatchWriteItem') && JSON.stringify(s.Resource).includes(tableId),
    );
    expect(ruleWrites).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:BatchWriteItem',
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['history#*'] } },
      },
    ]);
    for (const fn of [lifecycle.apiFn, lifecycle.escalateFn]) {
      const actions = actionsOf(id(fn));
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:Scan', 'sns:Publish']));
      expect(actions).not.toContain('dynamodb:BatchWriteItem');
      expect(actions).not.toContain('dynamodb:*');
    }
    // The alert-state table: the escalation function writes it (conditional puts), the API only reads it.
    const stateId = id(stack.storage.alertStateTable);
    const stateActions = (fnId: string) =>
      statementsOfFunction(template, fnId)
        .filter((s) => JSON.stringify(s.Resource).includes(stateId))
        .flatMap((s) => [s.Action].flat())
        .sort();
    expect(stateActions(id(lifecycle.apiFn))).toEqual(['dynamodb:Scan']);
    expect(stateActions(id(lifecycle.escalateFn))).toEqual(['dynamodb:PutItem', 'dynamodb:Scan']);
    // The rule function: its group's Query, conditional puts, and deletes in BatchWriteItem requests.
    expect(stateActions(id(stack.rules.fn))).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:Query']);
  });

  it("gives the API function less time than an acknowledgement update's claim, so the sweep never races a live request", () => {
    const timeout = template.toJSON().Resources[id(lifecycle.apiFn)].Properties.Timeout as number;
    expect(timeout * 1000).toBeLessThan(ACK_UPDATE_CLAIM_MS);
  });

  it('tells the rule, API and every deliver function where the table and the links are', () => {
    const variables = (fn: { node: { defaultChild?: unknown } }) =>
      (template.toJSON().Resources[id(fn)].Properties.Environment.Variables ?? {}) as Record<string, unknown>;
    expect(variables(stack.rules.fn).PFLOW_LIFECYCLE_TABLE).toEqual({ Ref: tableId });
    expect(variables(lifecycle.apiFn).PFLOW_LIFECYCLE_TABLE).toEqual({ Ref: tableId });
    expect(JSON.stringify(variables(lifecycle.apiFn).PFLOW_ACK_BASE_URL)).toContain(apiId);
    for (const pipeline of stack.notifications.channels) {
      expect(JSON.stringify(variables(pipeline.deliver).PFLOW_ACK_BASE_URL)).toContain(apiId);
    }
  });

  it('watches both functions with error and throttle alarms', () => {
    const alarmed = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) =>
      JSON.stringify(alarm.Dimensions),
    );
    for (const fn of [lifecycle.apiFn, lifecycle.escalateFn]) {
      expect(alarmed.filter((dimensions) => dimensions.includes(id(fn)))).toHaveLength(2);
    }
  });

  it('outputs the API URL and the table name, and passes cdk-nag', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['LifecycleApiUrl', 'LifecycleTable']));
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('Lifecycle with oncall:<team> channels', { timeout: 120_000 }, () => {
  // The deploy guide's example, with its on-call email addressed to whoever is on call for ward-it.
  const example = readFileSync(new URL('../../config/aws-example.yaml', import.meta.url), 'utf8');
  const text = `${example.replace('to: [oncall@st-anna.example]', 'to: [oncall:ward-it]')}
oncall:
  - team: ward-it
    site: st-anna
    rotation: weekly
    handover: '09:00'
    start: 2026-11-30
    members: [{ name: Ana, email: ana@st-anna.example }, { name: Bo, email: bo@st-anna.example }]
`;
  const { stack, template } = stackFor(text);
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const tableId = id(stack.lifecycle.table);

  it('lets only the deliver functions of channels naming oncall:<team> read the table (Query), and tells them where', () => {
    const byChannel = Object.fromEntries(
      stack.notifications.channels.map((pipeline) => {
        const fnId = id(pipeline.deliver);
        const actions = statementsOfFunction(template, fnId)
          .filter((s) => JSON.stringify(s.Resource).includes(tableId))
          .flatMap((s) => [s.Action].flat());
        const variables = template.toJSON().Resources[fnId].Properties.Environment.Variables as Record<string, unknown>;
        return [pipeline.channel.id, { actions, table: variables.PFLOW_LIFECYCLE_TABLE }];
      }),
    );
    expect(byChannel['oncall-email']).toEqual({ actions: ['dynamodb:Query'], table: { Ref: tableId } });
    for (const other of ['ops-slack', 'oncall-sms', 'proprietary-logdrop'])
      expect(byChannel[other]).toEqual({ actions: [], table: undefined });
  });

  it('passes cdk-nag', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

import { App, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { LoggedHttpApi, REQUEST_LOG_FIELDS } from '../../lib/logged-http-api.js';
import type { LoggedHttpApiProps } from '../../lib/logged-http-api.js';

const THROTTLE = { rateLimit: 7, burstLimit: 14 };

/** A stack holding one LoggedHttpApi (id `Default` under `Owner`, as the ingest and lifecycle APIs use it). */
function loggedApiStack(fields: LoggedHttpApiProps['accessLogFields'] = { caller: '$context.identity.userArn' }) {
  const stack = new Stack(new App(), 'Test');
  const logKey = new Key(stack, 'LogKey', { enableKeyRotation: true });
  const owner = new Construct(stack, 'Owner');
  const http = new LoggedHttpApi(owner, 'Default', {
    description: 'test API',
    throttle: THROTTLE,
    logKey,
    accessLogFields: fields,
  });
  http.api.addRoutes({
    path: '/api/{proxy+}',
    methods: [HttpMethod.GET],
    integration: new HttpUrlIntegration('Upstream', 'https://example.com/'),
    authorizer: new HttpIamAuthorizer(),
  });
  return { stack, http, logKey, template: Template.fromStack(stack) };
}

// Loading aws-cdk-lib and running cdk-nag take seconds on a busy 2-core machine: a roomier timeout.
describe('LoggedHttpApi (an HTTP API, its throttled $default stage and its access log)', { timeout: 120_000 }, () => {
  const { stack, http, logKey, template } = loggedApiStack({
    latencyMs: '$context.integrationLatency',
    caller: '$context.identity.userArn',
  });
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnElement);

  it('is one HTTP API with only the $default stage, auto-deployed and throttled', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', Description: 'test API' });
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: id(http.api) },
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 14 },
    });
  });

  it('writes JSON access lines, the request fields then the caller’s in order, to its own KMS-encrypted log group kept 3 months', () => {
    const stage = template.findResources('AWS::ApiGatewayV2::Stage')[id(http.stage)]!;
    const settings = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [id(http.accessLogs), 'Arn'] });
    expect(Object.entries(JSON.parse(settings.Format) as Record<string, string>)).toEqual([
      ...Object.entries(REQUEST_LOG_FIELDS),
      ['latencyMs', '$context.integrationLatency'],
      ['caller', '$context.identity.userArn'],
    ]);
    // The route key is the template: a token in the URL never reaches the log through it.
    expect(REQUEST_LOG_FIELDS.route).toBe('$context.routeKey');
    expect(JSON.stringify(REQUEST_LOG_FIELDS)).not.toMatch(/path|header|authorization/i);
    template.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Delete',
      Properties: { RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': [id(logKey), 'Arn'] } },
    });
  });

  it('gives its URL as the stage’s', () => {
    expect(stack.resolve(http.url)).toEqual(stack.resolve(http.stage.url));
    expect(JSON.stringify(stack.resolve(http.url))).toContain(id(http.api));
  });

  it('keeps the logical ids its parts had as the owner’s own children when its id is Default', () => {
    // What lib/ingest-api.ts and lib/lifecycle.ts built inline before: a replaced API gets a new URL.
    const before = new Stack(new App(), 'Test');
    const owner = new Construct(before, 'Owner');
    const api = new HttpApi(owner, 'Api', { createDefaultStage: false });
    const logs = new LogGroup(owner, 'AccessLogs');
    const stage = new HttpStage(owner, 'Stage', { httpApi: api, stageName: '$default' });
    const idIn = (s: Stack, c: { node: { defaultChild?: unknown } }) =>
      s.getLogicalId(c.node.defaultChild as CfnElement);
    expect([id(http.api), id(http.accessLogs), id(http.stage)]).toEqual([
      idIn(before, api),
      idIn(before, logs),
      idIn(before, stage),
    ]);
  });

  it('refuses an access field that would replace a request field, naming it', () => {
    expect(() => loggedApiStack({ status: '$context.path', caller: '$context.identity.userArn' })).toThrow(
      'LoggedHttpApi accessLogFields: status already logged on every line',
    );
  });

  it('passes cdk-nag (AwsSolutions and HIPAA Security) with an IAM-authorized route', () => {
    const findings = [new AwsSolutionsChecks(stack), new HIPAASecurityChecks(stack)].flatMap((pack) =>
      pack
        .validateScope(stack)
        .violations.map(
          (violation) =>
            `${violation.ruleName} ${violation.violatingResources.map((r) => r.resourceLogicalId).join(',')}`,
        ),
    );
    expect(findings).toEqual([]);
  });
});

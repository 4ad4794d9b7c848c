import { readFileSync } from 'node:fs';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AUTHORIZER_CACHE_TTL, INGEST_THROTTLE } from '../../lib/ingest-api.js';
import {
  AWS_EXAMPLE,
  nagFindings,
  resourcesOf,
  stackFor,
  statementsOfFunction,
  timestreamExample,
} from './stack-support.js';

describe('IngestApi (config/aws-example.yaml declares an agent: lab-analyser runs_on agent:lab-01)', () => {
  const { stack, template } = stackFor();

  const ingestApiId = stack.getLogicalId(stack.ingestApi!.api.node.defaultChild as CfnElement);
  const ofIngestApi = ([, resource]: [string, Record<string, unknown>]) =>
    (resource.ApiId as { Ref?: string } | undefined)?.Ref === ingestApiId;

  it('is an HTTP API with POST /v1/ingest and GET /v1/events, both behind the Lambda authorizer', () => {
    // Beside the lifecycle API (lib/lifecycle.ts).
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 2);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route')
      .filter(ofIngestApi)
      .map(([, route]) => route);
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(['GET /v1/events', 'POST /v1/ingest']);
    for (const route of routes) {
      expect(route.AuthorizationType).toBe('CUSTOM');
      expect(route.AuthorizerId).toBeDefined();
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('caches the authorizer’s answer keyed on the Authorization header, simple responses, payload 2.0', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: AUTHORIZER_CACHE_TTL.toSeconds(),
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
    });
  });

  it('throttles the stage and writes JSON access logs with the token id and site, never the token', () => {
    const [[, stage]] = resourcesOf(template, 'AWS::ApiGatewayV2::Stage').filter(ofIngestApi) as [
      [string, Record<string, any>],
    ];
    expect(stage.StageName).toBe('$default');
    expect(stage.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: INGEST_THROTTLE.rateLimit,
      ThrottlingBurstLimit: INGEST_THROTTLE.burstLimit,
    });
    const format = JSON.parse(stage.AccessLogSettings.Format as string) as Record<string, string>;
    expect(format).toMatchObject({ status: '$context.status', tokenId: '$context.authorizer.tokenId' });
    expect(JSON.stringify(format)).not.toMatch(/header|authorization/i);
    expect(stage.AccessLogSettings.DestinationArn).toBeDefined();
  });

  it('keeps tokens by hash and batch records with a TTL, both encrypted with the table key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'tokenHash', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'site', KeyType: 'HASH' },
        { AttributeName: 'batchId', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('lets the authorizer read tokens only, and the ingest function write the metric store and batch records', () => {
    const fnId = (description: RegExp) =>
      resourcesOf(template, 'AWS::Lambda::Function').find(([, fn]) => description.test(String(fn.Description)))![0];
    const authorizer = statementsOfFunction(template, fnId(/agent bearer token/)).flatMap((s) => [s.Action].flat());
    expect(authorizer).toContain('dynamodb:GetItem');
    expect(authorizer).not.toContain('dynamodb:PutItem');
    const ingest = statementsOfFunction(template, fnId(/Stores agent batches/)).flatMap((s) => [s.Action].flat());
    expect(ingest).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'aps:RemoteWrite']));
    expect(ingest).not.toContain('dynamodb:Scan');
  });

  it('outputs the ingest URL and the token table name', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['IngestUrl', 'AgentTokenTable']));
  });

  // Two stacks through both rule packs: seconds each on a busy 2-core machine.
  it('passes cdk-nag on both metric stores', { timeout: 120_000 }, () => {
    expect(nagFindings(stack)).toEqual([]);
    expect(nagFindings(stackFor(timestreamExample()).stack)).toEqual([]);
  });

  it('grants Timestream writes on probes and metrics on that backend', () => {
    const timestream = stackFor(timestreamExample()).template;
    const fn = resourcesOf(timestream, 'AWS::Lambda::Function').find(([, f]) =>
      /Stores agent batches/.test(String(f.Description)),
    )![0];
    const actions = statementsOfFunction(timestream, fn).flatMap((s) => [s.Action].flat());
    expect(actions).toContain('timestream:WriteRecords');
  });
});

describe('without agents', () => {
  const cloudOnly = readFileSync(AWS_EXAMPLE, 'utf8')
    .replace(/runs_on: agent:lab-01/g, 'runs_on: cloud')
    .replace(/interval: 15s # allowed: it runs on the agent/, 'interval: 1m');

  it('has no ingest API when no probe runs on an agent and no site declares one', () => {
    const { stack } = stackFor(cloudOnly.replace('    agents:\n      - id: lab-01\n', ''));
    expect(stack.ingestApi).toBeUndefined();
  });

  it('has one when a site declares an agent that runs no probe of the config (it still sends its scrapes)', () => {
    expect(cloudOnly).toContain('    agents:\n      - id: lab-01\n');
    expect(stackFor(cloudOnly).stack.ingestApi).toBeDefined();
  });
});

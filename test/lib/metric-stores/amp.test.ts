import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { AmpMetricStore } from '../../../lib/metric-stores/amp.js';
import { metricStoreFactory } from '../../../lib/metric-stores/registry.js';
import { parseConfigForDeployment } from '../../../src/domain/config/deploy.js';
import { AWS_EXAMPLE } from '../stack-support.js';

const SETTINGS = {
  retentionDays: 400,
  outOfOrderWindowMs: 2 * 3_600_000,
  seriesLimitPerSite: 50_000,
  maxSamplesProcessed: 1e7,
};

function synth(retainOnDelete?: boolean) {
  const stack = new Stack(new App(), 'Test');
  const store = new AmpMetricStore(stack, 'Metrics', {
    key: new Key(stack, 'Key', { enableKeyRotation: true }),
    settings: SETTINGS,
    sites: ['ward-b', 'site-a', 'ward-b'],
    ...(retainOnDelete === undefined ? {} : { retainOnDelete }),
  });
  const probe = new Role(stack, 'ProbeRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  const rules = new Role(stack, 'RuleRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  store.grantRemoteWrite(probe);
  store.grantQuery(rules);
  return { stack, store, template: Template.fromStack(stack) };
}

// Loading aws-cdk-lib takes seconds on a busy 2-core machine: these tests get a roomier timeout.
describe('AmpMetricStore', { timeout: 60_000 }, () => {
  it('creates a workspace encrypted with the key it is given, with retention, out-of-order window and a series limit per site', () => {
    const { template } = synth();
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toEqual([expect.stringMatching(/^Key/)]);
    template.hasResourceProperties('AWS::APS::Workspace', {
      KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      WorkspaceConfiguration: {
        RetentionPeriodInDays: 400,
        OutOfOrderTimeWindowInSeconds: 7_200,
        LimitsPerLabelSets: [
          { LabelSet: [{ Name: 'site', Value: 'site-a' }], Limits: { MaxSeries: 50_000 } },
          { LabelSet: [{ Name: 'site', Value: 'ward-b' }], Limits: { MaxSeries: 50_000 } },
        ],
      },
    });
  });

  it('grants remote write to writers and query (incl. Grafana’s label/series/metadata calls) to readers, on this workspace only', () => {
    const { template } = synth();
    const workspaceArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('MetricsWorkspace'), 'Arn'] };
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('ProbeRole') }],
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'aps:RemoteWrite', Resource: workspaceArn }] },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('RuleRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['aps:QueryMetrics', 'aps:GetLabels', 'aps:GetSeries', 'aps:GetMetricMetadata'],
            Resource: workspaceArn,
          },
        ],
      },
    });
  });

  it('hands the handlers the backend and workspace URL, keeps data on delete by default, and passes cdk-nag', () => {
    const { stack, store, template } = synth();
    expect(stack.resolve(store.environment)).toEqual({
      PFLOW_METRICS_BACKEND: 'amp',
      PFLOW_AMP_WORKSPACE_URL: { 'Fn::GetAtt': [expect.stringMatching(/MetricsWorkspace/), 'PrometheusEndpoint'] },
    });
    expect(Object.values(template.findResources('AWS::APS::Workspace')).map((r) => r.DeletionPolicy)).toEqual([
      'Retain',
    ]);
    expect(
      Object.values(synth(false).template.findResources('AWS::APS::Workspace')).map((r) => r.DeletionPolicy),
    ).toEqual(['Delete']);
    expect(new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('is what storage.metrics.backend: amp builds from the config: its retention, window and limit, one limit per site', () => {
    const text = readFileSync(AWS_EXAMPLE, 'utf8')
      .replace('retention: 400d', 'retention: 90d')
      .replace('series_limit_per_site: 200000', 'series_limit_per_site: 30000');
    const { config } = parseConfigForDeployment(text, 'aws-example.yaml');
    expect(config.storage.metrics.backend).toBe('amp');
    const stack = new Stack(new App(), 'Test');
    const store = metricStoreFactory(config.storage.metrics.backend)(stack, 'Metrics', {
      config,
      retainOnDelete: true,
      key: new Key(stack, 'Key', { enableKeyRotation: true }),
    });
    expect(store).toBeInstanceOf(AmpMetricStore);
    Template.fromStack(stack).hasResourceProperties('AWS::APS::Workspace', {
      WorkspaceConfiguration: {
        RetentionPeriodInDays: 90,
        OutOfOrderTimeWindowInSeconds: 600,
        LimitsPerLabelSets: [
          { LabelSet: [{ Name: 'site', Value: 'st-anna' }], Limits: { MaxSeries: 30_000 } },
          { LabelSet: [{ Name: 'site', Value: 'st-anna-lab' }], Limits: { MaxSeries: 30_000 } },
        ],
      },
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  it('warns at synth when the out-of-order window is wider than the documented 600 s, naming the field', () => {
    const stack = new Stack(new App(), 'Test');
    new AmpMetricStore(stack, 'Metrics', {
      settings: { ...SETTINGS, outOfOrderWindowMs: 601_000 },
      sites: ['a'],
      key: new Key(stack, 'Key', { enableKeyRotation: true }),
    });
    Annotations.fromStack(stack).hasWarning(
      '/Test/Metrics',
      Match.stringLikeRegexp('storage.metrics.amp.out_of_order_window is 601 s.*at most 600 s'),
    );
  });
});

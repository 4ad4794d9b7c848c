import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS as REGISTRY } from '../../dashboards/src/index.js';
import { dashboardFilesFor } from '../../lib/grafana.js';
import { PerformanceFlowStack } from '../../lib/performance-flow-stack.js';
import { parseConfigForDeployment } from '../../src/domain/config/deploy.js';
import { AWS_EXAMPLE, nagFindings, resourcesOf, statementsOfFunction, timestreamExample } from './stack-support.js';

const IDENTITY_CENTER = `
grafana:
  authentication: iam_identity_center
  admin_groups: [9067a1b2-admins]
  viewer_groups: [9067a1b2-ward, 9067a1b2-it]
`;
const SAML = `
grafana:
  version: "12.4"
  authentication: saml
  admin_groups: [pflow-admins]
  folder: Hospital dashboards
  saml:
    metadata_url: https://idp.st-anna.example/metadata.xml
    login_validity: 2h
`;

function dashboardsDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pflow-dashboards-test-'));
  for (const [name, model] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), JSON.stringify(model));
  }
  return dir;
}

const DASHBOARDS = {
  'overview.json': { uid: 'pflow-overview', title: 'Overview', panels: [] },
  'api.amp.json': { uid: 'pflow-api', title: 'API endpoints', panels: [] },
  'api.timestream.json': { uid: 'pflow-api', title: 'API endpoints (Timestream)', panels: [] },
  'timestream/alerts.json': { uid: 'pflow-alerts', title: 'Alert history', panels: [] },
};

/** The example without its own grafana: section (it is the file's last). */
function withoutGrafana(text: string): string {
  const at = text.indexOf('\ngrafana:');
  if (at < 0) throw new Error('config/aws-example.yaml has no grafana: section');
  return text.slice(0, at) + '\n';
}

function grafanaStack(section: string, dir: string, base = readFileSync(AWS_EXAMPLE, 'utf8')) {
  const deployment = parseConfigForDeployment(withoutGrafana(base) + section, 'test.yaml');
  const stack = new PerformanceFlowStack(new App(), 'PerformanceFlow', {
    config: deployment.config,
    secretNames: deployment.secretNames,
    code: { kind: 'stub' },
    dashboardsDir: dir,
  });
  return { stack, template: Template.fromStack(stack) };
}

describe('dashboardFilesFor', () => {
  it('takes the shared files, the backend-tagged ones and the backend folder, sorted; prometheus counts as amp', () => {
    const dir = dashboardsDir({ ...DASHBOARDS, 'prometheus/hosts.json': { uid: 'h', title: 'Hosts' } });
    expect(dashboardFilesFor(dir, 'amp').map((d) => d.file)).toEqual([
      'dashboards/api.amp.json',
      'dashboards/overview.json',
      'dashboards/prometheus/hosts.json',
    ]);
    expect(dashboardFilesFor(dir, 'timestream').map((d) => d.file)).toEqual([
      'dashboards/api.timestream.json',
      'dashboards/overview.json',
      'dashboards/timestream/alerts.json',
    ]);
    expect(dashboardFilesFor(join(dir, 'none'), 'amp')).toEqual([]);
  });

  it("picks exactly the registry's committed files for each store from the repository's dashboards/", () => {
    const repo = join(import.meta.dirname, '../../dashboards');
    for (const backend of ['amp', 'timestream'] as const) {
      expect(dashboardFilesFor(repo, backend).map((d) => d.file)).toEqual(
        REGISTRY.map((entry) => entry.files[backend]).sort(),
      );
    }
  });

  it('names the file that is not JSON', () => {
    const dir = dashboardsDir({});
    writeFileSync(join(dir, 'broken.json'), '{"uid": ');
    expect(() => dashboardFilesFor(dir, 'amp')).toThrow(/^dashboards\/broken\.json: not JSON/);
  });
});

describe('Grafana construct', () => {
  const dir = dashboardsDir(DASHBOARDS);
  const { stack, template } = grafanaStack(IDENTITY_CENTER, dir);

  it('creates a Grafana 12 workspace signed in through IAM Identity Center with its own read-only role', () => {
    template.resourceCountIs('AWS::Grafana::Workspace', 1);
    template.hasResourceProperties('AWS::Grafana::Workspace', {
      GrafanaVersion: '12.4',
      AuthenticationProviders: ['AWS_SSO'],
      AccountAccessType: 'CURRENT_ACCOUNT',
      PermissionType: 'CUSTOMER_MANAGED',
      DataSources: ['PROMETHEUS', 'CLOUDWATCH'],
      PluginAdminEnabled: false,
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GrafanaWorkspaceRole'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'grafana.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ],
      },
    });
  });

  it('lets the workspace role query the AMP workspace and read CloudWatch metrics, nothing else (issue 8: the Grafana reader role)', () => {
    const [roleId] = resourcesOf(template, 'AWS::IAM::Role').find(([id]) => id.startsWith('GrafanaWorkspaceRole'))!;
    const statements = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => (p.PolicyDocument as { Statement: unknown[] }).Statement);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatchObject({
      Effect: 'Allow',
      Action: ['aps:QueryMetrics', 'aps:GetLabels', 'aps:GetSeries', 'aps:GetMetricMetadata'],
    });
    expect(JSON.stringify(statements[0])).toMatch(/"StorageMetricsWorkspace[0-9A-F]+","Arn"/);
    // Alert history's notifications per channel: the deliver functions' EMF counts. No alarms, logs or writes.
    expect(statements[1]).toEqual({
      Effect: 'Allow',
      Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'],
      Resource: '*',
    });
  });

  // Two synths in one test: slow on a busy machine.
  it('provisions through a custom resource whose properties change with the dashboards', { timeout: 120_000 }, () => {
    const bundle = JSON.stringify({ dashboards: dashboardFilesFor(dir, 'amp') });
    const hash = createHash('sha256').update(bundle).digest('hex');
    template.hasResourceProperties('Custom::PflowGrafanaProvisioning', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GrafanaProvision'), 'Arn'] },
      WorkspaceId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GrafanaWorkspace'), 'Id'] },
      Backend: 'amp',
      Region: { Ref: 'AWS::Region' },
      DataSourceUid: 'pflow-amp',
      CloudWatchDataSourceUid: 'pflow-cloudwatch',
      CloudWatchDataSourceName: 'PerformanceFlow (CloudWatch metrics)',
      FolderTitle: 'PerformanceFlow',
      DashboardsHash: hash,
      DashboardsKey: Match.stringLikeRegexp('\\.json$'),
      Authentication: 'iam_identity_center',
      AdminGroups: ['9067a1b2-admins'],
      ViewerGroups: ['9067a1b2-ward', '9067a1b2-it'],
    });

    const changed = dashboardsDir({ ...DASHBOARDS, 'overview.json': { uid: 'pflow-overview', title: 'Overview v2' } });
    const next = grafanaStack(IDENTITY_CENTER, changed).template;
    const hashOf = (t: Template) => resourcesOf(t, 'Custom::PflowGrafanaProvisioning')[0]![1].DashboardsHash as string;
    const keyOf = (t: Template) => resourcesOf(t, 'Custom::PflowGrafanaProvisioning')[0]![1].DashboardsKey;
    expect(hashOf(next)).not.toBe(hashOf(template));
    expect(keyOf(next)).not.toEqual(keyOf(template));
  });

  it('lets the provisioner mint and delete tokens on this workspace, set group roles and read its asset', () => {
    const fnId = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('GrafanaProvision'))![0];
    const statements = statementsOfFunction(template, fnId);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(
      expect.arrayContaining([
        'grafana:ListWorkspaceServiceAccounts',
        'grafana:CreateWorkspaceServiceAccount',
        'grafana:CreateWorkspaceServiceAccountToken',
        'grafana:DeleteWorkspaceServiceAccountToken',
        'grafana:UpdatePermissions',
        's3:GetObject',
      ]),
    );
    // No secret of the config: the provisioner was made after the secrets grant.
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
    const s3Statement = statements.find((s) => s.Action === 's3:GetObject')!;
    expect(JSON.stringify(s3Statement.Resource)).toMatch(/assets-.*\/[0-9a-f]{64}\.json/);
    const grafanaStatement = statements.find((s) =>
      JSON.stringify(s.Action).includes('CreateWorkspaceServiceAccountToken'),
    )!;
    expect(JSON.stringify(grafanaStatement.Resource)).toContain(':/workspaces/');
  });

  it('gives the rule function the workspace URL, so alerts link to their dashboard', () => {
    const rules = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('RulesFunction'))!;
    expect((rules[1].Environment as { Variables: Record<string, unknown> }).Variables.PFLOW_GRAFANA_URL).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^GrafanaWorkspace/), 'Endpoint'] }]],
    });
  });

  it('outputs the Grafana URL', () => {
    template.hasOutput('GrafanaUrl', {
      Value: {
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^GrafanaWorkspace'), 'Endpoint'] }]],
      },
    });
  });

  it('passes cdk-nag AwsSolutions and HIPAA Security', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('with SAML: IdP metadata, groups attribute as the role, admin groups as Admin, nobody made Editor', () => {
    const saml = grafanaStack(SAML, dir);
    saml.template.hasResourceProperties('AWS::Grafana::Workspace', {
      AuthenticationProviders: ['SAML'],
      SamlConfiguration: {
        IdpMetadata: { Url: 'https://idp.st-anna.example/metadata.xml' },
        AssertionAttributes: { Role: 'groups', Groups: 'groups', Login: 'mail', Email: 'mail', Name: 'displayName' },
        RoleValues: { Admin: ['pflow-admins'] },
        LoginValidityDuration: 120,
      },
    });
    saml.template.hasResourceProperties('Custom::PflowGrafanaProvisioning', {
      FolderTitle: 'Hospital dashboards',
      Authentication: 'saml',
    });
    const fnId = resourcesOf(saml.template, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('GrafanaProvision'),
    )![0];
    const actions = statementsOfFunction(saml.template, fnId).flatMap((s) =>
      Array.isArray(s.Action) ? s.Action : [s.Action],
    );
    expect(actions).not.toContain('grafana:UpdatePermissions');
    expect(nagFindings(saml.stack)).toEqual([]);
  });

  it('on Timestream: a Timestream data source, read-only grants on its tables, its own dashboards', () => {
    const ts = grafanaStack(IDENTITY_CENTER, dir, timestreamExample());
    ts.template.hasResourceProperties('AWS::Grafana::Workspace', { DataSources: ['TIMESTREAM', 'CLOUDWATCH'] });
    ts.template.hasResourceProperties('Custom::PflowGrafanaProvisioning', {
      Backend: 'timestream',
      DataSourceUid: 'pflow-timestream',
      Database: { Ref: Match.stringLikeRegexp('^StorageMetricsDatabase') },
      DashboardsHash: createHash('sha256')
        .update(JSON.stringify({ dashboards: dashboardFilesFor(dir, 'timestream') }))
        .digest('hex'),
    });
    const [roleId] = resourcesOf(ts.template, 'AWS::IAM::Role').find(([id]) => id.startsWith('GrafanaWorkspaceRole'))!;
    const actions = resourcesOf(ts.template, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => (p.PolicyDocument as { Statement: { Action: unknown }[] }).Statement)
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.sort()).toEqual(
      [
        'cloudwatch:GetMetricData',
        'cloudwatch:ListMetrics',
        'timestream:DescribeDatabase',
        'timestream:DescribeEndpoints',
        'timestream:DescribeTable',
        'timestream:ListMeasures',
        'timestream:ListTables',
        'timestream:Select',
      ].sort(),
    );
    expect(nagFindings(ts.stack)).toEqual([]);
  });

  it('makes no workspace without a grafana: section', () => {
    const plain = grafanaStack('', dir);
    plain.template.resourceCountIs('AWS::Grafana::Workspace', 0);
    plain.template.resourceCountIs('Custom::PflowGrafanaProvisioning', 0);
  });

  it('fails synth on two dashboards with one uid, naming both files', () => {
    const twice = dashboardsDir({ 'a.json': { uid: 'x', title: 'A' }, 'b.json': { uid: 'x', title: 'B' } });
    expect(() => grafanaStack(IDENTITY_CENTER, twice)).toThrow(
      'dashboards/b.json: uid x is also the uid of dashboards/a.json',
    );
  });
});

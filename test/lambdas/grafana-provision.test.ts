import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateWorkspaceServiceAccountTokenCommand,
  DeleteWorkspaceServiceAccountTokenCommand,
  GrafanaClient,
  ListWorkspaceServiceAccountsCommand,
  UpdatePermissionsCommand,
} from '@aws-sdk/client-grafana';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGrafanaProvisionHandler } from '../../lambdas/grafana-provision.js';
import { startFakeGrafana, type FakeGrafana } from '../support/fake-grafana.js';

/**
 * The custom resource's handler as CloudFormation drives it: the event in, the dashboards from the
 * stack's S3 asset (stubbed S3), the workspace API stubbed, Grafana's HTTP API and CloudFormation's
 * pre-signed response URL both on a loopback fake. It always answers, and never with the token.
 */

const TOKEN = 'glsa_LambdaTestToken_9f8e7d6c5b4a39281706';
const s3 = mockClient(S3Client);
const grafanaSdk = mockClient(GrafanaClient);
let grafana: FakeGrafana;
let stdout: string[];

const bundle = JSON.stringify({
  dashboards: [
    { file: 'dashboards/overview.json', model: { uid: 'pflow-overview', title: 'Overview', panels: [] } },
    { file: 'dashboards/alerts.json', model: { uid: 'pflow-alerts', title: 'Alert history', panels: [] } },
  ],
});

function event(
  type: 'Create' | 'Update' | 'Delete',
  props: Record<string, unknown> = {},
  old?: Record<string, unknown>,
): CloudFormationCustomResourceEvent {
  const ResourceProperties = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:prov',
    WorkspaceId: 'g-abc',
    GrafanaUrl: grafana.url,
    Backend: 'amp',
    Region: 'eu-west-1',
    DataSourceUid: 'pflow-amp',
    DataSourceName: 'PerformanceFlow (Amazon Managed Prometheus)',
    CloudWatchDataSourceUid: 'pflow-cloudwatch',
    CloudWatchDataSourceName: 'PerformanceFlow (CloudWatch metrics)',
    WorkspaceUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/',
    FolderTitle: 'PerformanceFlow',
    DashboardsBucket: 'cdk-assets',
    DashboardsKey: 'abc123.json',
    DashboardsHash: 'abc123def456abc123',
    Authentication: 'iam_identity_center',
    AdminGroups: ['g-admins'],
    ViewerGroups: ['g-ward'],
    ...props,
  };
  const common = {
    ServiceToken: ResourceProperties.ServiceToken,
    ResponseURL: `${grafana.url}/cfn-response`,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/pflow/1',
    RequestId: 'req-1',
    LogicalResourceId: 'GrafanaProvisioning',
    ResourceType: 'Custom::PflowGrafanaProvisioning',
    ResourceProperties,
  };
  if (type === 'Create') return { ...common, RequestType: 'Create' };
  if (type === 'Update') {
    return {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId: 'pflow-grafana-g-abc',
      OldResourceProperties: { ...(old ?? ResourceProperties), ServiceToken: ResourceProperties.ServiceToken },
    };
  }
  return { ...common, RequestType: 'Delete', PhysicalResourceId: 'pflow-grafana-g-abc' };
}

function cfnResponses(): Array<Record<string, unknown>> {
  return grafana.receiver.requests
    .filter((r) => r.path === '/cfn-response')
    .map((r) => JSON.parse(r.body) as Record<string, unknown>);
}

beforeAll(async () => {
  grafana = await startFakeGrafana({ token: TOKEN });
});
afterAll(async () => {
  await grafana.close();
});
beforeEach(() => {
  grafana.clearRequests();
  stdout = [];
  // Powertools writes INFO to stdout and ERROR to stderr: both are the function's log.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
  }
  s3.reset();
  // Only what the handler reads of the SDK's stream.
  s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => bundle } as never });
  grafanaSdk.reset();
  grafanaSdk.on(UpdatePermissionsCommand).resolves({ errors: [] });
  grafanaSdk.on(ListWorkspaceServiceAccountsCommand).resolves({
    serviceAccounts: [{ id: 'sa-1', name: 'pflow-provisioning', grafanaRole: 'ADMIN', isDisabled: 'false' }],
  });
  grafanaSdk.on(CreateWorkspaceServiceAccountTokenCommand).resolves({
    serviceAccountToken: { id: 'tok-9', name: 'n', key: TOKEN },
    serviceAccountId: 'sa-1',
    workspaceId: 'g-abc',
  });
  grafanaSdk.on(DeleteWorkspaceServiceAccountTokenCommand).resolves({});
});

const handler = () =>
  createGrafanaProvisionHandler({
    grafana: new GrafanaClient({ region: 'eu-west-1' }),
    s3: new S3Client({ region: 'eu-west-1' }),
  });

describe('grafana-provision handler', () => {
  it('on Create reads the staged dashboards, provisions them and answers SUCCESS', async () => {
    await handler()(event('Create'));
    vi.restoreAllMocks();

    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'cdk-assets', Key: 'abc123.json' });
    expect(grafana.calls()).toEqual([
      'GET /api/datasources/uid/pflow-amp',
      'POST /api/datasources',
      'GET /api/datasources/uid/pflow-cloudwatch',
      'POST /api/datasources',
      'GET /api/folders/pflow',
      'POST /api/folders',
      'POST /api/dashboards/db',
      'POST /api/dashboards/db',
    ]);
    expect(grafanaSdk.commandCalls(DeleteWorkspaceServiceAccountTokenCommand)).toHaveLength(1);
    expect(cfnResponses()).toEqual([
      {
        Status: 'SUCCESS',
        Reason: 'SUCCESS',
        PhysicalResourceId: 'pflow-grafana-g-abc',
        StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/pflow/1',
        RequestId: 'req-1',
        LogicalResourceId: 'GrafanaProvisioning',
        NoEcho: false,
        Data: { DataSourceUid: 'pflow-amp', FolderUid: 'pflow', Dashboards: '2' },
      },
    ]);
    const cfn = grafana.receiver.requests.find((r) => r.path === '/cfn-response')!;
    expect(cfn.method).toBe('PUT');
    expect(cfn.headers['content-type'] ?? '').toBe('');
    expect(stdout.join('')).not.toContain(TOKEN);
  });

  it('on Update revokes the roles of groups the config dropped', async () => {
    await handler()(
      event(
        'Update',
        { ViewerGroups: [] },
        { AdminGroups: ['g-admins'], ViewerGroups: ['g-ward'], Authentication: 'iam_identity_center' },
      ),
    );
    vi.restoreAllMocks();
    expect(grafanaSdk.commandCalls(UpdatePermissionsCommand)[0]!.args[0].input.updateInstructionBatch).toEqual([
      { action: 'REVOKE', role: 'VIEWER', users: [{ id: 'g-ward', type: 'SSO_GROUP' }] },
      { action: 'ADD', role: 'ADMIN', users: [{ id: 'g-admins', type: 'SSO_GROUP' }] },
    ]);
    expect(cfnResponses()[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'pflow-grafana-g-abc' });
  });

  it('with SAML leaves roles to the IdP: no UpdatePermissions', async () => {
    await handler()(event('Create', { Authentication: 'saml', ViewerGroups: [] }));
    vi.restoreAllMocks();
    expect(grafanaSdk.commandCalls(UpdatePermissionsCommand)).toHaveLength(0);
    expect(cfnResponses()[0]).toMatchObject({ Status: 'SUCCESS' });
  });

  it('answers FAILED with the reason, without the token, and deleted the token, when an upsert fails', async () => {
    grafana.failDashboard('pflow-alerts');
    grafana.setToken(TOKEN);
    await handler()(event('Create'));
    vi.restoreAllMocks();
    const [answer] = cfnResponses();
    expect(answer).toMatchObject({
      Status: 'FAILED',
      Reason: 'Grafana POST /api/dashboards/db: HTTP 500: {"message":"internal error saving pflow-alerts"}',
    });
    expect(grafanaSdk.commandCalls(DeleteWorkspaceServiceAccountTokenCommand)).toHaveLength(1);
    expect(JSON.stringify(answer)).not.toContain(TOKEN);
    expect(stdout.join('')).not.toContain(TOKEN);
    expect(stdout.join('')).toContain('grafana provisioning failed');
  });

  it('on Delete does nothing in Grafana (deleting the workspace removes it all) and answers SUCCESS', async () => {
    await handler()(event('Delete'));
    vi.restoreAllMocks();
    expect(grafana.calls()).toEqual([]);
    expect(grafanaSdk.calls()).toHaveLength(0);
    expect(cfnResponses()[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'pflow-grafana-g-abc' });
  });

  it('answers FAILED naming a missing property rather than leaving CloudFormation waiting', async () => {
    await handler()(event('Create', { GrafanaUrl: undefined }));
    vi.restoreAllMocks();
    expect(cfnResponses()[0]).toMatchObject({
      Status: 'FAILED',
      Reason: 'resource property GrafanaUrl: required (a string)',
    });
    expect(grafanaSdk.commandCalls(CreateWorkspaceServiceAccountTokenCommand)).toHaveLength(0);
  });
});

import {
  CreateWorkspaceServiceAccountCommand,
  CreateWorkspaceServiceAccountTokenCommand,
  DeleteWorkspaceServiceAccountTokenCommand,
  GrafanaClient,
  ListWorkspaceServiceAccountsCommand,
  UpdatePermissionsCommand,
} from '@aws-sdk/client-grafana';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsGrafanaWorkspace } from '../../src/adapters/aws/grafana-workspace.js';
import { GrafanaHttpApi } from '../../src/adapters/grafana/http-api.js';
import type { DashboardFile } from '../../src/domain/grafana/provisioning.js';
import type { Logger } from '../../src/domain/ports.js';
import { provisionGrafana, type ProvisionGrafanaRequest } from '../../src/services/provision-grafana.js';
import { startFakeGrafana, type FakeGrafana } from '../support/fake-grafana.js';

/**
 * The provisioning use case with the real HTTP adapter against a loopback fake of Grafana's API and
 * the real workspace adapter over a stubbed `@aws-sdk/client-grafana`: one timeline of both, so the
 * order (token, data source, folder, dashboards, token deleted) is asserted as it happened.
 */

const TOKEN = 'glsa_FakeTokenValue0123456789abcdef_0a1b2c3d';
const WORKSPACE = 'g-0123456789';
const sdk = mockClient(GrafanaClient);
let grafana: FakeGrafana;
let timeline: string[];
let logged: string[];

const logger: Logger = {
  debug: (message, fields) => logged.push(`${message} ${JSON.stringify(fields ?? {})}`),
  info: (message, fields) => logged.push(`${message} ${JSON.stringify(fields ?? {})}`),
  warn: (message, fields) => logged.push(`${message} ${JSON.stringify(fields ?? {})}`),
  error: (message, fields) => logged.push(`${message} ${JSON.stringify(fields ?? {})}`),
};

const dashboard = (uid: string, title: string, extra: Record<string, unknown> = {}): DashboardFile => ({
  file: `dashboards/${uid}.json`,
  model: { id: 17, uid, title, panels: [], ...extra },
});

function request(overrides: Partial<ProvisionGrafanaRequest> = {}): ProvisionGrafanaRequest {
  return {
    grafanaUrl: grafana.url,
    source: {
      backend: 'amp',
      region: 'eu-west-1',
      workspaceUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/',
    },
    dataSource: { uid: 'pflow-amp', name: 'PerformanceFlow (Amazon Managed Prometheus)' },
    folderTitle: 'PerformanceFlow',
    dashboards: [dashboard('pflow-overview', 'Overview'), dashboard('pflow-api', 'API endpoints')],
    version: 'a1b2c3d4e5f6a7b8c9d0',
    ...overrides,
  };
}

const deps = () => ({
  workspace: new AwsGrafanaWorkspace(new GrafanaClient({ region: 'eu-west-1' }), WORKSPACE),
  api: (url: string, token: string) =>
    new GrafanaHttpApi(url, token, async (input, init) => {
      timeline.push(`http ${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    }),
  logger,
});

beforeAll(async () => {
  grafana = await startFakeGrafana({ token: TOKEN });
});
afterAll(async () => {
  await grafana.close();
});

beforeEach(() => {
  timeline = [];
  logged = [];
  sdk.reset();
  sdk.on(ListWorkspaceServiceAccountsCommand).callsFake(() => {
    timeline.push('sdk ListWorkspaceServiceAccounts');
    return {
      workspaceId: WORKSPACE,
      serviceAccounts: [{ id: 'sa-other', name: 'someone-else', grafanaRole: 'VIEWER', isDisabled: 'false' }],
    };
  });
  sdk.on(CreateWorkspaceServiceAccountCommand).callsFake(() => {
    timeline.push('sdk CreateWorkspaceServiceAccount');
    return { id: 'sa-7', name: 'pflow-provisioning', grafanaRole: 'ADMIN', workspaceId: WORKSPACE };
  });
  sdk.on(CreateWorkspaceServiceAccountTokenCommand).callsFake(() => {
    timeline.push('sdk CreateWorkspaceServiceAccountToken');
    return {
      serviceAccountId: 'sa-7',
      workspaceId: WORKSPACE,
      serviceAccountToken: { id: 'tok-1', name: 'x', key: TOKEN },
    };
  });
  sdk.on(DeleteWorkspaceServiceAccountTokenCommand).callsFake(() => {
    timeline.push('sdk DeleteWorkspaceServiceAccountToken');
    return { serviceAccountId: 'sa-7', tokenId: 'tok-1', workspaceId: WORKSPACE };
  });
  sdk.on(UpdatePermissionsCommand).callsFake(() => {
    timeline.push('sdk UpdatePermissions');
    return { errors: [] };
  });
});

afterEach(() => {
  // The token's key appears in no log line, whatever happened.
  expect(logged.join('\n')).not.toContain(TOKEN);
});

describe('provisionGrafana', () => {
  it('mints a token, upserts the data source, the folder and every dashboard, then deletes the token', async () => {
    const result = await provisionGrafana(request(), deps());

    expect(timeline).toEqual([
      'sdk ListWorkspaceServiceAccounts',
      'sdk CreateWorkspaceServiceAccount',
      'sdk CreateWorkspaceServiceAccountToken',
      'http GET /api/datasources/uid/pflow-amp',
      'http POST /api/datasources',
      'http GET /api/folders/pflow',
      'http POST /api/folders',
      'http POST /api/dashboards/db',
      'http POST /api/dashboards/db',
      'sdk DeleteWorkspaceServiceAccountToken',
    ]);
    expect(result).toEqual({
      dataSourceUid: 'pflow-amp',
      folderUid: 'pflow',
      dashboards: ['pflow-overview', 'pflow-api'],
    });
    expect(sdk.commandCalls(CreateWorkspaceServiceAccountCommand)[0]!.args[0].input).toEqual({
      workspaceId: WORKSPACE,
      name: 'pflow-provisioning',
      grafanaRole: 'ADMIN',
    });
    const tokenInput = sdk.commandCalls(CreateWorkspaceServiceAccountTokenCommand)[0]!.args[0].input;
    expect(tokenInput).toMatchObject({ workspaceId: WORKSPACE, serviceAccountId: 'sa-7', secondsToLive: 900 });
    expect(tokenInput.name).toMatch(/^pflow-deploy-a1b2c3d4e5f6-/);
    expect(sdk.commandCalls(DeleteWorkspaceServiceAccountTokenCommand)[0]!.args[0].input).toEqual({
      workspaceId: WORKSPACE,
      serviceAccountId: 'sa-7',
      tokenId: 'tok-1',
    });
    // Every Grafana request carried the minted token.
    for (const r of grafana.receiver.requests) expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(grafana.dataSources.get('pflow-amp')).toEqual({
      uid: 'pflow-amp',
      name: 'PerformanceFlow (Amazon Managed Prometheus)',
      type: 'prometheus',
      access: 'proxy',
      url: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1',
      isDefault: true,
      jsonData: { httpMethod: 'POST', sigV4Auth: true, sigV4AuthType: 'ec2_iam_role', sigV4Region: 'eu-west-1' },
    });
    expect(grafana.folders.get('pflow')).toEqual({ uid: 'pflow', title: 'PerformanceFlow' });
    // Overwritten in the folder, with the instance-specific id dropped.
    expect(grafana.dashboards.get('pflow-overview')).toEqual({
      dashboard: { uid: 'pflow-overview', title: 'Overview', panels: [] },
      folderUid: 'pflow',
      overwrite: true,
      message: 'PerformanceFlow deploy a1b2c3d4e5f6a7b8c9d0',
    });
  });

  it("adds the CloudWatch data source after the metric store's when asked, signed with the workspace role, not the default", async () => {
    grafana.clearRequests();
    const result = await provisionGrafana(
      request({ cloudWatch: { uid: 'pflow-cloudwatch', name: 'PerformanceFlow (CloudWatch metrics)' } }),
      deps(),
    );
    expect(timeline.filter((step) => step.includes('datasources'))).toEqual([
      'http GET /api/datasources/uid/pflow-amp',
      'http PUT /api/datasources/uid/pflow-amp',
      'http GET /api/datasources/uid/pflow-cloudwatch',
      'http POST /api/datasources',
    ]);
    expect(timeline[timeline.length - 1]).toBe('sdk DeleteWorkspaceServiceAccountToken');
    expect(grafana.dataSources.get('pflow-cloudwatch')).toEqual({
      uid: 'pflow-cloudwatch',
      name: 'PerformanceFlow (CloudWatch metrics)',
      type: 'cloudwatch',
      access: 'proxy',
      isDefault: false,
      jsonData: { authType: 'ec2_iam_role', defaultRegion: 'eu-west-1' },
    });
    expect(result).toMatchObject({ dataSourceUid: 'pflow-amp', cloudWatchUid: 'pflow-cloudwatch' });
  });

  it('updates in place on the next deploy: existing service account, PUT for data source and folder', async () => {
    sdk.on(ListWorkspaceServiceAccountsCommand).callsFake(() => {
      timeline.push('sdk ListWorkspaceServiceAccounts');
      return {
        serviceAccounts: [{ id: 'sa-7', name: 'pflow-provisioning', grafanaRole: 'ADMIN', isDisabled: 'false' }],
      };
    });
    grafana.clearRequests();
    await provisionGrafana(
      request({
        folderTitle: 'Hospital dashboards',
        dashboards: [dashboard('pflow-overview', 'Overview v2')],
        source: {
          backend: 'amp',
          region: 'eu-central-1',
          workspaceUrl: 'https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-2',
        },
      }),
      deps(),
    );
    expect(timeline).toEqual([
      'sdk ListWorkspaceServiceAccounts',
      'sdk CreateWorkspaceServiceAccountToken',
      'http GET /api/datasources/uid/pflow-amp',
      'http PUT /api/datasources/uid/pflow-amp',
      'http GET /api/folders/pflow',
      'http PUT /api/folders/pflow',
      'http POST /api/dashboards/db',
      'sdk DeleteWorkspaceServiceAccountToken',
    ]);
    expect(grafana.dataSources.get('pflow-amp')).toMatchObject({
      url: 'https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-2',
      jsonData: { sigV4Region: 'eu-central-1' },
    });
    expect(grafana.folders.get('pflow')).toMatchObject({ title: 'Hospital dashboards', overwrite: true });
    expect((grafana.dashboards.get('pflow-overview')!.dashboard as { title: string }).title).toBe('Overview v2');
  });

  it('deletes the token when a dashboard upsert fails, and the error names the dashboard, not the token', async () => {
    grafana.failDashboard('pflow-broken');
    const error = await provisionGrafana(
      request({
        dashboards: [
          dashboard('pflow-overview', 'Overview'),
          dashboard('pflow-broken', 'Broken'),
          dashboard('pflow-api', 'API'),
        ],
      }),
      deps(),
    ).then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    );

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'Grafana POST /api/dashboards/db: HTTP 500: {"message":"internal error saving pflow-broken"}',
    );
    expect(timeline.slice(-3)).toEqual([
      'http POST /api/dashboards/db',
      'http POST /api/dashboards/db',
      'sdk DeleteWorkspaceServiceAccountToken',
    ]);
    // The one after the failure was not attempted.
    expect(grafana.dashboards.has('pflow-api')).toBe(true); // from the first test
    expect(timeline.filter((t) => t === 'http POST /api/dashboards/db')).toHaveLength(2);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(String((error as Error).stack)).not.toContain(TOKEN);
  });

  it('deletes the token when Grafana is unreachable, and redacts the token if Grafana echoes it', async () => {
    const unreachable = await provisionGrafana(request({ grafanaUrl: 'http://127.0.0.1:1' }), deps()).then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    );
    expect(unreachable.message).toMatch(/^Grafana GET \/api\/datasources\/uid\/pflow-amp: HTTP 0: /);
    expect(timeline.at(-1)).toBe('sdk DeleteWorkspaceServiceAccountToken');

    timeline = [];
    const echoing = deps();
    const echoed = await provisionGrafana(request(), {
      ...echoing,
      api: (url, token) =>
        new GrafanaHttpApi(url, token, async () => new Response(`bad token ${token}`, { status: 401 })),
    }).then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    );
    expect(echoed.message).toBe('Grafana GET /api/datasources/uid/pflow-amp: HTTP 401: bad token [REDACTED]');
    expect(timeline.at(-1)).toBe('sdk DeleteWorkspaceServiceAccountToken');
  });

  it('reports the upsert failure first when deleting the token fails too, and says the token expires', async () => {
    grafana.failDashboard('pflow-broken');
    sdk.on(DeleteWorkspaceServiceAccountTokenCommand).rejects(new Error('ThrottlingException: slow down'));
    const error = await provisionGrafana(request({ dashboards: [dashboard('pflow-broken', 'Broken')] }), deps()).then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toContain('internal error saving pflow-broken');
    expect(logged.some((line) => line.startsWith('grafana: token not deleted; it expires by itself'))).toBe(true);
  });

  it('fails on a token-deletion failure alone, so a deploy never leaves a live token silently', async () => {
    sdk.on(DeleteWorkspaceServiceAccountTokenCommand).rejects(new Error('AccessDeniedException'));
    await expect(provisionGrafana(request(), deps())).rejects.toThrow('token tok-1 not deleted: AccessDeniedException');
  });

  it('checks every dashboard before writing anything: a missing uid or a duplicate changes nothing', async () => {
    await expect(
      provisionGrafana(request({ dashboards: [{ file: 'dashboards/x.json', model: { title: 'X' } }] }), deps()),
    ).rejects.toThrow('dashboards/x.json: uid: required (a string)');
    await expect(
      provisionGrafana(
        request({
          dashboards: [
            { file: 'dashboards/a.json', model: { uid: 'same', title: 'A' } },
            { file: 'dashboards/b.json', model: { uid: 'same', title: 'B' } },
          ],
        }),
        deps(),
      ),
    ).rejects.toThrow('dashboards/b.json: uid same is also the uid of dashboards/a.json');
    expect(timeline).toEqual([]);
  });

  it('gives IAM Identity Center groups their roles first, revoking the ones a group lost', async () => {
    await provisionGrafana(
      request({
        groups: {
          previous: { adminGroups: ['g-admins', 'g-old-admins'], viewerGroups: ['g-ward'] },
          next: { adminGroups: ['g-admins'], viewerGroups: ['g-ward', 'g-it'] },
        },
      }),
      deps(),
    );
    expect(timeline[0]).toBe('sdk UpdatePermissions');
    expect(sdk.commandCalls(UpdatePermissionsCommand)[0]!.args[0].input).toEqual({
      workspaceId: WORKSPACE,
      updateInstructionBatch: [
        { action: 'REVOKE', role: 'ADMIN', users: [{ id: 'g-old-admins', type: 'SSO_GROUP' }] },
        { action: 'ADD', role: 'ADMIN', users: [{ id: 'g-admins', type: 'SSO_GROUP' }] },
        {
          action: 'ADD',
          role: 'VIEWER',
          users: [
            { id: 'g-ward', type: 'SSO_GROUP' },
            { id: 'g-it', type: 'SSO_GROUP' },
          ],
        },
      ],
    });
  });

  it('stops before minting a token when a group role cannot be given', async () => {
    sdk.on(UpdatePermissionsCommand).resolves({
      errors: [
        { code: 400, message: 'group g-typo not found', causedBy: { action: 'ADD', role: 'VIEWER', users: [] } },
      ],
    });
    await expect(
      provisionGrafana(request({ groups: { next: { adminGroups: ['g-admins'], viewerGroups: ['g-typo'] } } }), deps()),
    ).rejects.toThrow('UpdatePermissions: 1 instruction(s) failed, first: 400 group g-typo not found');
    expect(sdk.commandCalls(CreateWorkspaceServiceAccountTokenCommand)).toHaveLength(0);
  });
});

import type { GrafanaApi, GrafanaWorkspace, WorkspaceToken } from '../domain/grafana/ports.js';
import {
  cloudWatchDataSource,
  dashboardUpserts,
  dataSourceFor,
  FOLDER_UID,
  roleChanges,
  SERVICE_ACCOUNT_NAME,
  TOKEN_SECONDS_TO_LIVE,
  type DashboardFile,
  type DataSourceIdentity,
  type GroupRoles,
  type MetricSource,
} from '../domain/grafana/provisioning.js';
import { PflowError } from '../domain/errors.js';
import type { Logger } from '../domain/ports.js';

export interface ProvisionGrafanaRequest {
  /** `https://<workspace endpoint>`. */
  readonly grafanaUrl: string;
  readonly source: MetricSource;
  /** The uid and name the dashboards use for it. */
  readonly dataSource: DataSourceIdentity;
  /** The CloudWatch data source some panels name (in the metric store's region), when the stack adds it. */
  readonly cloudWatch?: DataSourceIdentity;
  readonly folderTitle: string;
  readonly dashboards: readonly DashboardFile[];
  /** What this deploy is (the dashboards' hash): Grafana's version message and the token's name. */
  readonly version: string;
  /** IAM Identity Center only: the group roles now, and those the previous deploy gave. */
  readonly groups?: { readonly next: GroupRoles; readonly previous?: GroupRoles };
}

export interface ProvisionGrafanaDeps {
  readonly workspace: GrafanaWorkspace;
  /** The Grafana HTTP API signed in with a token. */
  readonly api: (grafanaUrl: string, token: string) => GrafanaApi;
  readonly logger: Logger;
}

export interface ProvisionGrafanaResult {
  readonly dataSourceUid: string;
  /** Set when the CloudWatch data source was upserted too. */
  readonly cloudWatchUid?: string;
  readonly folderUid: string;
  readonly dashboards: readonly string[];
}

/**
 * One deploy's Grafana provisioning: group roles, then — signed in with a service-account token
 * minted for this run — the data source, the folder and every dashboard, then the token is deleted,
 * whether the upserts worked or not. Dashboards are checked before anything is written, so a broken
 * file changes nothing. The token's key is never logged and never part of an error.
 */
export async function provisionGrafana(
  request: ProvisionGrafanaRequest,
  deps: ProvisionGrafanaDeps,
): Promise<ProvisionGrafanaResult> {
  const { workspace, logger } = deps;
  const upserts = dashboardUpserts(request.dashboards, FOLDER_UID, request.version);
  const dataSource = dataSourceFor(request.source, request.dataSource);
  const cloudWatch =
    request.cloudWatch === undefined ? undefined : cloudWatchDataSource(request.source.region, request.cloudWatch);

  if (request.groups) {
    await workspace.updateGroupRoles(roleChanges(request.groups.previous, request.groups.next));
  }

  const serviceAccountId = await workspace.ensureServiceAccount(SERVICE_ACCOUNT_NAME);
  const token: WorkspaceToken = await workspace.createToken(
    serviceAccountId,
    `pflow-deploy-${request.version.slice(0, 12)}-${Date.now().toString(36)}`,
    TOKEN_SECONDS_TO_LIVE,
  );
  logger.info('grafana: token created', { serviceAccountId, tokenId: token.id, secondsToLive: TOKEN_SECONDS_TO_LIVE });

  let failure: unknown;
  try {
    const api = deps.api(request.grafanaUrl, token.key);
    await api.upsertDataSource(dataSource);
    if (cloudWatch) await api.upsertDataSource(cloudWatch);
    await api.upsertFolder(FOLDER_UID, request.folderTitle);
    for (const upsert of upserts) {
      await api.upsertDashboard(upsert);
      logger.info('grafana: dashboard upserted', { uid: upsert.uid, title: upsert.title });
    }
  } catch (error) {
    failure = error;
  } finally {
    try {
      await workspace.deleteToken(serviceAccountId, token.id);
      logger.info('grafana: token deleted', { tokenId: token.id });
    } catch (error) {
      // It expires on its own within TOKEN_SECONDS_TO_LIVE; say so rather than hide the first error.
      const message = error instanceof Error ? error.message : String(error);
      logger.warn('grafana: token not deleted; it expires by itself', {
        tokenId: token.id,
        secondsToLive: TOKEN_SECONDS_TO_LIVE,
        error: message,
      });
      failure ??= new PflowError('grafana_workspace', `token ${token.id} not deleted: ${message}`);
    }
  }
  if (failure !== undefined) throw failure;
  return {
    dataSourceUid: dataSource.uid,
    ...(cloudWatch && { cloudWatchUid: cloudWatch.uid }),
    folderUid: FOLDER_UID,
    dashboards: upserts.map((upsert) => upsert.uid),
  };
}

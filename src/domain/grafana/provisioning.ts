/**
 * What the Grafana provisioning writes, worked out without any I/O: the data source for the
 * deployment's metric store, the folder, each dashboard's upsert body, and the role changes for
 * IAM Identity Center groups. The custom resource (lambdas/grafana-provision.ts) sends these.
 */

/** The data source's identity, as the dashboards name it (dashboards/src/datasources.ts). */
export interface DataSourceIdentity {
  readonly uid: string;
  readonly name: string;
}
/** The folder's uid: fixed, so a renamed folder is updated rather than duplicated. */
export const FOLDER_UID = 'pflow';
/** The service account the provisioning signs in as; its tokens live for minutes. */
export const SERVICE_ACCOUNT_NAME = 'pflow-provisioning';
/** Long enough for a slow deploy to upsert every dashboard; deleted at the end anyway. */
export const TOKEN_SECONDS_TO_LIVE = 900;

/** Where the dashboards read from: the deployment's metric store, read with the workspace's IAM role. */
export type MetricSource =
  | { readonly backend: 'amp'; readonly region: string; readonly workspaceUrl: string }
  | { readonly backend: 'timestream'; readonly region: string; readonly database: string };

/** The body of `POST /api/datasources` (and `PUT /api/datasources/uid/<uid>`). */
export interface DataSourceBody {
  readonly uid: string;
  readonly name: string;
  readonly type: string;
  readonly access: 'proxy';
  readonly url?: string;
  readonly isDefault: boolean;
  readonly jsonData: Readonly<Record<string, unknown>>;
}

/**
 * The data source for a metric store. Both sign with the workspace's IAM role (`ec2_iam_role` is
 * the authentication provider Managed Grafana shows as "Workspace IAM role"), so no key is stored.
 */
export function dataSourceFor(source: MetricSource, identity: DataSourceIdentity): DataSourceBody {
  if (source.backend === 'amp') {
    return {
      uid: identity.uid,
      name: identity.name,
      // The core type with SigV4: what the dashboards' PromQL panels name; Grafana 13 migrates it
      // to the Amazon Managed Service for Prometheus plugin in place.
      type: 'prometheus',
      access: 'proxy',
      url: source.workspaceUrl.replace(/\/+$/, ''),
      isDefault: true,
      jsonData: {
        httpMethod: 'POST',
        sigV4Auth: true,
        sigV4AuthType: 'ec2_iam_role',
        sigV4Region: source.region,
      },
    };
  }
  return {
    uid: identity.uid,
    name: identity.name,
    type: 'grafana-timestream-datasource',
    access: 'proxy',
    isDefault: true,
    jsonData: { authType: 'ec2_iam_role', defaultRegion: source.region, defaultDatabase: source.database },
  };
}

/**
 * CloudWatch in the stack's region, signed with the workspace's IAM role like the metric store's:
 * for the panels that chart the functions' EMF metrics (notifications per channel). Never the
 * default, so a panel without a data source still reads the metric store.
 */
export function cloudWatchDataSource(region: string, identity: DataSourceIdentity): DataSourceBody {
  return {
    uid: identity.uid,
    name: identity.name,
    type: 'cloudwatch',
    access: 'proxy',
    isDefault: false,
    jsonData: { authType: 'ec2_iam_role', defaultRegion: region },
  };
}

/** A dashboard as committed under dashboards/: its JSON model, which must carry a uid and a title. */
export interface DashboardFile {
  /** The file name, for messages. */
  readonly file: string;
  readonly model: Readonly<Record<string, unknown>>;
}

export interface DashboardUpsert {
  readonly uid: string;
  readonly title: string;
  readonly body: {
    readonly dashboard: Readonly<Record<string, unknown>>;
    readonly folderUid: string;
    readonly overwrite: true;
    readonly message: string;
  };
}

/**
 * The body of `POST /api/dashboards/db`: overwrite, in the folder, with the model's `id` dropped
 * (ids are per Grafana instance; the uid is what identifies a dashboard across deploys).
 */
export function dashboardUpsert(dashboard: DashboardFile, folderUid: string, version: string): DashboardUpsert {
  const { model, file } = dashboard;
  const uid = model.uid;
  const title = model.title;
  if (typeof uid !== 'string' || uid === '') throw new Error(`${file}: uid: required (a string)`);
  if (typeof title !== 'string' || title === '') throw new Error(`${file}: title: required (a string)`);
  const { id: _id, ...rest } = model;
  return {
    uid,
    title,
    body: { dashboard: rest, folderUid, overwrite: true, message: `PerformanceFlow deploy ${version}` },
  };
}

/** Checks the set as a whole: two files with one uid would overwrite each other on every deploy. */
export function dashboardUpserts(files: readonly DashboardFile[], folderUid: string, version: string) {
  const upserts = files.map((file) => dashboardUpsert(file, folderUid, version));
  const seen = new Map<string, string>();
  upserts.forEach((upsert, index) => {
    const other = seen.get(upsert.uid);
    if (other !== undefined) throw new Error(`${files[index]!.file}: uid ${upsert.uid} is also the uid of ${other}`);
    seen.set(upsert.uid, files[index]!.file);
  });
  return upserts;
}

export type WorkspaceRole = 'ADMIN' | 'VIEWER';

/** One `UpdatePermissions` instruction for IAM Identity Center groups. */
export interface RoleChange {
  readonly action: 'ADD' | 'REVOKE';
  readonly role: WorkspaceRole;
  readonly groups: readonly string[];
}

export interface GroupRoles {
  readonly adminGroups: readonly string[];
  readonly viewerGroups: readonly string[];
}

/**
 * From the groups the last deploy gave roles to, to the groups the config names now: groups that
 * left a role lose it, every listed group is (re)added — ADD is idempotent, and re-adding repairs a
 * role someone removed by hand.
 */
export function roleChanges(previous: GroupRoles | undefined, next: GroupRoles): RoleChange[] {
  const changes: RoleChange[] = [];
  const pairs: Array<[WorkspaceRole, readonly string[], readonly string[]]> = [
    ['ADMIN', previous?.adminGroups ?? [], next.adminGroups],
    ['VIEWER', previous?.viewerGroups ?? [], next.viewerGroups],
  ];
  for (const [role, before, now] of pairs) {
    const gone = before.filter((group) => !now.includes(group));
    if (gone.length > 0) changes.push({ action: 'REVOKE', role, groups: gone });
  }
  for (const [role, , now] of pairs) {
    if (now.length > 0) changes.push({ action: 'ADD', role, groups: [...now] });
  }
  return changes;
}

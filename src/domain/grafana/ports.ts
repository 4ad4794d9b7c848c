import type { DashboardUpsert, DataSourceBody, RoleChange } from './provisioning.js';

/** What the provisioning does in Grafana's HTTP API: three upserts, each idempotent. */
export interface GrafanaApi {
  upsertDataSource(body: DataSourceBody): Promise<void>;
  upsertFolder(uid: string, title: string): Promise<void>;
  upsertDashboard(upsert: DashboardUpsert): Promise<void>;
}

/** A token for the Grafana HTTP API: `key` is the secret, shown once by AWS. */
export interface WorkspaceToken {
  readonly id: string;
  readonly key: string;
}

/** The Managed Grafana workspace API calls the provisioning makes. */
export interface GrafanaWorkspace {
  /** The id of the service account with this name, made (as Admin) if there is none. */
  ensureServiceAccount(name: string): Promise<string>;
  createToken(serviceAccountId: string, name: string, secondsToLive: number): Promise<WorkspaceToken>;
  deleteToken(serviceAccountId: string, tokenId: string): Promise<void>;
  /** IAM Identity Center groups' roles (UpdatePermissions with SSO_GROUP users). */
  updateGroupRoles(changes: readonly RoleChange[]): Promise<void>;
}

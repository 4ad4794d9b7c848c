import {
  CreateWorkspaceServiceAccountCommand,
  CreateWorkspaceServiceAccountTokenCommand,
  DeleteWorkspaceServiceAccountTokenCommand,
  ListWorkspaceServiceAccountsCommand,
  UpdatePermissionsCommand,
  type GrafanaClient,
} from '@aws-sdk/client-grafana';
import type { GrafanaWorkspace, WorkspaceToken } from '../../domain/grafana/ports.js';
import type { RoleChange } from '../../domain/grafana/provisioning.js';
import { PflowError } from '../../domain/errors.js';

/** `@aws-sdk/client-grafana` for one workspace. */
export class AwsGrafanaWorkspace implements GrafanaWorkspace {
  constructor(
    private readonly client: GrafanaClient,
    private readonly workspaceId: string,
  ) {}

  async ensureServiceAccount(name: string): Promise<string> {
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListWorkspaceServiceAccountsCommand({ workspaceId: this.workspaceId, nextToken }),
      );
      const found = page.serviceAccounts?.find((account) => account.name === name);
      if (found?.id) return found.id;
      nextToken = page.nextToken;
    } while (nextToken);
    // ADMIN: creating and updating a data source takes the organisation Admin role in Grafana.
    const created = await this.client.send(
      new CreateWorkspaceServiceAccountCommand({ workspaceId: this.workspaceId, name, grafanaRole: 'ADMIN' }),
    );
    if (!created.id) throw new PflowError('grafana_workspace', `CreateWorkspaceServiceAccount ${name}: no id returned`);
    return created.id;
  }

  async createToken(serviceAccountId: string, name: string, secondsToLive: number): Promise<WorkspaceToken> {
    const created = await this.client.send(
      new CreateWorkspaceServiceAccountTokenCommand({
        workspaceId: this.workspaceId,
        serviceAccountId,
        name,
        secondsToLive,
      }),
    );
    const token = created.serviceAccountToken;
    if (!token?.id || !token.key) {
      throw new PflowError('grafana_workspace', `CreateWorkspaceServiceAccountToken ${name}: no token returned`);
    }
    return { id: token.id, key: token.key };
  }

  async deleteToken(serviceAccountId: string, tokenId: string): Promise<void> {
    await this.client.send(
      new DeleteWorkspaceServiceAccountTokenCommand({ workspaceId: this.workspaceId, serviceAccountId, tokenId }),
    );
  }

  async updateGroupRoles(changes: readonly RoleChange[]): Promise<void> {
    if (changes.length === 0) return;
    const result = await this.client.send(
      new UpdatePermissionsCommand({
        workspaceId: this.workspaceId,
        updateInstructionBatch: changes.map((change) => ({
          action: change.action,
          role: change.role,
          users: change.groups.map((id) => ({ id, type: 'SSO_GROUP' as const })),
        })),
      }),
    );
    const errors = result.errors ?? [];
    if (errors.length > 0) {
      const first = errors[0]!;
      throw new PflowError(
        'grafana_workspace',
        `UpdatePermissions: ${errors.length} instruction(s) failed, first: ${first.code ?? ''} ${first.message ?? ''}`.trim(),
      );
    }
  }
}

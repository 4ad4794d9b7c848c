import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Aws, CfnOutput, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { CfnWorkspace } from 'aws-cdk-lib/aws-grafana';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { CLOUDWATCH_DATASOURCE, DATASOURCES } from '../dashboards/src/datasources.js';
import type { GrafanaSettings } from '../src/domain/config/grafana.js';
import { dashboardUpserts, FOLDER_UID, type DashboardFile } from '../src/domain/grafana/provisioning.js';
import type { FunctionDefaults } from './function-defaults.js';
import type { MetricStoreConstruct } from './metric-stores/types.js';

const REPO_DASHBOARDS = resolve(import.meta.dirname, '..', 'dashboards');
const MINUTE_MS = 60_000;

/** A file meant for one metric store: `overview.amp.json`, or `amp/overview.json`; `prometheus` means amp too. */
const BACKEND_ALIASES: Readonly<Record<string, readonly string[]>> = {
  amp: ['amp', 'prometheus'],
  timestream: ['timestream'],
};

/**
 * The dashboards for a metric store, read at synth time from `dir`: every `*.json` directly in it
 * (unless its name ends in another store's `.<backend>.json`), and every `*.json` in its
 * `<backend>/` folder. Sorted by path, so the same files always make the same bundle and hash.
 */
export function dashboardFilesFor(dir: string, backend: string): DashboardFile[] {
  if (!existsSync(dir)) return [];
  const mine = BACKEND_ALIASES[backend] ?? [backend];
  const every = Object.values(BACKEND_ALIASES).flat();
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!mine.includes(name)) continue;
      for (const inner of readdirSync(path).sort()) if (inner.endsWith('.json')) files.push(`${name}/${inner}`);
    } else if (name.endsWith('.json')) {
      const tag = /\.([a-z]+)\.json$/.exec(name)?.[1];
      if (tag !== undefined && every.includes(tag) && !mine.includes(tag)) continue;
      files.push(name);
    }
  }
  return files.sort().map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    let model: unknown;
    try {
      model = JSON.parse(text);
    } catch (error) {
      throw new Error(`dashboards/${file}: not JSON (${(error as Error).message})`);
    }
    if (typeof model !== 'object' || model === null || Array.isArray(model)) {
      throw new Error(`dashboards/${file}: expected a dashboard object`);
    }
    return { file: `dashboards/${file}`, model: model as Record<string, unknown> };
  });
}

export interface GrafanaProps {
  readonly settings: GrafanaSettings;
  readonly metricStore: MetricStoreConstruct;
  readonly functions: FunctionDefaults;
  /** Where the dashboard JSON is (default: the repository's `dashboards/`). */
  readonly dashboardsDir?: string;
}

/**
 * The Amazon Managed Grafana workspace: sign-in through IAM Identity Center or SAML, Admin and
 * Viewer roles for the config's groups (nobody is made Editor: viewers look, they do not edit),
 * a workspace role that can only read the metric store and CloudWatch metrics, and a custom resource that puts the data
 * source, the folder and every dashboard in on each deploy whose dashboards or settings changed.
 */
export class Grafana extends Construct {
  readonly workspace: CfnWorkspace;
  /** The workspace's URL (https://<endpoint>). */
  readonly url: string;
  readonly role: Role;
  readonly provisioner: LambdaFunction;
  readonly dashboards: readonly DashboardFile[];
  /** SHA-256 of the dashboard bundle: a changed dashboard changes the custom resource, which redeploys it. */
  readonly dashboardsHash: string;

  constructor(scope: Construct, id: string, props: GrafanaProps) {
    super(scope, id);
    const { settings, metricStore } = props;
    const stack = Stack.of(this);
    const source = metricStore.dashboardSource;

    this.role = new Role(this, 'WorkspaceRole', {
      description: 'Managed Grafana workspace: reads the PerformanceFlow metric store (PerformanceFlow)',
      assumedBy: new ServicePrincipal('grafana.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:grafana:${Aws.REGION}:${Aws.ACCOUNT_ID}:/workspaces/*` },
        },
      }),
    });
    metricStore.grantDashboardReader(this.role);
    // Alert history charts the deliver functions' EMF counts per channel (dashboards/src/views/alert-history.ts).
    // Read only: GetMetricData for the panels, ListMetrics for the `*` channel wildcard and the query
    // editor. Neither has a resource type, and cloudwatch:namespace conditions only PutMetricData, so
    // this is on * (acknowledged in lib/nag-acknowledgements.ts); it reads metrics, never alarms or logs.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'], resources: ['*'] }),
    );

    const saml = settings.saml;
    this.workspace = new CfnWorkspace(this, 'Workspace', {
      name: `${stack.stackName}-grafana`.slice(0, 255),
      description: 'PerformanceFlow dashboards (provisioned by the stack; edit them as code in dashboards/)',
      accountAccessType: 'CURRENT_ACCOUNT',
      permissionType: 'CUSTOMER_MANAGED',
      roleArn: this.role.roleArn,
      grafanaVersion: settings.version,
      authenticationProviders: [settings.authentication === 'saml' ? 'SAML' : 'AWS_SSO'],
      dataSources: [source.backend === 'amp' ? 'PROMETHEUS' : 'TIMESTREAM', 'CLOUDWATCH'],
      // Plugins come with the stack's version of Grafana only: no one installs one from the UI.
      pluginAdminEnabled: false,
      ...(saml && {
        samlConfiguration: {
          idpMetadata: saml.metadataUrl !== undefined ? { url: saml.metadataUrl } : { xml: saml.metadataXml },
          assertionAttributes: {
            role: saml.groupsAttribute,
            groups: saml.groupsAttribute,
            login: saml.loginAttribute,
            email: saml.emailAttribute,
            name: saml.nameAttribute,
          },
          // Admin by group; there is no Editor value, so everyone else the IdP lets in is a Viewer.
          roleValues: { admin: [...settings.adminGroups] },
          loginValidityDuration: Math.max(1, Math.round(saml.loginValidityMs / MINUTE_MS)),
        },
      }),
    });

    const dir = props.dashboardsDir ?? REPO_DASHBOARDS;
    this.dashboards = dashboardFilesFor(dir, source.backend);
    // Checked at synth: a duplicate uid or a dashboard without one fails here, not in the deploy.
    dashboardUpserts(this.dashboards, FOLDER_UID, 'synth');
    const bundle = JSON.stringify({ dashboards: this.dashboards });
    this.dashboardsHash = createHash('sha256').update(bundle).digest('hex');
    const staged = join(mkdtempSync(join(tmpdir(), 'pflow-dashboards-')), `dashboards-${this.dashboardsHash}.json`);
    writeFileSync(staged, bundle);
    const asset = new Asset(this, 'Dashboards', { path: staged });

    this.provisioner = props.functions.create(this, 'Provision', 'grafanaProvision', {
      timeout: Duration.minutes(5),
      memorySize: 256,
      description: 'Puts the data source, folder and dashboards into the Managed Grafana workspace',
    });
    // This one object, not the whole asset bucket (what Asset.grantRead would give).
    this.provisioner.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${Aws.PARTITION}:s3:::${asset.s3BucketName}/${asset.s3ObjectKey}`],
      }),
    );
    const workspaceArn = `arn:${Aws.PARTITION}:grafana:${Aws.REGION}:${Aws.ACCOUNT_ID}:/workspaces/${this.workspace.attrId}`;
    this.provisioner.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'grafana:ListWorkspaceServiceAccounts',
          'grafana:CreateWorkspaceServiceAccount',
          'grafana:CreateWorkspaceServiceAccountToken',
          'grafana:DeleteWorkspaceServiceAccountToken',
          ...(settings.authentication === 'iam_identity_center'
            ? ['grafana:UpdatePermissions', 'grafana:ListPermissions', 'grafana:DescribeWorkspace']
            : []),
        ],
        resources: [workspaceArn],
      }),
    );
    if (settings.authentication === 'iam_identity_center') {
      // What UpdatePermissions reads in IAM Identity Center (AWSGrafanaWorkspacePermissionManagementV2).
      this.provisioner.addToRolePolicy(
        new PolicyStatement({
          actions: [
            'sso:DescribeRegisteredRegions',
            'sso:GetSharedSsoConfiguration',
            'sso:ListDirectoryAssociations',
            'sso:GetManagedApplicationInstance',
            'sso:ListProfiles',
            'sso:GetProfile',
            'sso:ListProfileAssociations',
            'sso-directory:DescribeUser',
            'sso-directory:DescribeGroup',
          ],
          resources: ['*'],
        }),
      );
    }

    this.url = `https://${this.workspace.attrEndpoint}`;
    const provisioning = new CustomResource(this, 'Provisioning', {
      serviceToken: this.provisioner.functionArn,
      resourceType: 'Custom::PflowGrafanaProvisioning',
      properties: {
        WorkspaceId: this.workspace.attrId,
        GrafanaUrl: this.url,
        Backend: source.backend,
        Region: Aws.REGION,
        // The uid the committed dashboards name (dashboards/src/datasources.ts): one source of truth.
        DataSourceUid: DATASOURCES[source.backend].uid,
        DataSourceName: DATASOURCES[source.backend].name,
        CloudWatchDataSourceUid: CLOUDWATCH_DATASOURCE.uid,
        CloudWatchDataSourceName: CLOUDWATCH_DATASOURCE.name,
        ...(source.backend === 'amp' ? { WorkspaceUrl: source.workspaceUrl } : { Database: source.database }),
        FolderTitle: settings.folder,
        DashboardsBucket: asset.s3BucketName,
        DashboardsKey: asset.s3ObjectKey,
        DashboardsHash: this.dashboardsHash,
        Authentication: settings.authentication,
        AdminGroups: [...settings.adminGroups],
        ViewerGroups: [...settings.viewerGroups],
      },
    });
    // The role's read grant must exist before the data source is tested by anyone.
    provisioning.node.addDependency(this.role);

    new CfnOutput(stack, 'GrafanaUrl', {
      value: this.url,
      description: `Managed Grafana: sign in (${settings.authentication === 'saml' ? 'SAML' : 'IAM Identity Center'}); dashboards are in the "${settings.folder}" folder`,
    });
  }
}

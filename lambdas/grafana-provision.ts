import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GrafanaClient } from '@aws-sdk/client-grafana';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { answerCustomResource, stringListProperty, stringProperty } from '../src/adapters/aws/cfn-custom-resource.js';
import { AwsGrafanaWorkspace } from '../src/adapters/aws/grafana-workspace.js';
import { GrafanaHttpApi } from '../src/adapters/grafana/http-api.js';
import type { DashboardFile, GroupRoles, MetricSource } from '../src/domain/grafana/provisioning.js';
import { provisionGrafana } from '../src/services/provision-grafana.js';
import { observability } from './shared/observability.js';

export interface GrafanaProvisionHandlerOptions {
  readonly grafana?: GrafanaClient;
  readonly s3?: S3Client;
  /** For the Grafana HTTP API and the CloudFormation response. */
  readonly fetch?: typeof fetch;
}

/**
 * The Grafana provisioning custom resource (lib/grafana.ts): on Create and Update it puts the data
 * source, the folder and every dashboard into the workspace (src/services/provision-grafana.ts);
 * on Delete it does nothing, as deleting the workspace deletes them. It always answers
 * CloudFormation, with the failure's message (never a token) when provisioning failed.
 */
export function createGrafanaProvisionHandler(options: GrafanaProvisionHandlerOptions = {}) {
  const obs = observability('grafana-provision');
  const grafana = options.grafana ?? new GrafanaClient({});
  const s3 = options.s3 ?? new S3Client({});
  const fetchImpl = options.fetch ?? fetch;

  return async (event: CloudFormationCustomResourceEvent, _context?: Context): Promise<void> => {
    const props = event.ResourceProperties as Readonly<Record<string, unknown>>;
    const physicalResourceId =
      event.RequestType === 'Create'
        ? `pflow-grafana-${String(props.WorkspaceId ?? 'unknown')}`
        : event.PhysicalResourceId;
    if (event.RequestType === 'Delete') {
      await answerCustomResource(event, { status: 'SUCCESS', physicalResourceId }, fetchImpl);
      return;
    }
    try {
      const workspaceId = stringProperty(props, 'WorkspaceId');
      const hash = stringProperty(props, 'DashboardsHash');
      const dashboards = await readDashboards(
        s3,
        stringProperty(props, 'DashboardsBucket'),
        stringProperty(props, 'DashboardsKey'),
      );
      const previous = event.RequestType === 'Update' ? groupsOf(event.OldResourceProperties) : undefined;
      const next = groupsOf(props);
      const result = await provisionGrafana(
        {
          grafanaUrl: stringProperty(props, 'GrafanaUrl'),
          source: metricSourceOf(props),
          dataSource: { uid: stringProperty(props, 'DataSourceUid'), name: stringProperty(props, 'DataSourceName') },
          // Stacks synthesized before the CloudWatch data source existed do not send it.
          ...(props.CloudWatchDataSourceUid !== undefined && {
            cloudWatch: {
              uid: stringProperty(props, 'CloudWatchDataSourceUid'),
              name: stringProperty(props, 'CloudWatchDataSourceName'),
            },
          }),
          folderTitle: stringProperty(props, 'FolderTitle'),
          dashboards,
          version: hash,
          ...(next && { groups: { next, ...(previous && { previous }) } }),
        },
        {
          workspace: new AwsGrafanaWorkspace(grafana, workspaceId),
          api: (url, token) => new GrafanaHttpApi(url, token, fetchImpl),
          logger: obs.port,
        },
      );
      await answerCustomResource(
        event,
        {
          status: 'SUCCESS',
          physicalResourceId,
          data: {
            DataSourceUid: result.dataSourceUid,
            FolderUid: result.folderUid,
            Dashboards: String(result.dashboards.length),
          },
        },
        fetchImpl,
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      obs.port.error('grafana provisioning failed', { reason });
      await answerCustomResource(event, { status: 'FAILED', physicalResourceId, reason }, fetchImpl);
    }
  };
}

/** Identity Center group roles, or undefined with SAML (the IdP's assertion carries the roles). */
function groupsOf(props: Readonly<Record<string, unknown>> | undefined): GroupRoles | undefined {
  if (props === undefined || props.Authentication !== 'iam_identity_center') return undefined;
  return {
    adminGroups: stringListProperty(props, 'AdminGroups'),
    viewerGroups: stringListProperty(props, 'ViewerGroups'),
  };
}

function metricSourceOf(props: Readonly<Record<string, unknown>>): MetricSource {
  const backend = stringProperty(props, 'Backend');
  const region = stringProperty(props, 'Region');
  if (backend === 'amp') return { backend, region, workspaceUrl: stringProperty(props, 'WorkspaceUrl') };
  if (backend === 'timestream') return { backend, region, database: stringProperty(props, 'Database') };
  throw new Error(`resource property Backend: ${backend} has no Grafana data source (amp or timestream)`);
}

/** The dashboards the stack staged as one S3 asset: `{"dashboards":[{"file","model"}…]}`. */
async function readDashboards(s3: S3Client, bucket: string, key: string): Promise<DashboardFile[]> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = await object.Body?.transformToString();
  if (text === undefined) throw new Error(`s3://${bucket}/${key}: empty`);
  const parsed = JSON.parse(text) as { dashboards?: unknown };
  if (!Array.isArray(parsed.dashboards)) throw new Error(`s3://${bucket}/${key}: dashboards: expected a list`);
  return parsed.dashboards as DashboardFile[];
}

export const handler = createGrafanaProvisionHandler();

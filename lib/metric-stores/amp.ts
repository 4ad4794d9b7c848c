import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnWorkspace } from 'aws-cdk-lib/aws-aps';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { AmpStorageSettings } from '../../src/domain/config/prometheus.js';
import { ENV } from '../../lambdas/shared/environment.js';
import type { DashboardSource, MetricStoreConstruct, MetricStoreOutput, MetricStoreProps } from './types.js';

export interface AmpMetricStoreProps {
  readonly settings: AmpStorageSettings;
  /** Site ids: each gets its own active-series limit. */
  readonly sites: readonly string[];
  /** Keep the workspace when the stack is deleted (the default): metric history is evidence. */
  readonly retainOnDelete?: boolean;
  /**
   * The customer managed key the workspace is encrypted with (the deployment key). AMP takes it only
   * at creation: another key replaces the workspace, with an empty history.
   */
  readonly key: IKey;
}

/**
 * The widest out-of-order window believed to deploy: Terraform's AMP documentation gives 0–600 s;
 * AWS's API reference gives only a minimum. Above it synth warns rather than fails, so a workspace
 * AWS would accept is not refused here.
 */
export const AMP_OUT_OF_ORDER_DOCUMENTED_MAX_S = 600;

/** What writes samples (probe and ingest functions) and what reads them (rules, Grafana). */
const REMOTE_WRITE_ACTIONS = ['aps:RemoteWrite'];
const QUERY_ACTIONS = ['aps:QueryMetrics', 'aps:GetLabels', 'aps:GetSeries', 'aps:GetMetricMetadata'];

/**
 * The Amazon Managed Service for Prometheus workspace behind the `amp` metric store: encrypted with
 * a customer-managed key, retention from config, an out-of-order window long enough for an agent
 * to replay what it buffered through a WAN outage, and one active-series limit per site (workspace
 * `LimitsPerLabelSets` on `site`) so one noisy hospital cannot throttle the others.
 *
 * Callers in this account need no KMS permission of their own: AMP uses the key through the grant
 * it creates when the workspace is made, and signs nothing with it on their behalf.
 */
export class AmpMetricStore extends Construct implements MetricStoreConstruct {
  readonly backend = 'amp' as const;
  readonly workspace: CfnWorkspace;
  readonly key: IKey;
  /** https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/ (PFLOW_AMP_WORKSPACE_URL). */
  readonly workspaceUrl: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, MetricStoreOutput>>;

  constructor(scope: Construct, id: string, props: AmpMetricStoreProps) {
    super(scope, id);
    const removalPolicy = props.retainOnDelete === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    this.key = props.key;
    const { settings } = props;
    const outOfOrderSeconds = Math.round(settings.outOfOrderWindowMs / 1000);
    if (outOfOrderSeconds > AMP_OUT_OF_ORDER_DOCUMENTED_MAX_S) {
      Annotations.of(this).addWarningV2(
        'pflow:amp-out-of-order-window',
        `storage.metrics.amp.out_of_order_window is ${outOfOrderSeconds} s; AMP is documented (Terraform's AMP docs) to accept at most ${AMP_OUT_OF_ORDER_DOCUMENTED_MAX_S} s, so the deploy may fail: set 10m or less`,
      );
    }
    this.workspace = new CfnWorkspace(this, 'Workspace', {
      alias: `${Stack.of(this).stackName}-metrics`,
      kmsKeyArn: this.key.keyArn,
      workspaceConfiguration: {
        retentionPeriodInDays: settings.retentionDays,
        outOfOrderTimeWindowInSeconds: outOfOrderSeconds,
        limitsPerLabelSets: [...new Set(props.sites)].sort().map((site) => ({
          labelSet: [{ name: 'site', value: site }],
          limits: { maxSeries: settings.seriesLimitPerSite },
        })),
      },
    });
    this.workspace.applyRemovalPolicy(removalPolicy);
    this.workspaceUrl = `${this.workspace.attrPrometheusEndpoint}`;
    this.environment = { [ENV.metricsBackend]: 'amp', [ENV.ampWorkspaceUrl]: this.workspaceUrl };
    this.outputs = {
      MetricsWorkspaceUrl: {
        value: this.workspaceUrl,
        description:
          'AMP workspace endpoint: Grafana data source URL (SigV4, service aps); remote write at api/v1/remote_write',
      },
      MetricsWorkspaceArn: {
        value: this.workspace.attrArn,
        description:
          'AMP workspace ARN: grant aps:QueryMetrics, GetLabels, GetSeries, GetMetricMetadata on it to a Grafana role',
      },
    };
  }

  /** For the probe and ingest functions. */
  grantRemoteWrite(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: REMOTE_WRITE_ACTIONS, resourceArns: [this.workspace.attrArn] });
  }

  /** For the rule function and Grafana's data source. */
  grantQuery(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: QUERY_ACTIONS, resourceArns: [this.workspace.attrArn] });
  }

  get dashboardSource(): DashboardSource {
    return { backend: 'amp', workspaceUrl: this.workspaceUrl };
  }

  grantDashboardReader(grantee: IGrantable): void {
    this.grantQuery(grantee);
  }

  grantProbeWriter(grantee: IGrantable): void {
    this.grantRemoteWrite(grantee);
  }

  grantIngestWriter(grantee: IGrantable): void {
    this.grantRemoteWrite(grantee);
  }

  /** Tag events are series like any other (pflow_tag_zone, pflow_tag_battery_percent). */
  grantTagHistoryWriter(grantee: IGrantable): void {
    this.grantRemoteWrite(grantee);
  }

  /** The asset function reads the tag series and writes the answers back as series. */
  grantAssetEvaluator(grantee: IGrantable): void {
    this.grantQuery(grantee);
    this.grantRemoteWrite(grantee);
  }

  /** Rules query the windows and write the alert history (the ALERTS-style series) back. */
  grantRuleEvaluator(grantee: IGrantable): void {
    this.grantQuery(grantee);
    this.grantRemoteWrite(grantee);
  }

  grantReportReader(grantee: IGrantable): void {
    this.grantQuery(grantee);
  }
}

/** The registry's factory: the workspace for a deployment config. */
export function ampMetricStore(scope: Construct, id: string, props: MetricStoreProps): AmpMetricStore {
  return new AmpMetricStore(scope, id, {
    settings: props.config.storage.metrics.amp,
    sites: props.config.sites.map((site) => site.id),
    retainOnDelete: props.retainOnDelete,
    key: props.key,
  });
}

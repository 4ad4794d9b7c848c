import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnWorkspace } from 'aws-cdk-lib/aws-aps';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { AmpStorageSettings } from '../src/domain/config/prometheus.js';
import { ENV } from '../lambdas/shared/environment.js';

export interface AmpMetricStoreProps {
  readonly settings: AmpStorageSettings;
  /** Site ids: each gets its own active-series limit. */
  readonly sites: readonly string[];
  /** Keep the workspace and its key when the stack is deleted (the default): metric history is evidence. */
  readonly retainOnDelete?: boolean;
}

/** What writes samples (probe and ingest functions) and what reads them (rules, Grafana). */
const REMOTE_WRITE_ACTIONS = ['aps:RemoteWrite'];
const QUERY_ACTIONS = ['aps:QueryMetrics', 'aps:GetLabels', 'aps:GetSeries', 'aps:GetMetricMetadata'];

/**
 * The Amazon Managed Service for Prometheus workspace behind the `amp` metric store: encrypted with
 * a customer-managed key, retention from config, an out-of-order window long enough for an agent
 * to replay what it buffered through a WAN outage, and one active-series limit per site (workspace
 * `LimitsPerLabelSets` on `site`) so one noisy hospital cannot throttle the others.
 */
export class AmpMetricStore extends Construct {
  readonly workspace: CfnWorkspace;
  readonly key: Key;
  /** https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/ (PFLOW_AMP_WORKSPACE_URL). */
  readonly workspaceUrl: string;

  constructor(scope: Construct, id: string, props: AmpMetricStoreProps) {
    super(scope, id);
    const removalPolicy = props.retainOnDelete === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    this.key = new Key(this, 'Key', {
      description: 'PerformanceFlow metric store (AMP workspace)',
      enableKeyRotation: true,
      removalPolicy,
    });
    const { settings } = props;
    this.workspace = new CfnWorkspace(this, 'Workspace', {
      alias: `${Stack.of(this).stackName}-metrics`,
      kmsKeyArn: this.key.keyArn,
      workspaceConfiguration: {
        retentionPeriodInDays: settings.retentionDays,
        outOfOrderTimeWindowInSeconds: Math.round(settings.outOfOrderWindowMs / 1000),
        limitsPerLabelSets: [...new Set(props.sites)].sort().map((site) => ({
          labelSet: [{ name: 'site', value: site }],
          limits: { maxSeries: settings.seriesLimitPerSite },
        })),
      },
    });
    this.workspace.applyRemovalPolicy(removalPolicy);
    this.workspaceUrl = `${this.workspace.attrPrometheusEndpoint}`;
  }

  /** For the probe and ingest functions. */
  grantRemoteWrite(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: REMOTE_WRITE_ACTIONS, resourceArns: [this.workspace.attrArn] });
  }

  /** For the rule function and Grafana's data source. */
  grantQuery(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: QUERY_ACTIONS, resourceArns: [this.workspace.attrArn] });
  }

  /** The handler environment that selects this store (lambdas/shared/metric-store.ts). */
  environment(): Record<string, string> {
    return { [ENV.metricsBackend]: 'amp', [ENV.ampWorkspaceUrl]: this.workspaceUrl };
  }
}

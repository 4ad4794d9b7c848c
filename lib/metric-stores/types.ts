import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { MetricsBackend } from '../../src/domain/config/cloud.js';
import type { DeploymentConfig } from '../../src/domain/config/model.js';

/**
 * The AWS metric store behind the MetricStore port, as a construct. The stack picks one from the
 * registry by `storage.metrics.backend` and knows nothing else about it: each store says what
 * environment the functions need and grants each role what it does.
 */
export interface MetricStoreConstruct {
  readonly backend: MetricsBackend;
  /** Variables every function gets (`ENV.metricsBackend` and the store's address). */
  readonly environment: Readonly<Record<string, string>>;
  /** Stack outputs by logical id: where to point Grafana and operators. */
  readonly outputs: Readonly<Record<string, MetricStoreOutput>>;
  /** The probe function: write probe results. */
  grantProbeWriter(grantee: IGrantable): void;
  /** The ingest function: write an agent's probe results and metric samples. */
  grantIngestWriter(grantee: IGrantable): void;
  /** The ingest function with `assets:`: write the tag events' history. */
  grantTagHistoryWriter(grantee: IGrantable): void;
  /** The asset function: read the tag events' history, write the asset answers as metric samples. */
  grantAssetEvaluator(grantee: IGrantable): void;
  /** The rule function: read probe results and metrics, write alert state changes. */
  grantRuleEvaluator(grantee: IGrantable): void;
  /** The report function: read probe results and metrics (certificates, agent heartbeats), write nothing. */
  grantReportReader(grantee: IGrantable): void;
  /** Grafana's workspace role: read what the dashboards show, nothing else. */
  grantDashboardReader(grantee: IGrantable): void;
  /** Where Grafana's data source points (the region is the stack's). */
  readonly dashboardSource: DashboardSource;
}

export type DashboardSource =
  | { readonly backend: 'amp'; readonly workspaceUrl: string }
  | { readonly backend: 'timestream'; readonly database: string };

export interface MetricStoreOutput {
  readonly value: string;
  readonly description: string;
}

export interface MetricStoreProps {
  readonly config: DeploymentConfig;
  /** Keep the data when the stack is deleted. */
  readonly retainOnDelete: boolean;
  /** The deployment key (DeploymentKey): the store is encrypted with it. */
  readonly key: IKey;
}

export type MetricStoreFactory = (scope: Construct, id: string, props: MetricStoreProps) => MetricStoreConstruct;

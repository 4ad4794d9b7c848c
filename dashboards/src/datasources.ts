import type { Backend } from './spec.js';

/**
 * The data source each rendering points at, by fixed uid: the provisioning custom resource creates
 * the data source with exactly this uid and type, so the committed JSON needs no `${DS}` input.
 */
export const DATASOURCES: Readonly<
  Record<Backend, { readonly type: string; readonly uid: string; readonly name: string }>
> = {
  amp: { type: 'prometheus', uid: 'pflow-amp', name: 'PerformanceFlow (Amazon Managed Prometheus)' },
  timestream: { type: 'grafana-timestream-datasource', uid: 'pflow-timestream', name: 'PerformanceFlow (Timestream)' },
};

/**
 * CloudWatch, read with the same workspace role: the deliver function's per-channel counts are EMF
 * metrics there and in neither metric store. Not the default data source; only the panels that
 * name it use it (Alert history's notifications per channel).
 */
export const CLOUDWATCH_DATASOURCE = {
  type: 'cloudwatch',
  uid: 'pflow-cloudwatch',
  name: 'PerformanceFlow (CloudWatch metrics)',
} as const;

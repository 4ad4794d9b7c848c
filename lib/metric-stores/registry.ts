import type { MetricsBackend } from '../../src/domain/config/cloud.js';
import { ampMetricStore } from './amp.js';
import { TimestreamStore } from './timestream.js';
import type { MetricStoreFactory } from './types.js';

/**
 * One factory per `storage.metrics.backend`. A backend without a construct yet is undefined here,
 * and synth says so instead of building half a stack.
 */
export const metricStores: Readonly<Partial<Record<MetricsBackend, MetricStoreFactory>>> = {
  amp: ampMetricStore,
  timestream: (scope, id, props) => new TimestreamStore(scope, id, props),
};

export function metricStoreFactory(backend: MetricsBackend): MetricStoreFactory {
  const factory = metricStores[backend];
  if (!factory) {
    throw new Error(
      `storage.metrics.backend: ${backend} has no AWS construct in this version (lib/metric-stores/registry.ts)`,
    );
  }
  return factory;
}

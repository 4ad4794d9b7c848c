import { PrometheusStore, prometheusEndpoints } from '../adapters/prometheus/prometheus-store.js';
import type { PrometheusAuth } from '../adapters/prometheus/auth.js';
import type { MetricsStorageSettings } from '../domain/config/cloud.js';
import type { Logger, MetricStore } from '../domain/ports.js';

/**
 * The local runtime's time series: the SQLite store, or with `storage.metrics.backend: prometheus`
 * a Prometheus-compatible server (remote write + PromQL). Alert state, the latest-result API and
 * delivery stay in SQLite either way.
 */
export function localMetricStore(settings: MetricsStorageSettings, sqlite: MetricStore, logger: Logger): MetricStore {
  const prometheus = settings.prometheus;
  if (settings.backend !== 'prometheus' || prometheus === undefined) return sqlite;
  const endpoints = prometheusEndpoints(prometheus.url);
  const auth: PrometheusAuth =
    prometheus.auth === undefined
      ? { kind: 'none' }
      : 'bearerToken' in prometheus.auth
        ? { kind: 'bearer', token: prometheus.auth.bearerToken }
        : { kind: 'basic', username: prometheus.auth.username, password: prometheus.auth.password };
  return new PrometheusStore({
    writeUrl: prometheus.writeUrl ?? endpoints.writeUrl,
    queryUrl: prometheus.queryUrl ?? endpoints.queryUrl,
    auth,
    logger,
    maxSamplesProcessed: prometheus.maxSamplesProcessed,
  });
}

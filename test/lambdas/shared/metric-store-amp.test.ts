import { describe, expect, it } from 'vitest';
import { PrometheusStore } from '../../../src/adapters/prometheus/prometheus-store.js';
import { metricStoreFromEnv } from '../../../lambdas/shared/metric-store.js';
import { captureLogger } from '../../support/logger.js';

describe('metricStoreFromEnv: amp', () => {
  it('builds the Prometheus store on the workspace URL, signing for its region', () => {
    const store = metricStoreFromEnv(
      {
        PFLOW_METRICS_BACKEND: 'amp',
        PFLOW_AMP_WORKSPACE_URL: 'https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1/',
      },
      { logger: captureLogger() },
    );
    expect(store).toBeInstanceOf(PrometheusStore);
  });

  it('names the missing variable, and refuses a URL that is not an AMP workspace', () => {
    expect(() => metricStoreFromEnv({ PFLOW_METRICS_BACKEND: 'amp' }, { logger: captureLogger() })).toThrow(
      /PFLOW_AMP_WORKSPACE_URL/,
    );
    expect(() =>
      metricStoreFromEnv(
        { PFLOW_METRICS_BACKEND: 'amp', PFLOW_AMP_WORKSPACE_URL: 'https://example.com/workspaces/ws-1/' },
        { logger: captureLogger() },
      ),
    ).toThrow(/not an AMP workspace URL/);
  });
});

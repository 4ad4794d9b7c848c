import { afterEach, describe, expect, it, vi } from 'vitest';
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

describe('metricStoreFromEnv: amp query guard', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
  });

  it("sends the config's max_samples_processed as AMP's error threshold (half as the warning)", async () => {
    // AMP has no local stand-in: the signed request is captured at fetch, the SDK boundary here.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    const sent: { url: string; body: string }[] = [];
    vi.stubGlobal('fetch', async (url: URL, init: RequestInit) => {
      sent.push({ url: String(url), body: new TextDecoder().decode(init.body as Uint8Array) });
      return new Response(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }));
    });
    const store = metricStoreFromEnv(
      {
        PFLOW_METRICS_BACKEND: 'amp',
        PFLOW_AMP_WORKSPACE_URL: 'https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1/',
      },
      { logger: captureLogger(), maxSamplesProcessed: 4_000 },
    );
    await store.fetchWindows({ table: 'metrics', measures: ['busy'], since: 0, until: 60_000 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe('https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1/api/v1/query');
    const form = new URLSearchParams(sent[0]!.body);
    expect(form.get('max_samples_processed_error_threshold')).toBe('4000');
    expect(form.get('max_samples_processed_warning_threshold')).toBe('2000');
  });
});

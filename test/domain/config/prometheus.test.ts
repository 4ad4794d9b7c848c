import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { ConfigError } from '../../../src/domain/errors.js';

const BASE = 'version: 1\nsites: [{ id: site-a }]\n';

function parse(storage: string, extra = '', env: Record<string, string> = {}) {
  return parseDeploymentConfig(`${BASE}storage:\n  metrics:\n${storage}${extra}`, 'test.yaml', env);
}

function issues(storage: string, extra = ''): string[] {
  try {
    parse(storage, extra);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('storage.metrics for the Prometheus-protocol stores', () => {
  it('reads a prometheus backend with basic auth from ${NAME} secrets', () => {
    const config = parse(
      '    backend: prometheus\n    prometheus: { url: "http://127.0.0.1:9090", username: pflow, password: "${PROM_PASSWORD}" }\n',
      '',
      { PROM_PASSWORD: 's3cret' },
    );
    expect(config.storage.metrics.backend).toBe('prometheus');
    expect(config.storage.metrics.prometheus).toEqual({
      url: 'http://127.0.0.1:9090',
      auth: { username: 'pflow', password: 's3cret' },
      maxSamplesProcessed: 10_000_000,
    });
  });

  it('names each mistake: a missing server, half a basic auth, both auth kinds, a bad URL, AMP retention', () => {
    expect(issues('    backend: prometheus\n')).toEqual([
      'storage.metrics.prometheus: backend prometheus needs prometheus.url',
    ]);
    expect(issues('    prometheus: { url: "http://h:9090", username: u }\n')).toEqual([
      'storage.metrics.prometheus.password: username and password go together (basic auth)',
    ]);
    expect(issues('    prometheus: { url: "http://h:9090", username: u, password: p, bearer_token: t }\n')).toEqual([
      'storage.metrics.prometheus.bearer_token: use either basic auth or a bearer token',
    ]);
    expect(issues('    prometheus: { url: "ftp://h" }\n')).toEqual([
      'storage.metrics.prometheus.url: must be an http(s) URL',
    ]);
    expect(issues('    amp: { retention: 2000d }\n')).toEqual([
      'storage.metrics.amp.retention: must be whole days between 1d and 1095d (AMP keeps data per day)',
    ]);
  });

  it('refuses the prometheus backend in an AWS config', () => {
    expect(issues('    backend: prometheus\n    prometheus: { url: "http://h:9090" }\n', 'aws: {}\n')).toEqual([
      'storage.metrics.backend: prometheus is for the local runtime; in AWS use amp (any account) or timestream (accounts onboarded before 2025-06-20)',
    ]);
  });
});

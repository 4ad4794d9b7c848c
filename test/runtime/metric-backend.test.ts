import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { WriteBuffer } from '../../src/adapters/local/write-buffer.js';
import { PrometheusStore } from '../../src/adapters/prometheus/prometheus-store.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { localMetricStore } from '../../src/runtime/metric-backend.js';
import { closedPort } from '../support/closed-port.js';
import { captureLogger } from '../support/logger.js';
import { startPrometheus, type PrometheusServer } from '../support/prometheus-server.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
let server: PrometheusServer;
beforeAll(async () => {
  server = await startPrometheus();
});
afterAll(async () => {
  await server?.stop();
});

function config(url: string) {
  return parseDeploymentConfig(
    `version: 1\nsites: [{ id: site-a }]\nstorage:\n  metrics:\n    backend: prometheus\n    prometheus: { url: "${url}" }\n`,
    'local.yaml',
    {},
  );
}

describe('storage.metrics.backend: prometheus in the local runtime', () => {
  it('writes through the write buffer to Prometheus and evaluates against it; SQLite stays the default', async () => {
    const sqlite = new SqliteStore({ database: ':memory:', clock: { now: () => T0 }, retentionMs: 86_400_000 });
    try {
      const plain = parseDeploymentConfig('version: 1\nsites: [{ id: site-a }]\n', 'local.yaml', {});
      expect(localMetricStore(plain.storage.metrics, sqlite, captureLogger())).toBe(sqlite);

      const store = localMetricStore(config(server.url).storage.metrics, sqlite, captureLogger());
      expect(store).toBeInstanceOf(PrometheusStore);
      const buffer = new WriteBuffer({ store, logger: captureLogger(), clock: { now: () => T0 } });
      await buffer.writeProbeResults([
        {
          site: 'site-a',
          probe: 'p',
          kind: 'tcp',
          target: 'db:5432',
          labels: {},
          time: T0,
          success: false,
          durationMs: 5,
          phases: {},
        },
      ]);

      const windows = await buffer.fetchWindows({ table: 'probes', measures: ['success'], since: T0, until: T0 });

      expect(windows).toEqual([
        {
          table: 'probes',
          measure: 'success',
          labels: { site: 'site-a', probe: 'p', kind: 'tcp', target: 'db:5432' },
          points: [{ t: T0, v: 0 }],
        },
      ]);
      expect(await sqlite.fetchWindows({ table: 'probes', measures: ['success'], since: T0, until: T0 })).toEqual([]);
      await buffer.close({ deadlineMs: 1_000 });
    } finally {
      sqlite.close();
    }
  });

  it('keeps results in the buffer (retrying) while the server is unreachable, instead of dropping them', async () => {
    const sqlite = new SqliteStore({ database: ':memory:', clock: { now: () => T0 }, retentionMs: 86_400_000 });
    const logger = captureLogger();
    try {
      const store = localMetricStore(config(`http://127.0.0.1:${await closedPort()}`).storage.metrics, sqlite, logger);
      const buffer = new WriteBuffer({ store, logger, clock: { now: () => T0 }, retryInitialMs: 10_000 });
      await buffer.writeProbeResults([
        {
          site: 'site-a',
          probe: 'p',
          kind: 'tcp',
          target: 'db:5432',
          labels: {},
          time: T0,
          success: true,
          durationMs: 5,
          phases: {},
        },
      ]);

      const report = await buffer.close({ deadlineMs: 0 });

      expect(report.unwritten['probe results']).toBe(1);
      expect(buffer.stats().dropped['probe results']).toBe(0);
    } finally {
      sqlite.close();
    }
  });
});

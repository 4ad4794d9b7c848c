import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/adapters/local/sqlite-store.js';
import { PrometheusStore, prometheusEndpoints } from '../../../src/adapters/prometheus/prometheus-store.js';
import type { AlertEvent } from '../../../src/domain/alerts/event.js';
import type { ProbeResult } from '../../../src/domain/probe-result.js';
import { runRuleGroup } from '../../../src/services/run-rule-group.js';
import { rule } from '../../domain/rules/fixtures.js';
import { alertEvent } from '../../support/alert-event.js';
import { captureLogger } from '../../support/logger.js';
import { startPrometheus, type PrometheusServer } from '../../support/prometheus-server.js';
import { describeMetricStoreContract } from '../metric-store-contract.js';

const BASE = Date.parse('2026-11-24T10:00:00Z');
const DAY = 86_400_000;
const MINUTE = 60_000;

let server: PrometheusServer;
beforeAll(async () => {
  server = await startPrometheus({ outOfOrderWindow: '1d' });
});
afterAll(async () => {
  await server?.stop();
});

function storeFor(url: string, overrides: Partial<ConstructorParameters<typeof PrometheusStore>[0]> = {}) {
  const logger = captureLogger();
  const store = new PrometheusStore({
    ...prometheusEndpoints(url),
    logger,
    retryInitialMs: 1,
    maxAttempts: 2,
    ...overrides,
  });
  return { store, logger };
}

// Each contract test gets its own day, written in increasing time order, so tests sharing the one
// server never see each other's samples and never write behind the head.
let day = 0;
describeMetricStoreContract('Prometheus (remote write + PromQL)', async () => {
  const { store } = storeFor(server.url);
  day += 2;
  return { store, t0: BASE + day * DAY, queries: () => store.queryStats().queries };
});

function probeResult(overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    site: 'site-x',
    probe: 'login',
    kind: 'http',
    target: 'https://login.example/',
    labels: {},
    time: BASE,
    success: true,
    durationMs: 40,
    phases: {},
    ...overrides,
  };
}

async function instant(url: string, query: string, time: number) {
  const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query, time: String(time / 1000) })}`);
  const body = (await response.json()) as {
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  return body.data.result;
}

describe('PrometheusStore against a real Prometheus', () => {
  it('writes probe results under blackbox_exporter names with the display target as instance', async () => {
    const { store } = storeFor(server.url);
    const t = BASE + 100 * DAY;
    await store.writeProbeResults([
      probeResult({
        site: 'site-bb',
        target: 'https://svc:REDACTED@login.example/',
        labels: { team: 'apps', instance: 'mine' },
        time: t,
        durationMs: 250,
        phases: { dnsMs: 5, connectMs: 10, tlsMs: 20, firstByteMs: 100, transferMs: 15 },
        statusCode: 200,
        tlsVersion: 'TLSv1.3',
        certNotAfter: t + 30 * DAY,
        certDaysLeft: 30,
      }),
    ]);

    const series = await instant(server.url, '{site="site-bb"}', t);
    const byName = new Map(series.map((s) => [`${s.metric.__name__}${s.metric.phase ? `/${s.metric.phase}` : ''}`, s]));
    expect([...byName.keys()].sort()).toEqual([
      'probe_duration_seconds',
      'probe_http_duration_seconds/connect',
      'probe_http_duration_seconds/processing',
      'probe_http_duration_seconds/resolve',
      'probe_http_duration_seconds/tls',
      'probe_http_duration_seconds/transfer',
      'probe_http_status_code',
      'probe_ssl_earliest_cert_expiry',
      'probe_success',
      'probe_tls_version_info',
    ]);
    expect(byName.get('probe_success')!.metric).toEqual({
      __name__: 'probe_success',
      site: 'site-bb',
      probe: 'login',
      kind: 'http',
      instance: 'https://svc:REDACTED@login.example/',
      exported_instance: 'mine',
      team: 'apps',
    });
    expect(byName.get('probe_duration_seconds')!.value[1]).toBe('0.25');
    expect(byName.get('probe_ssl_earliest_cert_expiry')!.value[1]).toBe(String((t + 30 * DAY) / 1000));
    expect(byName.get('probe_tls_version_info')!.metric.version).toBe('TLS 1.3');

    // And back: the rule view has the user's `instance` label again and `target` from the series.
    const windows = await store.fetchWindows({
      table: 'probes',
      measures: ['cert_days_left', 'dns_ms'],
      since: t,
      until: t,
      sites: ['site-bb'],
    });
    expect(windows.map((w) => [w.measure, w.points[0]!.v]).sort()).toEqual([
      ['cert_days_left', 30],
      ['dns_ms', 5],
    ]);
    expect(windows[0]!.labels).toEqual({
      site: 'site-bb',
      probe: 'login',
      kind: 'http',
      target: 'https://svc:REDACTED@login.example/',
      instance: 'mine',
      team: 'apps',
    });
  });

  it('writes dns and tcp probe phases under their own blackbox_exporter names, and reads them back as measures', async () => {
    const { store } = storeFor(server.url);
    const t = BASE + 101 * DAY;
    await store.writeProbeResults([
      probeResult({
        site: 'site-kinds',
        probe: 'resolver',
        kind: 'dns',
        target: '10.0.0.53',
        time: t,
        phases: { dnsMs: 4 },
      }),
      probeResult({
        site: 'site-kinds',
        probe: 'analyser',
        kind: 'tcp',
        target: 'analyser01.lab:4000',
        time: t,
        phases: { dnsMs: 2, connectMs: 7, tlsMs: 11 },
      }),
    ]);

    const series = await instant(server.url, '{site="site-kinds"}', t);
    const names = series
      .map((s) => `${s.metric.probe} ${s.metric.__name__}${s.metric.phase ? `/${s.metric.phase}` : ''}`)
      .sort();
    expect(names).toEqual([
      'analyser probe_dns_lookup_time_seconds',
      'analyser probe_duration_seconds',
      'analyser probe_success',
      'analyser probe_tcp_duration_seconds/connect',
      'analyser probe_tcp_duration_seconds/tls',
      'resolver probe_dns_duration_seconds/request',
      'resolver probe_duration_seconds',
      'resolver probe_success',
    ]);

    const windows = await store.fetchWindows({
      table: 'probes',
      measures: ['dns_ms', 'connect_ms', 'tls_ms'],
      since: t,
      until: t,
      sites: ['site-kinds'],
    });
    expect(windows.map((w) => `${w.labels.probe} ${w.measure}=${w.points[0]!.v}`).sort()).toEqual([
      'analyser connect_ms=7',
      'analyser dns_ms=2',
      'analyser tls_ms=11',
      'resolver dns_ms=4',
    ]);
  });

  it('writes alert transitions as ALERTS series: 1 for the state entered, 0 for the state left', async () => {
    const { store } = storeFor(server.url);
    const t = BASE + 102 * DAY;
    const firing = alertEvent({
      id: 'e1',
      site: 'site-al',
      evaluatedAt: new Date(t).toISOString(),
      labels: { probe: 'pfsw-login', target: 'https://pfsw/', kind: 'http' },
    });
    const resolved: AlertEvent = {
      ...firing,
      id: 'e2',
      state: 'resolved',
      previousState: 'firing',
      evaluatedAt: new Date(t + MINUTE).toISOString(),
    };
    await store.writeAlertEvents([firing]);
    await store.writeAlertEvents([firing]); // replayed: no duplicate, no error
    await store.writeAlertEvents([resolved]);

    // The fixture's event fires out of pending: ALERTS{alertstate="pending"} gets its 0 as well.
    const pending = await instant(server.url, 'ALERTS{site="site-al", alertstate="pending"}', t);
    expect(pending.map((s) => s.value[1])).toEqual(['0']);
    const result = await instant(server.url, 'ALERTS{site="site-al", alertstate="firing"}[5m]', t + MINUTE);
    expect(result).toHaveLength(1);
    const [series] = result as unknown as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
    expect(series!.metric).toEqual({
      __name__: 'ALERTS',
      alertname: 'PFSW login down',
      alertstate: 'firing',
      rule: 'pfsw-login',
      severity: 'critical',
      site: 'site-al',
      probe: 'pfsw-login',
      kind: 'http',
      instance: 'https://pfsw/',
    });
    expect(series!.values.map(([, v]) => v)).toEqual(['1', '0']);
    expect(store.writeStats().samplesRejected).toEqual({});
  });

  it('reports out-of-order and too-old samples as permanent rejections, and still writes the good ones', async () => {
    const strict = await startPrometheus(); // no out-of-order window, like AMP with the window at 0
    try {
      const { store, logger } = storeFor(strict.url);
      const t = BASE;
      await store.writeMetricSamples([
        { name: 'temp', labels: { site: 's', room: '1' }, time: t + 10 * MINUTE, value: 20 },
      ]);

      const report = await store.sendMetricSamples([
        { name: 'temp', labels: { site: 's', room: '1' }, time: t + 5 * MINUTE, value: 19 }, // behind the head
        { name: 'temp', labels: { site: 's', room: '2' }, time: t + 10 * MINUTE, value: 21 },
        { name: 'temp', labels: { site: 's', room: '3' }, time: t + 10 * MINUTE, value: 22 },
      ]);

      expect(report).toEqual({ written: 2, rejected: 1 });
      expect(store.writeStats().samplesRejected).toEqual({ out_of_order: 1 });
      expect(logger.entries.filter((e) => e.level === 'warn')).toEqual([
        expect.objectContaining({
          fields: expect.objectContaining({ samples: 1, reason: 'out_of_order', status: 400 }),
        }),
      ]);
      const windows = await store.fetchWindows({
        table: 'metrics',
        measures: ['temp'],
        since: t,
        until: t + 10 * MINUTE,
      });
      expect(windows.map((w) => [w.labels.room, w.points.map((p) => p.v)]).sort()).toEqual([
        ['1', [20]],
        ['2', [21]],
        ['3', [22]],
      ]);
    } finally {
      await strict.stop();
    }

    // With a window, a sample older than it is "too old" — answered with 500, and still not retried.
    const { store } = storeFor(server.url, { maxAttempts: 5 });
    const head = BASE + 200 * DAY;
    await store.writeMetricSamples([{ name: 'temp', labels: { site: 's-old' }, time: head, value: 1 }]);
    const requestsBefore = store.writeStats().requests;
    const report = await store.sendMetricSamples([
      { name: 'temp', labels: { site: 's-old' }, time: head - 3 * DAY, value: 1 },
    ]);
    expect(report).toEqual({ written: 0, rejected: 1 });
    expect(store.writeStats().samplesRejected).toEqual({ too_old: 1 });
    expect(store.writeStats().requests - requestsBefore).toBe(1);
    expect(store.writeStats().retries).toBe(0);
  });

  it('counts samples with invalid names as rejected without sending them', async () => {
    const { store } = storeFor(server.url);
    const report = await store.sendMetricSamples([
      { name: 'bad-name', labels: { site: 's' }, time: BASE + 210 * DAY, value: 1 },
      { name: 'ok', labels: { site: 's', 'bad-label': 'x' }, time: BASE + 210 * DAY, value: 1 },
      { name: 'ok', labels: { site: 's' }, time: BASE + 210 * DAY, value: 1 },
    ]);
    expect(report).toEqual({ written: 1, rejected: 2 });
    expect(store.writeStats().samplesRejected).toEqual({ invalid_name: 2 });
  });

  it('fails a query that processes more samples than allowed', async () => {
    const { store } = storeFor(server.url, { maxSamplesProcessed: 5 });
    const t = BASE + 220 * DAY;
    await store.writeMetricSamples(
      Array.from({ length: 6 }, (_, i) => ({ name: 'busy', labels: { site: 's' }, time: t + i, value: i })),
    );

    await expect(store.fetchWindows({ table: 'metrics', measures: ['busy'], since: t, until: t + 10 })).rejects.toThrow(
      /processed 6 samples, over the limit of 5/,
    );
  });

  it('makes the rule cycle apply the rules’ error policy when the server is down', async () => {
    const doomed = await startPrometheus();
    const { store } = storeFor(doomed.url);
    const now = BASE + MINUTE;
    await store.writeProbeResults([probeResult({ time: now - 1_000 })]);
    await doomed.stop();

    const states = new SqliteStore({ database: ':memory:', clock: { now: () => now }, retentionMs: DAY });
    const published: AlertEvent[] = [];
    const logger = captureLogger();
    try {
      await runRuleGroup(
        {
          name: 'g',
          intervalMs: 30_000,
          rules: [
            rule({ id: 'login-down', match: ['probe="login"'] }),
            rule({ id: 'login-ok', match: ['probe="login"'], onError: 'ok' }),
          ],
        },
        {
          metrics: store,
          states,
          bus: { publish: async (events) => void published.push(...events) },
          clock: { now: () => now },
          logger,
          silences: () => [],
          maintenanceWindows: () => [],
        },
      );
    } finally {
      states.close();
    }

    expect(published.map((e) => [e.rule.id, e.state])).toEqual([['login-down', 'error']]);
    expect(published[0]!.error).toMatch(
      /fetching probes windows failed: query to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query failed: ECONNREFUSED/,
    );
    // The ALERTS write for the error event fails too, with the server down; the cycle reports it.
    await expect(store.writeProbeResults([probeResult({ time: now })])).rejects.toMatchObject({
      transient: true,
      message: expect.stringMatching(/failed after 2 attempts: ECONNREFUSED/),
    });
  });
});

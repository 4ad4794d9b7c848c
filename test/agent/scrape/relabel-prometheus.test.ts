import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeTarget } from '../../../src/agent/scrape/scraper.js';
import { scrapeConfigSchema } from '../../../src/domain/agent/scrape-config.js';
import { resolveTargets } from '../../../src/domain/agent/scrape-target.js';
import { systemClock } from '../../../src/domain/ports.js';
import { startPrometheus, type PrometheusServer } from '../../support/prometheus-server.js';

/**
 * The agent's relabelling against a real Prometheus (Debian's 2.42): both scrape the same
 * loopback page with the same `relabel_configs` and `metric_relabel_configs`, and the series the
 * agent would send must be exactly the series Prometheus stored, with the same values. Every one
 * of the eleven actions appears, with label clashes (exported_*), honor_labels, a dropped target
 * and hashmod (whose hash must be Prometheus's MD5-based one to agree).
 */

// Fixed: both scrapers must read the same page. No timestamps, so both stamp the scrape time.
const PAGE = [
  '# TYPE http_requests_total counter',
  'http_requests_total{method="GET",code="200",path="/api/Orders"} 10',
  'http_requests_total{method="POST",code="500",path="/api/orders"} 2',
  'http_requests_total{method="get",code="404",path="/Static"} 1',
  '# TYPE queue_depth gauge',
  'queue_depth{queue="lab",job="page-job",instance="page-instance"} 3',
  'queue_depth{queue="er",src="a",dst="a"} 1',
  'queue_depth{queue="icu",src="a",dst="b"} 2',
  '# TYPE temp_celsius gauge',
  'temp_celsius{sensor="S1",room="Ward A"} 21.5',
  'temp_celsius{sensor="s2",room="ward b",metric="temp_celsius"} 22',
  '# TYPE latency_seconds histogram',
  'latency_seconds_bucket{le="0.1"} 1',
  'latency_seconds_bucket{le="+Inf"} 2',
  'latency_seconds_sum 0.3',
  'latency_seconds_count 2',
  '# TYPE shard_test gauge',
  ...Array.from({ length: 12 }, (_, i) => `shard_test{id="node-${String(i)}"} ${String(i)}`),
  '# TYPE go_goroutines gauge',
  'go_goroutines 12',
  '# TYPE process_cpu_seconds_total counter',
  'process_cpu_seconds_total 4',
  '',
].join('\n');

/** Jobs in Prometheus's own keys: the same objects go into prometheus.yml and the agent's schema. */
function jobs(address: string): Record<string, unknown>[] {
  const timing = { scrape_interval: '1s', scrape_timeout: '1s' };
  return [
    {
      job_name: 'rewrite',
      ...timing,
      static_configs: [{ targets: [address], labels: { site_zone: 'North' } }],
      relabel_configs: [
        { source_labels: ['site_zone'], target_label: 'site_zone', action: 'lowercase' },
        { source_labels: ['__address__'], regex: '127\\.0\\.0\\.1:([0-9]+)', target_label: 'port', replacement: 'p$1' },
      ],
      metric_relabel_configs: [
        { source_labels: ['__name__'], regex: 'go_.*|process_.*', action: 'drop' },
        {
          source_labels: ['method', 'path'],
          regex: '(\\w+);/api/(.*)',
          target_label: 'endpoint',
          replacement: '${1}:$2',
        },
        { source_labels: ['method'], target_label: 'method', action: 'lowercase' },
        { source_labels: ['sensor'], target_label: 'sensor', action: 'uppercase' },
        { regex: 'room', replacement: 'ward', action: 'labelmap' },
        { regex: 'room|path', action: 'labeldrop' },
        { source_labels: ['src'], target_label: 'dst', action: 'keepequal' },
        { source_labels: ['__name__'], target_label: 'metric', action: 'dropequal' },
        { source_labels: ['id'], modulus: 4, target_label: '__tmp_shard', action: 'hashmod' },
        {
          source_labels: ['__name__', '__tmp_shard'],
          regex: 'shard_test;(.*)',
          target_label: 'shard',
          replacement: '$1',
        },
        { regex: '__tmp_.*', action: 'labeldrop' },
        { source_labels: ['__name__', 'shard'], regex: 'shard_test;[01]', action: 'drop' },
        { source_labels: ['le'], regex: '0\\.1', action: 'drop' },
      ],
    },
    {
      job_name: 'honoured',
      ...timing,
      honor_labels: true,
      static_configs: [{ targets: [address, '127.0.0.1:1'], labels: { team: 'lab', zone: 'n1' } }],
      relabel_configs: [
        { source_labels: ['__address__'], regex: '127\\.0\\.0\\.1:1', action: 'drop' },
        { regex: '(team)', replacement: 'owner_$1', action: 'labelmap' },
        { source_labels: ['zone'], target_label: 'zone', action: 'uppercase' },
        { source_labels: ['__address__'], target_label: 'instance', replacement: 'exposition' },
      ],
      metric_relabel_configs: [
        { source_labels: ['__name__'], regex: 'queue_depth|temp_celsius|up', action: 'keep' },
        { regex: '__name__|job|instance|owner_team|zone|queue|sensor', action: 'labelkeep' },
      ],
    },
  ];
}

interface Series {
  readonly key: string;
  readonly value: number;
}

/** A series as `name{a="1",b="2"}` with sorted labels, so both sides print alike. */
function seriesKey(name: string, labels: Record<string, string>): string {
  const pairs = Object.entries(labels)
    .filter(([label]) => label !== '__name__')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, value]) => `${label}=${JSON.stringify(value)}`);
  return `${name}{${pairs.join(',')}}`;
}

/** Prometheus's own series that the agent does not record (it reports the other four per target). */
const PROMETHEUS_ONLY = new Set(['scrape_series_added']);
/** Values that differ between any two scrapes by nature. */
const TIMING = new Set(['scrape_duration_seconds']);

async function instant(prometheus: PrometheusServer, query: string): Promise<Series[]> {
  const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  expect(body.status).toBe('success');
  return body.data.result.map(({ metric, value }) => ({
    key: seriesKey(metric['__name__']!, metric),
    value: Number(value[1]),
  }));
}

describe('relabelling cross-checked against Prometheus 2.42', () => {
  let page: Server;
  let prometheus: PrometheusServer;
  let address: string;

  beforeAll(async () => {
    page = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end(PAGE);
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${String((page.address() as AddressInfo).port)}`;
    prometheus = await startPrometheus({ scrapeConfigs: jobs(address) });
  }, 30_000);
  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((resolve) => page?.close(resolve));
  });

  it('the agent keeps exactly the series Prometheus stored, with the same values', async () => {
    // Readiness, not timing: wait until Prometheus has scraped both jobs once.
    for (;;) {
      const up = await instant(prometheus, 'up');
      if (up.length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const stored = (await instant(prometheus, '{__name__=~".+"}')).filter(
      (series) => !PROMETHEUS_ONLY.has(series.key.slice(0, series.key.indexOf('{'))),
    );

    const agent: Series[] = [];
    for (const input of jobs(address)) {
      const job = scrapeConfigSchema.parse(input);
      const resolved = resolveTargets(job);
      expect(resolved.problems).toEqual([]);
      expect(resolved.dropped).toEqual(job.job_name === 'honoured' ? ['127.0.0.1:1'] : []);
      for (const target of resolved.targets) {
        const result = await scrapeTarget(job, target, { clock: systemClock, userAgent: 'pflow-agent/test' });
        expect(result.failure).toBeUndefined();
        for (const sample of [...result.samples, ...result.reportSamples]) {
          agent.push({ key: seriesKey(sample.name, sample.labels), value: sample.value });
        }
      }
    }

    const byKey = (series: Series[]) =>
      Object.fromEntries(
        series
          .map((s): [string, number | 'timing'] => [
            s.key,
            TIMING.has(s.key.slice(0, s.key.indexOf('{'))) ? 'timing' : s.value,
          ])
          .sort(([a], [b]) => (a < b ? -1 : 1)),
      );
    expect(byKey(agent)).toEqual(byKey(stored));
    // The page exercised what it is meant to: clashes, hashmod keeping some shards, the labelmaps.
    const keys = Object.keys(byKey(agent));
    expect(keys.some((key) => key.includes('exported_job="page-job"'))).toBe(true);
    expect(keys.filter((key) => key.startsWith('shard_test{')).length).toBeGreaterThan(0);
    expect(keys.filter((key) => key.startsWith('shard_test{')).length).toBeLessThan(12);
    expect(keys.some((key) => key.includes('ward="Ward A"'))).toBe(true);
    expect(keys.some((key) => key.startsWith('queue_depth{') && key.includes('job="page-job"'))).toBe(true);
  });
});

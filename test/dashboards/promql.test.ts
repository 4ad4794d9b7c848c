import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusStore, prometheusEndpoints } from '../../src/adapters/prometheus/prometheus-store.js';
import { panelsOf } from '../../dashboards/src/spec.js';
import { VARIABLES } from '../../dashboards/src/variables.js';
import { rfidTagsDashboard, TAG_PANELS } from '../../dashboards/src/views/rfid-tags.js';
import { captureLogger } from '../support/logger.js';
import { startPrometheus, type PrometheusServer } from '../support/prometheus-server.js';
import { interpolate, promTargets } from './queries.js';
import { SEED_END, SEED_VARIABLES, seedAlertEvents, seedMetricSamples, seedProbeResults } from './seed.js';

/** The lezer tree's error nodes (⚠), with where they are: none means the expression parses. */
function parseErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError)
        errors.push(`error at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.to + 10))}`);
    },
  });
  return errors;
}

describe('every PromQL expression of the dashboards', () => {
  const targets = promTargets();

  it('is found (the dashboards have PromQL panels)', () => {
    expect(targets.length).toBeGreaterThan(10);
  });

  it.each(targets.map((t) => [t.where, t.query.expr]))('parses without error nodes: %s', (_where, expr) => {
    expect(parseErrors(interpolate(expr))).toEqual([]);
  });

  it('is told apart from a broken one by the parse check', () => {
    expect(parseErrors('sum by (site) (probe_success{site=~"a"}')).not.toEqual([]);
    expect(parseErrors('rate(up[5m]) +')).not.toEqual([]);
  });
});

describe('the dashboards against a real Prometheus seeded through the product adapter', () => {
  let server: PrometheusServer;
  beforeAll(async () => {
    server = await startPrometheus({ outOfOrderWindow: '1d' });
    const store = new PrometheusStore({ ...prometheusEndpoints(server.url), logger: captureLogger() });
    // In time order, one scrape cycle at a time, as the runtime and the ingest write them.
    const probes = seedProbeResults();
    const metrics = seedMetricSamples();
    for (let i = 0; i < probes.length; i++) {
      await store.writeProbeResults(probes[i]!);
      await store.writeMetricSamples(metrics[i]!);
    }
    await store.writeAlertEvents(seedAlertEvents());
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  async function query(expr: string, range: boolean) {
    const end = SEED_END / 1000;
    const params: Record<string, string> = range
      ? { query: expr, start: String(end - 3600), end: String(end), step: '60' }
      : { query: expr, time: String(end) };
    const response = await fetch(
      `${server.url}/api/v1/${range ? 'query_range' : 'query'}?${new URLSearchParams(params)}`,
    );
    const body = (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
    return { status: response.status, body };
  }

  it.each(promTargets().map((t) => [t.where, t.query] as const))('returns series: %s', async (_where, target) => {
    const expr = interpolate(target.expr);
    const { status, body } = await query(expr, !target.instant);
    expect(body.error, expr).toBeUndefined();
    expect(status, expr).toBe(200);
    expect(body.data!.result.length, `${expr} returned no series`).toBeGreaterThan(0);
  });

  it.each(Object.values(VARIABLES).map((v) => [v.name, v.prom] as const))(
    'variable %s lists the seeded value',
    async (name, definition) => {
      const match = /^label_values\((.+), (\w+)\)$/.exec(interpolate(definition));
      expect(match, definition).not.toBeNull();
      const [, selector, label] = match!;
      const end = SEED_END / 1000;
      const params = new URLSearchParams({ 'match[]': selector!, start: String(end - 3600), end: String(end) });
      const response = await fetch(`${server.url}/api/v1/label/${label}/values?${params}`);
      const body = (await response.json()) as { data: string[] };
      expect(body.data).toContain(SEED_VARIABLES[name]);
    },
  );

  it('answers the where-is table by what the Search box holds: id, type or zone name, any case, each asset once', async () => {
    const panel = panelsOf(rfidTagsDashboard).find((p) => p.id === TAG_PANELS.whereIs)!;
    const found = async (search: string) => {
      const { body } = await query(interpolate(panel.prom[0]!.expr, search), false);
      expect(body.error).toBeUndefined();
      return (body.data!.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => [
        r.metric['asset'],
        r.metric['zone_name'],
        Number(r.value[1]),
      ]);
    };
    // Most recently seen first; pump-301 matches by id and by type and is listed once.
    expect(await found('Pump')).toEqual([
      ['pump-301', 'Equipment store 3', 20],
      ['pump-306', 'Main entrance', 2400],
    ]);
    expect(await found('room 301')).toEqual([['chair-01', 'Room 301', 5]]);
    expect(await found('WHEELCHAIR')).toEqual([['chair-01', 'Room 301', 5]]);
    expect((await found('')).map(([asset]) => asset)).toEqual(['chair-01', 'pump-301', 'pump-306']);
    expect(await found('ventilator')).toEqual([]);
  });
});

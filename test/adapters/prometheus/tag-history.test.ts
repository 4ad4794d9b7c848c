import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusStore, prometheusEndpoints } from '../../../src/adapters/prometheus/prometheus-store.js';
import { PrometheusTagHistory, tagEventSamples } from '../../../src/adapters/prometheus/tag-history.js';
import { captureLogger } from '../../support/logger.js';
import { startPrometheus, type PrometheusServer } from '../../support/prometheus-server.js';

/** Tag events as series, through the remote-write adapter into Debian's Prometheus and back by PromQL. */

const T0 = Date.parse('2026-11-30T06:00:00Z');
const MIN = 60_000;

let server: PrometheusServer;
beforeAll(async () => {
  server = await startPrometheus({ outOfOrderWindow: '1d' });
});
afterAll(async () => {
  await server?.stop();
});

function history(chunkMs?: number) {
  const store = new PrometheusStore({ ...prometheusEndpoints(server.url), logger: captureLogger(), maxAttempts: 2 });
  return { store, tags: new PrometheusTagHistory(store, chunkMs) };
}

describe('PrometheusTagHistory', () => {
  it('maps an event to a zone sample per (site, tag, zone) and a battery sample; nothing per x/y, motion or button', () => {
    expect(
      tagEventSamples('site-a', [
        { tag: 'T-1', t: T0, zone: 'store-3', battery: 80, motion: true, button: 'call' },
        { tag: 'T-2', t: T0, x: 4, y: 4, floor: '3', resolvedZone: 'room-301' },
        { tag: 'T-3', t: T0, x: 400, y: 400 },
      ]),
    ).toEqual([
      { name: 'pflow_tag_zone', labels: { site: 'site-a', tag: 'T-1', zone: 'store-3' }, time: T0, value: 1 },
      { name: 'pflow_tag_battery_percent', labels: { site: 'site-a', tag: 'T-1' }, time: T0, value: 80 },
      { name: 'pflow_tag_zone', labels: { site: 'site-a', tag: 'T-2', zone: 'room-301' }, time: T0, value: 1 },
    ]);
  });

  it('writes a day of events, twice (a retried batch), and reads them back per tag in order, across chunks', async () => {
    const { store, tags } = history(3 * 3_600_000);
    const events = [];
    // T-1 every 10 min for 12 h, moving between store and room each hour; P-1 in another site.
    for (let i = 0; i < 72; i++) {
      events.push({ tag: 'T-1', t: T0 + i * 10 * MIN, zone: Math.floor(i / 6) % 2 === 0 ? 'store-3' : 'room-301' });
    }
    await tags.writeTagEvents('site-a', events);
    await tags.writeTagEvents('site-a', events);
    await tags.writeTagEvents('site-b', [{ tag: 'P-1', t: T0, zone: 'triage' }]);
    expect(store.writeStats().samplesRejected).toEqual({});
    const readings = await tags.readings('site-a', T0, T0 + 12 * 60 * MIN);
    expect([...readings.keys()]).toEqual(['T-1']);
    const rows = readings.get('T-1')!;
    expect(rows).toHaveLength(72);
    expect(rows[0]).toEqual({ t: T0, zone: 'store-3', x: null, y: null, floor: null });
    expect(rows[6]).toEqual({ t: T0 + 60 * MIN, zone: 'room-301', x: null, y: null, floor: null });
    expect(rows.every((row, i) => i === 0 || row.t > rows[i - 1]!.t)).toBe(true);
    // 12 h in 3 h chunks: four range queries.
    expect(store.queryStats().queries).toBe(4);
    // A narrower stretch keeps only what is in it.
    const hour = await tags.readings('site-a', T0 + 60 * MIN, T0 + 120 * MIN);
    expect(hour.get('T-1')!.map((r) => r.zone)).toEqual([...Array(6).fill('room-301'), 'store-3']);
  });
});

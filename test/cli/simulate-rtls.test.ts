import { afterEach, describe, expect, it } from 'vitest';
import { SqliteTagStore } from '../../src/adapters/local/sqlite-tags.js';
import { openDatabase } from '../../src/adapters/local/sqlite.js';
import { parseSimulateOptions, runRtlsTraffic, httpSender } from '../../src/cli/simulate-rtls.js';
import { assetsSchema, normaliseAssets } from '../../src/domain/assets/config-schema.js';
import { httpInputSchema } from '../../src/domain/assets/input-settings.js';
import { syntheticWing } from '../../src/domain/assets/synthetic-wing.js';
import { HttpTagInput } from '../../src/rtls/http-input.js';
import { AssetService } from '../../src/services/assets.js';
import { captureLogger } from '../support/logger.js';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const flags = { site: 'site-a', tags: '20', seed: '1', patientsPerHour: '40' };

describe('pflow simulate rtls', () => {
  let input: HttpTagInput | undefined;
  afterEach(async () => {
    await input?.stop();
    input = undefined;
  });

  it('sends the wing into the real HTTP input, whose events land in the tag store and answer where-is', async () => {
    const clock = { t: T0 };
    const db = openDatabase(':memory:');
    const store = new SqliteTagStore(db);
    const config = { ...normaliseAssets(assetsSchema.parse({})), registry: syntheticWing('site-a', 20) };
    const service = new AssetService(config, { store, clock: { now: () => clock.t }, logger: captureLogger() });
    input = new HttpTagInput(httpInputSchema.parse({ kind: 'http', listen: '127.0.0.1:0', path: '/tags' }), {
      logger: captureLogger(),
      sink: async (events) => void service.ingest('site-a', events),
      now: () => clock.t,
    });
    const url = await input.start();
    const options = parseSimulateOptions({ ...flags, url, rate: '4', duration: '2m' });
    if ('error' in options) throw new Error(options.error);
    // A fake clock: waiting moves time on at once.
    const report = await runRtlsTraffic(options, {
      clock: { now: () => clock.t },
      sleep: async (ms) => void (clock.t += ms),
      send: httpSender(url),
    });
    // 20 tags at 4 events/s: every tag every 5 s, one batch a second, for 120 s.
    expect(report.failedBatches).toBe(0);
    expect(report.batches).toBe(120);
    expect(report.sent).toBeGreaterThanOrEqual(20 * 24 - 20);
    expect(input.stats.snapshot().accepted).toBe(report.sent);
    expect(service.stats().events).toBe(report.sent);
    const stored = db.prepare('SELECT count(*) AS n FROM tag_events').get() as { n: number };
    expect(stored.n).toBe(report.sent);
    const [pump] = service.whereIs({ site: 'site-a', asset: 'asset-000002' });
    expect(pump).toMatchObject({ asset: 'asset-000002', tag: 'T-000002', status: 'present' });
    expect(pump!.zone).toMatch(/^(store|clean|dirty|room)-/);
    // The asset carried out fell silent at 90 s in the exit: after the exit grace it has left.
    clock.t += 5 * 60_000;
    expect(service.whereIs({ site: 'site-a', asset: 'asset-000020' })[0]).toMatchObject({
      zone: 'exit-main',
      status: 'left_building',
    });
  });

  it('counts a batch the input refuses and goes on', async () => {
    const clock = { t: T0 };
    const options = parseSimulateOptions({ ...flags, url: 'http://127.0.0.1:1/tags', rate: '20', duration: '3s' });
    if ('error' in options) throw new Error(options.error);
    let calls = 0;
    const errors: string[] = [];
    const report = await runRtlsTraffic(options, {
      clock: { now: () => clock.t },
      sleep: async (ms) => void (clock.t += ms),
      send: async () => {
        if (++calls === 2) throw new Error('HTTP 503: store unavailable');
      },
      onError: (error) => errors.push(error.message),
    });
    expect(report).toMatchObject({ batches: 3, failedBatches: 1 });
    expect(errors).toEqual(['HTTP 503: store unavailable']);
  });

  it('names the wrong flag', () => {
    expect(parseSimulateOptions(flags)).toEqual({ error: 'give either --url or --mqtt' });
    expect(parseSimulateOptions({ ...flags, mqtt: 'mqtt://127.0.0.1:1883' })).toEqual({
      error: '--topic: a topic without wildcards is needed with --mqtt',
    });
    expect(parseSimulateOptions({ ...flags, url: 'http://x/tags', tags: '0' })).toEqual({
      error: '--tags: expected a whole number 1-1000000, got 0',
    });
    expect(parseSimulateOptions({ ...flags, url: 'http://x/tags', duration: '5 minutes' })).toMatchObject({
      error: expect.stringMatching(/^--duration: not a duration/),
    });
    expect(parseSimulateOptions({ ...flags, url: 'ftp://x/tags' })).toMatchObject({
      error: expect.stringMatching(/^--url/),
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../src/adapters/local/sqlite.js';
import { buildProgram } from '../../src/cli/main.js';
import { assetsSchema, normaliseAssets, type AssetsConfig } from '../../src/domain/assets/config-schema.js';
import { syntheticWing } from '../../src/domain/assets/synthetic-wing.js';
import { LocalAssets } from '../../src/runtime/local-assets.js';
import { captureLogger } from '../support/logger.js';
import { startMosquitto, type MosquittoBroker } from '../support/mosquitto.js';

/**
 * `pflow simulate rtls --mqtt` as a user runs it, publishing to a real mosquitto, and the local
 * runtime's assets part subscribed to the same broker through its configured MQTT input: the
 * events the command says it sent are the events the runtime stored, and where-is answers them.
 */

/** Resolves once `check` holds, polling the runtime's own progress (no fixed sleeps). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('pflow simulate rtls → mosquitto → the runtime’s MQTT input', () => {
  let broker: MosquittoBroker;
  let db: SqliteDatabase;
  let local: LocalAssets;

  beforeAll(async () => {
    broker = await startMosquitto();
    db = openDatabase(':memory:');
    const base = normaliseAssets(
      assetsSchema.parse({
        // The wing's topics, with a wildcard as a site with several gateways subscribes.
        inputs: [{ site: 'site-a', kind: 'mqtt', url: broker.url, topics: ['rtls/site-a/#'], qos: 1 }],
      }),
    );
    const config: AssetsConfig = { ...base, registry: syntheticWing('site-a', 30) };
    local = new LocalAssets(config, {
      db,
      clock: Date,
      logger: captureLogger(),
      retentionMs: 86_400_000,
      writeSamples: async () => {},
    });
    await local.start();
  });
  afterAll(async () => {
    await local?.stop();
    db?.close();
    await broker?.stop();
  });

  it('delivers every event the command sent, and the assets answer where-is', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const program = buildProgram({ stdout: (t) => lines.push(t), stderr: (t) => errors.push(t) }).exitOverride();
    process.exitCode = undefined;
    // 30 tags at 60 events/s: every tag every 0.5 s, for 2 s of real time.
    await program.parseAsync(
      [
        'simulate',
        'rtls',
        '--mqtt',
        broker.url,
        '--topic',
        'rtls/site-a/gateway-1',
        '--tags',
        '30',
        '--rate',
        '60',
        '--duration',
        '2s',
        '--seed',
        '3',
      ],
      { from: 'user' },
    );
    expect(errors).toEqual([]);
    expect(process.exitCode ?? 0).toBe(0);
    const summary = lines.at(-1)!;
    const match = /^sent (\d+) events in (\d+) batches; 0 batches not taken\n$/.exec(summary);
    expect(match, summary).not.toBeNull();
    const sent = Number(match![1]);
    expect(sent).toBeGreaterThanOrEqual(90);

    await until(() => local.service.stats().events === sent, `${sent} events stored`);
    const [input] = local.inputStats();
    expect(input).toMatchObject({ kind: 'mqtt', accepted: sent });
    expect(input!.rejected).toEqual({});
    const stored = db.prepare('SELECT count(*) AS n FROM tag_events').get() as { n: number };
    expect(stored.n).toBe(sent);
    // Every tag of the wing reported at least once (each every 0.5 s for 2 s): each asset is somewhere.
    const located = local.service.whereIs({ site: 'site-a' });
    expect(located).toHaveLength(30);
    for (const location of located) expect(location.zone, location.asset).toBeDefined();
    expect(local.service.whereIs({ site: 'site-a', asset: 'asset-000001' })[0]).toMatchObject({
      tag: 'T-000001',
      status: 'present',
    });
    process.exitCode = undefined;
  });
});

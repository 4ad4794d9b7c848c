import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCollectHandler } from '../../lambdas/collect.js';
import { DynamoBatchLedger } from '../../src/adapters/aws/dynamodb-batch-ledger.js';
import { PrometheusStore, prometheusEndpoints } from '../../src/adapters/prometheus/prometheus-store.js';
import { PrometheusTagHistory } from '../../src/adapters/prometheus/tag-history.js';
import { DiskBuffer } from '../../src/agent/buffer/disk-buffer.js';
import { Batcher, batchLimits } from '../../src/agent/forward/batcher.js';
import { PullServer } from '../../src/agent/pull-server.js';
import type { MetricSample } from '../../src/domain/records.js';
import { DynamoTagLocations } from '../../src/adapters/aws/dynamodb-tag-locations.js';
import { DEFAULT_ASSET_SETTINGS, RegistryIndex } from '../../src/domain/assets/registry.js';
import { createTable, createTagLocationTable, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { captureLogger } from '../support/logger.js';
import { startPrometheus, type PrometheusServer } from '../support/prometheus-server.js';
import { outputOf, type EmfDocument } from './lambda-output.js';
import { bundledConfig } from '../support/bundled-config.js';

/**
 * The collect function as Scheduler invokes it, pulling from a real agent pull server (its disk
 * buffer in a temporary directory) on 127.0.0.1 and writing through the Prometheus store adapter
 * into Debian's Prometheus (the local stand-in for AMP); the batch ledger is DynamoDB on dynalite.
 */

const TOKEN = 'pull-token-0123456789abcdef';
const SITE = 'st-anna-lab';
const T0 = Date.now() - 10 * 60_000;
let ddb: DynamoLocal;
let prometheus: PrometheusServer;
let dir: string;
let buffer: DiskBuffer;
let batcher: Batcher;
let server: PullServer;
let pullUrl: string;
let configFile: string;
/** One series name per test: the tests share one Prometheus. */
let series: string;
let testIndex = 0;

function context(remainingMs = 50_000): Context {
  return {
    functionName: 'pflow-collect',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

function writeConfig(token = TOKEN, extra: Record<string, unknown> = {}): void {
  const document = {
    version: 1,
    sites: [{ id: SITE, name: 'St. Anna laboratory' }],
    ...extra,
    aws: {
      pull: {
        vpc_id: 'vpc-0123456789abcdef0',
        subnet_ids: ['subnet-0123456789abcdef0'],
        agents: [{ id: 'lab-01', site: SITE, url: pullUrl, token }],
      },
    },
  };
  writeFileSync(configFile, bundledConfig(document));
}

/** Samples from..to of this test's series, `site` claimed as another site's (the config's wins). */
function add(from: number, to: number): void {
  for (let i = from; i <= to; i++) {
    batcher.add([{ name: series, labels: { n: String(i), site: 'st-elsewhere' }, time: T0 + i * 1000, value: i }]);
  }
  batcher.flush();
}

let store: PrometheusStore;
let writes: number;
let failWrites: number;
const sink = {
  writeMetricSamples: async (samples: readonly MetricSample[]) => {
    writes += 1;
    if (failWrites > 0) {
      failWrites -= 1;
      throw new Error('remote write answered 503');
    }
    await store.writeMetricSamples(samples);
  },
  writeProbeResults: (results: Parameters<PrometheusStore['writeProbeResults']>[0]) => store.writeProbeResults(results),
};

function handler(env: Record<string, string> = {}) {
  return createCollectHandler({
    env: { PFLOW_CONFIG_FILE: configFile, PFLOW_SECRETS_PREFIX: 'pflow/', ...env },
    store: sink as unknown as PrometheusStore,
    // The history of tag events goes to the same Prometheus, as it goes to AMP.
    tagHistory: new PrometheusTagHistory(store),
    ledger: new DynamoBatchLedger(ddb.client, 'batches', () => Date.now()),
  });
}

async function stored(): Promise<Record<string, string>[]> {
  const query = encodeURIComponent(series);
  const response = await fetch(`${prometheus.url}/api/v1/query?query=${query}&time=${(T0 + 60_000) / 1000}`);
  const body = (await response.json()) as { data: { result: { metric: Record<string, string> }[] } };
  return body.data.result.map((result) => result.metric);
}

beforeAll(async () => {
  [ddb, prometheus] = await Promise.all([startDynamoLocal(), startPrometheus({ outOfOrderWindow: '1d' })]);
  await createTable(ddb.client, 'batches', { site: 'S', batchId: 'S' });
  await createTagLocationTable(ddb.client, 'tag-locations');
  store = new PrometheusStore({ ...prometheusEndpoints(prometheus.url), logger: captureLogger() });
}, 30_000);
afterAll(async () => {
  await Promise.all([ddb?.close(), prometheus?.stop()]);
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pflow-collect-'));
  const limits = batchLimits(10, 1);
  buffer = DiskBuffer.open({ dir: join(dir, 'buffer'), fsync: 'always', maxBytes: 64 * 1024 * 1024, ...limits });
  batcher = new Batcher(buffer, { ...limits, maxBatchAgeMs: 10_000, now: Date.now });
  server = new PullServer({ buffer, agent: { id: 'lab-01', version: 't' }, token: TOKEN, maxBytes: 1024 });
  pullUrl = await server.listen('127.0.0.1', 0);
  configFile = join(dir, 'pflow-config.json');
  writeConfig();
  writes = 0;
  failWrites = 0;
  testIndex += 1;
  series = `lab_queue_${String(testIndex)}`;
});
afterEach(async () => {
  await server.close();
  buffer.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('collect function (pull mode)', () => {
  it('pulls the agent dry, stores every sample under the configured site, and acknowledges it all', async () => {
    add(1, 35); // four batches; the server hands out about one per page (max_bytes 1024)
    const outcome = await handler()({ agent: 'lab-01' }, context());

    expect(outcome).toEqual({
      agent: 'lab-01',
      stored: 4,
      refused: 0,
      samples: 35,
      tagEvents: 0,
      droppedTagEvents: 0,
      drained: true,
    });
    expect(buffer.stats().pendingBatches).toBe(0);
    const series = await stored();
    expect(series.map((labels) => Number(labels.n)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 35 }, (_, k) => k + 1),
    );
    // The site comes from the config, never from the batch.
    expect(new Set(series.map((labels) => labels.site))).toEqual(new Set([SITE]));

    // Nothing new: one pull, nothing written.
    const again = await handler()({ agent: 'lab-01' }, context());
    expect(again).toEqual({
      agent: 'lab-01',
      stored: 0,
      refused: 0,
      samples: 0,
      tagEvents: 0,
      droppedTagEvents: 0,
      drained: true,
    });
  });

  it('stops without acknowledging when the store fails, counts CollectFailed, and the next run stores each batch once', async () => {
    add(1, 20);
    failWrites = 1;
    const { lines } = await outputOf(() => handler()({ agent: 'lab-01' }, context()));
    const emf = lines.filter((line): line is EmfDocument => '_aws' in line);
    const failed = emf.find((doc) => doc['CollectFailed'] === 1)!;
    expect(failed).toMatchObject({ agent: 'lab-01', service: 'pflow-collect' });
    expect(failed._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'agent']]);
    expect(buffer.stats().pendingBatches).toBe(2);

    const writesBefore = writes;
    const outcome = await handler()({ agent: 'lab-01' }, context());
    expect(outcome).toMatchObject({ stored: 2, samples: 20, drained: true });
    expect(writes - writesBefore).toBe(2);
    expect((await stored()).length).toBe(20);
    expect(buffer.stats().pendingBatches).toBe(0);
  });

  it('a stored page the run had no time to acknowledge is pulled again and answered as duplicate', async () => {
    add(1, 10);
    const first = await handler()({ agent: 'lab-01' }, context(1_000));
    expect(first).toMatchObject({ stored: 1, samples: 10, drained: false });
    expect(buffer.stats().pendingBatches).toBe(1);
    const writesBefore = writes;
    const second = await handler()({ agent: 'lab-01' }, context());
    // Stored before: the ledger says so, nothing is written again, and now it is acknowledged.
    expect(second).toMatchObject({ stored: 1, samples: 0, drained: true });
    expect(writes).toBe(writesBefore);
    expect(buffer.stats().pendingBatches).toBe(0);
  });

  it('a wrong pull token or an unknown agent stores nothing and says why, never the token', async () => {
    add(1, 5);
    writeConfig('not-the-agents-token-at-all');
    const { raw } = await outputOf(async () => {
      const outcome = await handler()({ agent: 'lab-01' }, context());
      expect(outcome).toMatchObject({ stored: 0, drained: false, failure: expect.stringMatching(/answered 401/) });
      const unknown = await handler()({ agent: 'lab-99' }, context());
      expect(unknown).toMatchObject({ stored: 0, failure: 'unknown agent' });
    });
    expect(raw).not.toContain('not-the-agents-token-at-all');
    expect(buffer.stats().pendingBatches).toBe(1);
    expect(writes).toBe(0);
  });

  describe('a pulled batch with tag events', () => {
    const saved = { ...process.env };
    beforeAll(() => {
      // The SDK client the function makes for the tag table reads its endpoint from process.env.
      Object.assign(process.env, {
        AWS_REGION: 'eu-central-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      });
    });
    afterAll(() => {
      for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION'])
        if (!(key in saved)) delete process.env[key];
    });
    // Recent: Prometheus takes samples only within its out-of-order window.
    const T = T0 - 5 * 60_000;
    const assets = {
      assets: {
        zones: [
          { id: 'store-3', site: SITE, floor: '3', kind: 'storage' },
          { id: 'room-301', site: SITE, floor: '3', kind: 'clinical' },
        ],
        items: [{ id: 'pump-1', site: SITE, tag: 'T-1', type: 'infusion-pump' }],
      },
    };

    it('is written through the ingest function’s sink: history and locations, under the configured site', async () => {
      writeConfig(TOKEN, assets);
      add(1, 3);
      expect(
        batcher.addTagEvents([
          { tag: 'T-1', t: T, zone: 'store-3', battery: 90 },
          { tag: 'T-1', t: T + 60_000, zone: 'room-301' },
        ]),
      ).toBe(true);
      batcher.flush();
      const run = handler({ PFLOW_TAG_LOCATION_TABLE: 'tag-locations' });
      const { lines } = await outputOf(async () => {
        expect(await run({ agent: 'lab-01' }, context())).toMatchObject({
          stored: 2,
          refused: 0,
          samples: 3,
          tagEvents: 2,
          drained: true,
        });
      });
      const emf = lines.filter((line): line is EmfDocument => '_aws' in line);
      expect(emf.some((doc) => doc['IngestTagEvents'] === 2)).toBe(true);
      expect(emf.some((doc) => doc['TagLocationsWritten'] === 1)).toBe(true);
      expect(emf.some((doc) => doc['TagEventsStored'] === 2)).toBe(true);
      const history = await fetch(
        `${prometheus.url}/api/v1/query?query=${encodeURIComponent('pflow_tag_zone{tag="T-1"}[2m]')}&time=${(T + 60_000) / 1000}`,
      );
      const zones = ((await history.json()) as { data: { result: { metric: Record<string, string> }[] } }).data.result;
      expect(zones.map((r) => [r.metric.site, r.metric.zone]).sort()).toEqual([
        [SITE, 'room-301'],
        [SITE, 'store-3'],
      ]);
      const reader = new DynamoTagLocations(
        ddb.client,
        'tag-locations',
        () => new RegistryIndex({ zones: [], assets: [], parLevels: [] }),
        DEFAULT_ASSET_SETTINGS,
      );
      expect((await reader.get(SITE, 'T-1'))?.state).toMatchObject({
        site: SITE,
        zone: 'room-301',
        lastSeen: T + 60_000,
        battery: 90,
      });
      expect(await reader.get('st-elsewhere', 'T-1')).toBeUndefined();
      expect(buffer.stats().pendingBatches).toBe(0);
    });

    it('where the stack keeps no tag events: stores the batch’s samples, counts the tag events dropped', async () => {
      // One batch with both: the ingest refuses it for its tag events alone (TAG_EVENTS_NOT_KEPT).
      batcher.add([
        { name: series, labels: { n: '1' }, time: T0 + 1000, value: 1 },
        { name: series, labels: { n: '2' }, time: T0 + 2000, value: 2 },
      ]);
      expect(
        batcher.addTagEvents([
          { tag: 'T-2', t: T, zone: 'store-3' },
          { tag: 'T-3', t: T },
        ]),
      ).toBe(true);
      batcher.flush();
      const { lines } = await outputOf(async () => {
        expect(await handler()({ agent: 'lab-01' }, context())).toEqual({
          agent: 'lab-01',
          stored: 1,
          refused: 0,
          samples: 2,
          tagEvents: 0,
          droppedTagEvents: 2,
          drained: true,
        });
      });
      const metrics = lines.filter((line): line is EmfDocument => '_aws' in line);
      expect(metrics.some((line) => line['CollectDroppedTagEvents'] === 2)).toBe(true);
      expect(metrics.some((line) => 'CollectRefused' in line)).toBe(false);
      expect((await stored()).map((labels) => labels.n).sort()).toEqual(['1', '2']);
      expect(buffer.stats().pendingBatches).toBe(0);
      // Acknowledged: the next run has nothing, and nothing is counted twice.
      expect(await handler()({ agent: 'lab-01' }, context())).toMatchObject({ stored: 0, droppedTagEvents: 0 });
    });
  });
});

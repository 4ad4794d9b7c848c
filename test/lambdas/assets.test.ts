import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createAssetsHandler } from '../../lambdas/assets.js';
import { DynamoTagLocations } from '../../src/adapters/aws/dynamodb-tag-locations.js';
import { SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { PrometheusStore, prometheusEndpoints } from '../../src/adapters/prometheus/prometheus-store.js';
import { PrometheusTagHistory } from '../../src/adapters/prometheus/tag-history.js';
import { RegistryIndex } from '../../src/domain/assets/registry.js';
import type { TagEvent } from '../../src/domain/assets/tag-event.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import type { AlertEvent } from '../../src/domain/alerts/event.js';
import { runRuleGroup } from '../../src/services/run-rule-group.js';
import { bundledConfig } from '../support/bundled-config.js';
import { createTagLocationTable, startDynamoLocal, type DynamoLocal } from '../support/dynamodb-local.js';
import { captureLogger } from '../support/logger.js';
import { startPrometheus, type PrometheusServer } from '../support/prometheus-server.js';
import { outputOf } from './lambda-output.js';

/**
 * The asset function end to end on real parts: the example config's assets, the tag location table
 * on dynalite (written by the ingest's adapter), the tag history and the answers in Debian's
 * Prometheus (the AMP stand-in), then the example's asset rules evaluated over what it wrote.
 */

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const MIN = 60_000;
const AT = T0 + 180 * MIN;
const context = {} as Context;
const exampleText = readFileSync('config/example.yaml', 'utf8');
const config = parseDeploymentConfig(exampleText, 'config/example.yaml', {});

let ddb: DynamoLocal;
let prometheus: PrometheusServer;
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  [ddb, prometheus] = await Promise.all([startDynamoLocal(), startPrometheus({ outOfOrderWindow: '1d' })]);
  await createTagLocationTable(ddb.client, 'tag-locations');
  dir = mkdtempSync(join(tmpdir(), 'pflow-assets-'));
  writeFileSync(join(dir, 'pflow-config.json'), bundledConfig(parse(exampleText)));
  Object.assign(process.env, {
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
  });
});
afterAll(async () => {
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION'])
    if (!(key in saved)) delete process.env[key];
  rmSync(dir, { recursive: true, force: true });
  await Promise.all([ddb?.close(), prometheus?.stop()]);
});

/** Three hours of the example wing as the ingest function would have stored it. */
function morning(): TagEvent[] {
  const events: TagEvent[] = [];
  for (let m = 0; m <= 180; m++) {
    const t = T0 + m * MIN;
    events.push({ tag: 'T-0301', t, zone: 'store-3', battery: 80 });
    events.push({ tag: 'T-0302', t, zone: 'room-301', battery: 9 });
    events.push({ tag: 'T-0303', t, zone: 'room-302' });
    if (m <= 120) events.push({ tag: 'T-0305', t, zone: 'store-3' }); // silent for the last hour: missing
    if (m <= 170) events.push({ tag: 'T-0306', t, zone: m < 160 ? 'room-303' : 'exit-main' }); // carried out
    // Patients wait 20 to 40 minutes before triage.
    for (const [i, start] of [0, 45, 90].entries()) {
      const k = m - start;
      if (k < 0 || k > 60) continue;
      const wait = 20 + 10 * i;
      events.push({ tag: `P-${i}`, t, zone: k < wait ? 'ed-waiting' : 'ed-triage' });
    }
  }
  return events;
}

describe('asset function (config with assets:), AMP stand-in', () => {
  it('writes the answers the example asset rules fire on, as the local runtime’s would', async () => {
    const store = new PrometheusStore({ ...prometheusEndpoints(prometheus.url), logger: captureLogger() });
    const history = new PrometheusTagHistory(store);
    const assets = config.assets!;
    const locations = new DynamoTagLocations(
      ddb.client,
      'tag-locations',
      () => new RegistryIndex(assets.registry),
      assets.settings,
    );
    const events = morning();
    await history.writeTagEvents('site-a', events);
    for (let m = 0; m <= 180; m += 10) {
      await locations.apply(
        'site-a',
        events.filter((e) => e.t >= T0 + m * MIN && e.t < T0 + (m + 10) * MIN),
      );
    }

    const handler = createAssetsHandler({
      env: {
        LAMBDA_TASK_ROOT: dir,
        PFLOW_CONFIG_FILE: 'pflow-config.json',
        PFLOW_TAG_LOCATION_TABLE: 'tag-locations',
        PFLOW_METRICS_BACKEND: 'amp',
      },
      store,
      history,
    });
    const scheduledTime = new Date(AT).toISOString();
    const { lines } = await outputOf(async () => {
      expect(await handler({ part: 'now', scheduledTime }, context)).toMatchObject({ part: 'now', at: scheduledTime });
      expect(await handler({ part: 'day', scheduledTime }, context)).toMatchObject({ part: 'day' });
    });
    expect(JSON.stringify(lines)).toContain('AssetSamplesWritten');

    // The example's asset rules, two cycles a minute apart (par-level-short holds for 30 s first).
    const group = config.ruleGroups.find((g) => g.name === 'assets')!;
    const states = new SqliteStore({ database: ':memory:', clock: { now: () => AT }, retentionMs: 86_400_000 });
    const published: AlertEvent[] = [];
    try {
      for (const now of [AT + 20_000, AT + 80_000]) {
        await runRuleGroup(group, {
          metrics: store,
          states,
          bus: { publish: async (out) => void published.push(...out) },
          clock: { now: () => now },
          logger: captureLogger(),
          silences: () => [],
          maintenanceWindows: () => [],
        });
      }
    } finally {
      states.close();
    }
    const fired = published.map(
      (e) => `${e.rule.id} ${e.state} ${e.labels.asset ?? e.labels.stage ?? `${e.labels.zone} ${e.labels.type}`}`,
    );
    expect(fired.sort()).toEqual([
      'asset-left-building firing pump-306',
      'asset-missing firing pump-305',
      'par-level-short firing store-3 infusion-pump', // pump-301 alone of the 3 it needs (pump-305 missing)
      'par-level-short firing store-3 wheelchair', // never seen
      'stage-wait-long firing triage',
      'tag-battery-low firing pump-302',
    ]);
    // Never seen (pump-304, the wheelchairs, the monitors) has no series: not missing, as locally.
  });

  it('refuses an event without a known part, naming the field', async () => {
    const handler = createAssetsHandler({ env: { LAMBDA_TASK_ROOT: dir, PFLOW_CONFIG_FILE: 'pflow-config.json' } });
    await expect(handler({ part: 'week' } as never, context)).rejects.toThrow(/assets input must be .*part/);
  });
});

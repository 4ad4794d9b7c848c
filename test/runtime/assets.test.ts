import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { LocalRuntime } from '../../src/runtime/local-runtime.js';
import { captureLogger } from '../support/logger.js';

/**
 * The assets path end to end in the local runtime, with real parts: RTLS events pushed to the HTTP
 * input on 127.0.0.1 → the tag store in pflow.db → the answers on the JSON API → series → the
 * rule engine → the console channel. Then a restart: where everything is survives it.
 */

let runtime: LocalRuntime | undefined;
let dir: string | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function configFor(dataDir: string) {
  return parseDeploymentConfig(
    `
version: 1
sites: [{ id: site-a }]
rule_groups:
  - name: assets
    interval: 200ms
    rules:
      - { id: left, name: Asset left the building, table: metrics, measure: pflow_asset_left_building, window: 2s, threshold: { op: '>=', value: 1 }, no_data: ok }
      - { id: par, name: Zone short, table: metrics, measure: pflow_zone_par_shortfall, window: 2s, threshold: { op: '>', value: 0 }, no_data: ok }
      - { id: battery, name: Battery low, table: metrics, measure: pflow_asset_battery_percent, window: 2s, threshold: { op: '<', value: 15 }, no_data: ok }
channels: [{ id: terminal, kind: console }]
routes: [{ channels: [terminal] }]
assets:
  exit_grace: 1s
  evaluate_every: 200ms
  zones:
    - { id: store-3, site: site-a, name: Store 3, floor: '3', kind: storage }
    - { id: store-2, site: site-a, name: Store 2, floor: '2', kind: storage }
    - { id: room-301, site: site-a, name: Room 301, floor: '3', kind: clinical }
    - { id: exit, site: site-a, name: Main exit, floor: '0', kind: exit }
  items:
    - { id: pump-1, site: site-a, tag: T-1, type: infusion-pump, home_zone: store-3 }
    - { id: pump-2, site: site-a, tag: T-2, type: infusion-pump, home_zone: store-3 }
    - { id: pump-3, site: site-a, tag: T-3, type: infusion-pump, home_zone: store-3 }
    - { id: chair-1, site: site-a, tag: T-9, type: wheelchair }
  par_levels:
    - { site: site-a, zone: store-3, type: infusion-pump, min: 2 }
  inputs:
    - { site: site-a, kind: http, listen: '127.0.0.1:0', mapping: { tag: tagId, time: ts } }
local: { data_dir: '${dataDir}', api_listen: '127.0.0.1:0' }
`,
    'assets.yaml',
    {},
  );
}

describe('assets in the local runtime', () => {
  it('answers where things are and alerts through the channels, from events pushed to the HTTP input', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pflow-assets-'));
    const lines: string[] = [];
    const start = async () => {
      runtime = new LocalRuntime(configFor(join(dir!, 'data')), {
        clock: { now: () => Date.now(), monotonic: () => performance.now() },
        logger: captureLogger(),
        stdout: (line) => lines.push(line),
        probeIsolation: 'in-process',
      });
      return runtime.start();
    };
    const urls = await start();
    const input = urls.rtlsInputs![0]!;
    const get = async (path: string) => (await fetch(`${urls.api}${path}`)).json() as Promise<any>;
    const now = Date.now();
    const events = [
      { tagId: 'T-1', ts: now - 2_000, zone: 'store-3', battery: 10 },
      { tagId: 'T-2', ts: now - 2_000, zone: 'store-2' },
      { tagId: 'T-3', ts: now - 2_000, zone: 'room-301' },
      { tagId: 'T-9', ts: now - 60_000, zone: 'exit' },
      { tagId: 'T-3', ts: now - 50_000, zone: 'store-3' }, // late: T-3 stays in room-301
    ];
    const post = (body: unknown) =>
      fetch(input, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(events)).status).toBe(200);
    expect((await post(events)).status).toBe(200); // a retry: nothing twice

    const nearest = await get('/api/assets?type=infusion-pump&floor=2');
    expect(nearest.assets.map((a: any) => [a.asset, a.zone, a.available])).toEqual([
      ['pump-2', 'store-2', true],
      ['pump-1', 'store-3', true],
      ['pump-3', 'room-301', false],
    ]);
    expect(await get('/api/assets/pump-3')).toMatchObject({
      zone: 'room-301',
      since: new Date(now - 2_000).toISOString(),
    });
    expect((await get('/api/assets/missing')).leftBuilding.map((a: any) => a.asset)).toEqual(['chair-1']);
    expect((await get('/api/assets/par-levels')).parLevels).toEqual([
      { site: 'site-a', zone: 'store-3', type: 'infusion-pump', min: 2, available: 1, shortBy: 1 },
    ]);
    expect((await get('/api/assets/inputs')).ingest).toMatchObject({ events: 10, duplicates: 5, late: 1 });
    expect((await fetch(`${urls.api}/api/assets/nothing`)).status).toBe(404);
    expect((await get('/api/assets?status=lost')).error).toBe(
      'status: one of present, missing, left_building, never_seen',
    );

    // The answers reach the channel as alerts, through the rule engine like any other series.
    await until('the three asset alerts', async () => {
      const fired = ['Asset left the building', 'Zone short', 'Battery low'].every((name) =>
        lines.some((line) => line.includes('FIRING') && line.includes(name)),
      );
      return fired ? true : undefined;
    });
    expect(lines.find((line) => line.includes('Asset left the building'))).toContain('asset="chair-1"');

    // A pump comes back to the store: the shortage resolves.
    expect((await post([{ tagId: 'T-2', ts: Date.now(), zone: 'store-3' }])).status).toBe(200);
    await until('the shortage to resolve', async () =>
      lines.some((line) => line.includes('RESOLVED') && line.includes('Zone short')) ? true : undefined,
    );

    // Where everything is survives a restart (tag states in pflow.db), without replaying history.
    await runtime!.stop();
    const again = await start();
    const after = await (await fetch(`${again.api}/api/assets/pump-2`)).json();
    expect(after).toMatchObject({ zone: 'store-3', status: 'present' });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteTagStore } from '../../src/adapters/local/sqlite-tags.js';
import { openDatabase } from '../../src/adapters/local/sqlite.js';
import { runAssetsFind, runAssetsImport } from '../../src/cli/assets.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setUp() {
  dir = mkdtempSync(join(tmpdir(), 'pflow-assets-cli-'));
  const config = parseDeploymentConfig(
    `
version: 1
sites: [{ id: site-a }]
assets:
  zones:
    - { id: store-3, site: site-a, name: Store 3, floor: '3', kind: storage }
    - { id: room-301, site: site-a, floor: '3', kind: clinical }
  items:
    - { id: pump-1, site: site-a, tag: T-1, type: infusion-pump, home_zone: store-3 }
local: { data_dir: '${join(dir, 'data')}' }
`,
    'assets.yaml',
    {},
  );
  const output = { stdout: '', stderr: '' };
  const out = { stdout: (text: string) => (output.stdout += text), stderr: (text: string) => (output.stderr += text) };
  return { config, output, out, clock: { now: () => T0 } };
}

describe('pflow assets import', () => {
  it('reports every bad row by line and imports nothing', async () => {
    const { config, output, out, clock } = setUp();
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'id,tag,type\npump-2,T-2,infusion-pump\npump-3,T-1,infusion-pump\npump-4,T-4,Pump\n');
    expect(await runAssetsImport({ file, config, clock, site: 'site-a' }, out)).toBe(1);
    expect(output.stderr).toBe(
      [
        'line 3: tag: "T-1" is already on pump-1 in the config',
        'line 4: type: must be lower-case letters, digits or hyphens, e.g. infusion-pump',
        `${file}: 2 errors, nothing imported`,
        '',
      ].join('\n'),
    );
    const db = openDatabase(join(dir, 'data', 'pflow.db'));
    expect(new SqliteTagStore(db).importedAssets()).toEqual([]);
    db.close();
  });

  it('imports a good file, replaces it on the next import, and find answers for imported assets', async () => {
    const { config, output, out, clock } = setUp();
    const file = join(dir, 'good.csv');
    writeFileSync(file, 'id,tag,type,home_zone\npump-2,T-2,infusion-pump,store-3\npump-3,T-3,infusion-pump,\n');
    expect(await runAssetsImport({ file, config, clock, site: 'site-a' }, out)).toBe(0);
    writeFileSync(file, 'id,tag,type,home_zone,site\npump-2,T-2,infusion-pump,store-3,site-a\n');
    expect(await runAssetsImport({ file, config, clock }, out)).toBe(0);
    expect(output.stdout).toBe(
      `${file}: OK — 2 assets imported for site-a (replacing 0 imported before)\n` +
        `${file}: OK — 1 asset imported for site-a (replacing 2 imported before)\n`,
    );
    // Tag events as the runtime stores them, then find from the data directory alone.
    const db = openDatabase(join(dir, 'data', 'pflow.db'));
    new SqliteTagStore(db).write(
      'site-a',
      [{ tag: 'T-2', t: T0 - 60_000, zone: 'store-3', battery: 50 }],
      [
        {
          site: 'site-a',
          tag: 'T-2',
          lastSeen: T0 - 60_000,
          zone: 'store-3',
          since: T0 - 60_000,
          battery: 50,
          batteryAt: T0 - 60_000,
        },
      ],
    );
    db.close();
    output.stdout = '';
    expect(await runAssetsFind({ config, clock, type: 'infusion-pump', floor: '3' }, out)).toBe(0);
    expect(output.stdout).toBe(
      'pump-2  infusion-pump  present available  Store 3 (floor 3) since 2026-12-01T09:59:00.000Z, last seen 60 s ago, battery 50%\n' +
        'pump-1  infusion-pump  never_seen  never seen\n',
    );
    output.stdout = '';
    expect(await runAssetsFind({ config, clock, id: 'pump-9' }, out)).toBe(1);
    expect(output.stdout).toBe('no asset matches\n');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../../src/domain/config/load.js';
import { ConfigError } from '../../../src/domain/errors.js';

const base = `version: 1
sites: [{ id: site-a }]
`;

function errorsOf(yaml: string): string[] {
  try {
    parseDeploymentConfig(yaml, 'test.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('the assets: section', () => {
  it('normalises zones, assets, par levels, inputs and the simulated wing', () => {
    const config = parseDeploymentConfig(
      `${base}assets:
  missing_after: 20m
  zones:
    - { id: store-3, site: site-a, floor: '3', kind: storage }
    - { id: ct, site: site-a, kind: clinical, stage: imaging }
  items:
    - { id: pump-1, site: site-a, tag: T-1, type: infusion-pump, home_zone: store-3 }
  par_levels:
    - { site: site-a, zone: store-3, type: infusion-pump, min: 1 }
  inputs:
    - { site: site-a, kind: http, listen: '127.0.0.1:0' }
  simulate: { site: site-a, seed: 7 }
`,
      'test.yaml',
      {},
    );
    expect(config.assets).toMatchObject({
      settings: { missingAfterMs: 20 * 60_000, exitGraceMs: 120_000, minDwellMs: 10_000, lowBatteryBelow: 15 },
      evaluateEveryMs: 15_000,
      registry: {
        zones: [
          { id: 'store-3', site: 'site-a', name: 'store-3', floor: '3', kind: 'storage', stage: 'storage' },
          { id: 'ct', site: 'site-a', name: 'ct', kind: 'clinical', stage: 'imaging' },
        ],
        assets: [{ id: 'pump-1', tag: 'T-1', type: 'infusion-pump', homeZone: 'store-3', source: 'config' }],
        parLevels: [{ site: 'site-a', zone: 'store-3', type: 'infusion-pump', min: 1 }],
      },
      inputs: [{ site: 'site-a', settings: { kind: 'http', listen: '127.0.0.1:0', path: '/tags' } }],
      simulate: { site: 'site-a', seed: 7, everyMs: 5_000 },
    });
  });

  it('names every broken reference with its path', () => {
    expect(
      errorsOf(`${base}assets:
  zones:
    - { id: store-3, site: site-a, kind: storage }
    - { id: store-3, site: site-b, kind: pantry }
    - { id: store-3, site: site-a, kind: clean }
  items:
    - { id: pump-1, site: site-a, tag: T-1, type: infusion-pump, home_zone: nowhere }
    - { id: pump-1, site: site-a, tag: T-1, type: infusion-pump }
  par_levels:
    - { site: site-a, zone: store-3, type: wheelchair, min: 1 }
    - { site: site-a, zone: store-9, type: infusion-pump, min: 0 }
  inputs:
    - { kind: mqtt, url: 'mqtt://127.0.0.1:1883', topics: [a] }
`),
    ).toEqual([
      'assets.zones[1].site: no site "site-b" (sites: site-a)',
      'assets.zones[1].kind: must be one of: storage, clean, dirty, clinical, waiting, exit, other',
      'assets.zones[2].id: duplicate zone "store-3" (also zones[0])',
      'assets.items[0].home_zone: no zone "nowhere" at site "site-a"',
      'assets.items[1].id: duplicate asset "pump-1" (also items[0])',
      'assets.items[1].tag: tag "T-1" is already on items[0]',
      'assets.par_levels[0].type: no asset of type "wheelchair" at site "site-a"',
      'assets.par_levels[1].zone: no zone "store-9" at site "site-a"',
      'assets.par_levels[1].min: must be at least 1',
      'assets.inputs[0].site: required',
    ]);
    expect(
      errorsOf(`${base}assets:
  zones:
    - { id: store-3, site: site-a, kind: storage }
    - { id: store-3, site: site-b, kind: clean }
    - { id: store-3, site: site-a, kind: clean }
  items:
    - { id: pump-1, site: site-a, tag: T-1, type: infusion-pump, home_zone: nowhere }
    - { id: pump-1, site: site-a, tag: T-1, type: infusion-pump }
  par_levels:
    - { site: site-a, zone: store-3, type: wheelchair, min: 1 }
    - { site: site-a, zone: store-9, type: infusion-pump, min: 2 }
`),
    ).toEqual([
      'assets.zones[1].site: no site "site-b" (sites: site-a)',
      'assets.zones[2].id: duplicate zone "store-3" (also zones[0])',
      'assets.items[0].home_zone: no zone "nowhere" at site "site-a"',
      'assets.items[1].id: duplicate asset "pump-1" (also items[0])',
      'assets.items[1].tag: tag "T-1" is already on items[0]',
      'assets.par_levels[0].type: no asset of type "wheelchair" at site "site-a"',
      'assets.par_levels[1].zone: no zone "store-9" at site "site-a"',
    ]);
  });
});

describe("the README's assets example", () => {
  it('is a valid assets: section', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### The asset registry'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const config = parseDeploymentConfig(`${base}${yaml}`, 'README.md', {});
    expect(config.assets!.registry.zones.map((zone) => [zone.id, zone.kind, zone.stage])).toEqual([
      ['store-3', 'storage', 'storage'],
      ['room-301', 'clinical', 'clinical'],
      ['ed-waiting', 'waiting', 'waiting'],
      ['ed-triage', 'clinical', 'triage'],
      ['exit-main', 'exit', 'exit'],
    ]);
    expect(config.assets!.inputs).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { parseAssetCsv } from '../../../src/domain/assets/csv-import.js';
import { registry } from './fixtures.js';

const context = { sites: new Set(['a', 'b']), configured: registry };

describe('parseAssetCsv', () => {
  it('imports a spreadsheet export (BOM, quotes, header case and spaces)', () => {
    const csv =
      '\uFEFFID, Tag ,Type,Department,Home_Zone,Site\npump-10,T-10,infusion-pump,"ICU, west",store-3,a\nbed-1,T-11,bed,,,b\n';
    expect(parseAssetCsv(csv, context)).toEqual({
      assets: [
        {
          id: 'pump-10',
          site: 'a',
          tag: 'T-10',
          type: 'infusion-pump',
          department: 'ICU, west',
          homeZone: 'store-3',
          source: 'import',
        },
        { id: 'bed-1', site: 'b', tag: 'T-11', type: 'bed', source: 'import' },
      ],
      errors: [],
      sites: ['a', 'b'],
    });
  });

  it('reports every bad row by line and imports nothing', () => {
    const csv = [
      'id,tag,type,home_zone',
      'pump-10,T-10,infusion-pump,store-3',
      'pump-11,T-10,Infusion Pump,nowhere',
      ',T-12,bed,',
      'pump-10,T 13,bed,',
      'pump-12,T-1,bed,',
      'pump-1,T-14,bed,',
      '',
    ].join('\n');
    expect(parseAssetCsv(csv, { ...context, defaultSite: 'a' })).toEqual({
      assets: [],
      sites: [],
      errors: [
        'line 3: type: must be lower-case letters, digits or hyphens, e.g. infusion-pump',
        'line 3: home_zone: no zone "nowhere" at site "a"',
        'line 3: tag: "T-10" is also on line 2',
        'line 4: id: required',
        'line 5: tag: must be 1-128 characters of A-Z a-z 0-9 . _ : -',
        'line 5: id: "pump-10" is also on line 2',
        'line 6: tag: "T-1" is already on pump-1 in the config',
        'line 7: id: "pump-1" is already an asset in the config',
      ],
    });
  });

  it('refuses a file whose columns are wrong, or whose site is unknown', () => {
    expect(parseAssetCsv('id,tag,colour\nx,y,red\n', context).errors).toEqual([
      'line 1: unknown column(s) colour (columns: id, tag, type, department, home_zone, site)',
      'line 1: missing column(s) type',
      'line 1: no site column: give the site with --site',
    ]);
    expect(parseAssetCsv('id,tag,type,site\nx,y,bed,zz\n', context).errors).toEqual([
      'line 2: site: no site "zz" in the config',
    ]);
    expect(parseAssetCsv('id,tag,type\n', { ...context, defaultSite: 'a' }).errors).toEqual([
      'line 2: no assets in the file',
    ]);
    expect(parseAssetCsv('id,tag,type\n"x,y,bed\n', { ...context, defaultSite: 'a' }).errors[0]).toMatch(
      /^line \d+: Quote Not Closed/i,
    );
  });
});

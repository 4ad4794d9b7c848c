import { parse } from 'csv-parse/sync';
import { ASSET_TYPE_PATTERN, REGISTRY_ID_PATTERN, type Asset, type AssetRegistry } from './registry.js';

/**
 * Reads the asset list hospitals keep in a spreadsheet or export from their CMMS:
 *
 *     id,tag,type,department,home_zone,site
 *     pump-001,T-1001,infusion-pump,icu,w3-store,site-a
 *
 * `id`, `tag` and `type` are required columns; `department`, `home_zone` and `site` optional (`site`
 * may come from the command line instead). Every bad row is reported with its line, and a file
 * with any bad row imports nothing. csv-parse reads the CSV itself (quotes, embedded commas and
 * line breaks, a BOM), which is easy to get subtly wrong by hand.
 */

const COLUMNS = ['id', 'tag', 'type', 'department', 'home_zone', 'site'] as const;
const REQUIRED = ['id', 'tag', 'type'] as const;

export interface CsvImportContext {
  /** Sites of the config. */
  readonly sites: ReadonlySet<string>;
  /** The site for rows without a `site` column. */
  readonly defaultSite?: string;
  /** The config's own registry: zones for `home_zone`, and assets whose ids and tags the file must not reuse. */
  readonly configured: AssetRegistry;
}

export interface CsvImportResult {
  readonly assets: Asset[];
  /** `line N: column: message`, in file order. */
  readonly errors: string[];
  /** The sites the file holds assets for: an import replaces what was imported for them before. */
  readonly sites: string[];
}

export function parseAssetCsv(text: string, context: CsvImportContext): CsvImportResult {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  let header: string[] = [];
  try {
    rows = parse(text, {
      bom: true,
      columns: (names: string[]) => {
        header = names.map((name) => name.trim().toLowerCase());
        return header;
      },
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as typeof rows;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    return { assets: [], errors: [`line ${line ?? '?'}: ${(error as Error).message}`], sites: [] };
  }
  const errors: string[] = [];
  const unknown = header.filter((name) => !(COLUMNS as readonly string[]).includes(name));
  if (unknown.length > 0)
    errors.push(`line 1: unknown column(s) ${unknown.join(', ')} (columns: ${COLUMNS.join(', ')})`);
  const missing = REQUIRED.filter((name) => !header.includes(name));
  if (missing.length > 0) errors.push(`line 1: missing column(s) ${missing.join(', ')}`);
  if (!header.includes('site') && context.defaultSite === undefined) {
    errors.push('line 1: no site column: give the site with --site');
  }
  if (errors.length > 0) return { assets: [], errors, sites: [] };

  const zones = new Set(context.configured.zones.map((zone) => `${zone.site}/${zone.id}`));
  const configuredIds = new Map(context.configured.assets.map((asset) => [`${asset.site}/${asset.id}`, asset]));
  const configuredTags = new Map(context.configured.assets.map((asset) => [`${asset.site}/${asset.tag}`, asset]));
  const seenIds = new Map<string, number>();
  const seenTags = new Map<string, number>();
  const assets: Asset[] = [];
  const sites = new Set<string>();
  for (const { record, info } of rows) {
    const line = info.lines;
    const bad = (column: string, message: string) => errors.push(`line ${line}: ${column}: ${message}`);
    const before = errors.length;
    const site = record.site || context.defaultSite || '';
    if (!context.sites.has(site)) bad('site', `no site "${site}" in the config`);
    for (const column of REQUIRED) {
      if (!record[column]) bad(column, 'required');
    }
    const { id = '', tag = '', type = '' } = record;
    if (id && !REGISTRY_ID_PATTERN.test(id)) bad('id', 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');
    if (tag && !REGISTRY_ID_PATTERN.test(tag)) bad('tag', 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');
    if (type && !ASSET_TYPE_PATTERN.test(type))
      bad('type', 'must be lower-case letters, digits or hyphens, e.g. infusion-pump');
    if (record.department && record.department.length > 64) bad('department', 'at most 64 characters');
    if (record.home_zone && !zones.has(`${site}/${record.home_zone}`)) {
      bad('home_zone', `no zone "${record.home_zone}" at site "${site}"`);
    }
    if (id) {
      const key = `${site}/${id}`;
      if (seenIds.has(key)) bad('id', `"${id}" is also on line ${seenIds.get(key)}`);
      else if (configuredIds.has(key)) bad('id', `"${id}" is already an asset in the config`);
      else seenIds.set(key, line);
    }
    if (tag) {
      const key = `${site}/${tag}`;
      if (seenTags.has(key)) bad('tag', `"${tag}" is also on line ${seenTags.get(key)}`);
      else if (configuredTags.has(key))
        bad('tag', `"${tag}" is already on ${configuredTags.get(key)!.id} in the config`);
      else seenTags.set(key, line);
    }
    if (errors.length > before) continue;
    sites.add(site);
    assets.push({
      id,
      site,
      tag,
      type,
      ...(record.department && { department: record.department }),
      ...(record.home_zone && { homeZone: record.home_zone }),
      source: 'import',
    });
  }
  if (rows.length === 0) errors.push('line 2: no assets in the file');
  return errors.length > 0 ? { assets: [], errors, sites: [] } : { assets, errors, sites: [...sites] };
}

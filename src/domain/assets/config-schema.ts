import * as z from 'zod';
import { duration } from '../config/fields.js';
import { httpInputSchema, mqttInputSchema, type RtlsInputSettings } from './input-settings.js';
import {
  ASSET_TYPE_PATTERN,
  REGISTRY_ID_PATTERN,
  ZONE_KINDS,
  type Asset,
  type AssetRegistry,
  type AssetSettings,
  type ParLevel,
  type Zone,
} from './registry.js';

/** The site config's `assets:` section: settings, zones, assets, par levels, inputs and the demo wing. */

const registryId = z.string().regex(REGISTRY_ID_PATTERN, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');
const assetType = z
  .string()
  .regex(ASSET_TYPE_PATTERN, 'must be 1-63 lower-case letters, digits or hyphens, e.g. infusion-pump');
const siteRef = z.string().min(1).describe('The id of the site');
const tagPrefix = z.string().regex(/^[A-Za-z0-9._:-]{1,32}$/, 'must be 1-32 characters of A-Z a-z 0-9 . _ : -');

const zoneSchema = z.strictObject({
  id: registryId.describe('As the RTLS names it in its events'),
  site: siteRef,
  name: z.string().min(1).optional().describe('default: the id'),
  floor: z.string().min(1).max(64).optional(),
  kind: z.enum(ZONE_KINDS),
  stage: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lower-case letters, digits or hyphens')
    .optional()
    .describe('Patient flow stage of this zone (triage, imaging …); default: its kind'),
  area: z
    .strictObject({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() })
    .optional()
    .describe('For x/y systems: the rectangle of the floor plan that is this zone'),
});

const assetSchema = z.strictObject({
  id: registryId,
  site: siteRef,
  tag: registryId.describe('The RF-ID tag on it'),
  type: assetType,
  department: z.string().min(1).max(64).optional(),
  home_zone: registryId.optional(),
});

const parLevelSchema = z.strictObject({
  site: siteRef,
  zone: registryId,
  type: assetType,
  min: z.number().int().min(1),
});

const simulateSchema = z
  .strictObject({
    site: siteRef,
    seed: z.number().int().default(1),
    every: duration({ positive: true, atMost: '1h' }).prefault('5s').describe('How often each tag reports'),
    patients_per_hour: z.number().min(0).max(10_000).default(12),
    missing_after: duration({ positive: true, atMost: '24h' })
      .prefault('90s')
      .describe('When one chosen asset stops reporting (so an asset alert shows within minutes)'),
  })
  .describe('A simulated wing: the registry of this site moves, one asset goes missing, patients pass through');

export const assetsSchema = z
  .strictObject({
    missing_after: duration({ positive: true, atMost: '30d' }).prefault('30m'),
    exit_grace: duration({ positive: true, atMost: '24h' }).prefault('2m'),
    min_dwell: duration({ atMost: '1h' }).prefault('10s'),
    low_battery_below: z.number().min(0).max(100).default(15),
    idle_below_clinical_share: z.number().min(0).max(1).default(0.1),
    patient_tag_prefixes: z.array(tagPrefix).default(['P-']),
    staff_tag_prefixes: z.array(tagPrefix).default(['S-']),
    evaluate_every: duration({ positive: true, atMost: '1h' })
      .prefault('15s')
      .describe('How often the answers are worked out and written as series for the rules'),
    zones: z.array(zoneSchema).default([]),
    items: z.array(assetSchema).default([]).describe('Assets and their tags; more can be imported from CSV'),
    par_levels: z.array(parLevelSchema).default([]),
    inputs: z
      .array(
        z.discriminatedUnion('kind', [
          httpInputSchema.extend({ site: siteRef }),
          mqttInputSchema.extend({ site: siteRef }),
        ]),
      )
      .default([])
      .describe('Local runtime: RTLS inputs it runs itself, each with a site (the agent has its own)'),
    simulate: simulateSchema.optional(),
  })
  .describe('RF-ID assets and patient flow');

export type AssetsShape = z.output<typeof assetsSchema>;

export interface LocalRtlsInput {
  readonly site: string;
  readonly settings: RtlsInputSettings;
}

export interface SimulationSettings {
  readonly site: string;
  readonly seed: number;
  readonly everyMs: number;
  readonly patientsPerHour: number;
  readonly missingAfterMs: number;
}

export interface AssetsConfig {
  readonly settings: AssetSettings;
  readonly evaluateEveryMs: number;
  readonly registry: AssetRegistry;
  readonly inputs: readonly LocalRtlsInput[];
  readonly simulate?: SimulationSettings;
}

type Report = (path: (string | number)[], message: string) => void;

/**
 * References inside the section and to the sites: every zone, asset and par level names a site
 * that exists; ids and tags are unique per site; a home zone and a par level's zone exist in the
 * same site; a par level's type is the type of some asset there (anything else is a typo that
 * would raise a shortage for ever).
 */
export function checkAssetReferences(assets: unknown, siteIds: ReadonlySet<string>, report: Report): void {
  // Runs on the parsed value even when some field failed its own check: read it defensively.
  const loose = (value: unknown): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const list = <T>(value: unknown) => (Array.isArray(value) ? value.map((item) => loose(item) as T) : []);
  const raw = loose(assets);
  const section = {
    zones: list<{ id: string; site: string }>(raw.zones),
    items: list<{ id: string; site: string; tag: string; type: string; home_zone?: string }>(raw.items),
    par_levels: list<{ site: string; zone: string; type: string }>(raw.par_levels),
    inputs: list<{ site: string }>(raw.inputs),
    simulate: raw.simulate === undefined ? undefined : (loose(raw.simulate) as { site: string }),
  };
  const at = (...path: (string | number)[]) => ['assets', ...path];
  const knownSite = (site: string, path: (string | number)[]) => {
    if (siteIds.has(site)) return true;
    report(path, `no site "${site}" (sites: ${[...siteIds].join(', ')})`);
    return false;
  };
  const zones = new Map<string, number>();
  section.zones.forEach((zone, index) => {
    if (typeof zone.site !== 'string' || typeof zone.id !== 'string') return;
    knownSite(zone.site, at('zones', index, 'site'));
    const key = `${zone.site}/${zone.id}`;
    if (zones.has(key)) report(at('zones', index, 'id'), `duplicate zone "${zone.id}" (also zones[${zones.get(key)}])`);
    else zones.set(key, index);
  });
  const ids = new Map<string, number>();
  const tags = new Map<string, number>();
  const types = new Set<string>();
  section.items.forEach((item, index) => {
    if (typeof item.site !== 'string' || typeof item.id !== 'string' || typeof item.tag !== 'string') return;
    knownSite(item.site, at('items', index, 'site'));
    types.add(`${item.site}/${item.type}`);
    const idKey = `${item.site}/${item.id}`;
    if (ids.has(idKey))
      report(at('items', index, 'id'), `duplicate asset "${item.id}" (also items[${ids.get(idKey)}])`);
    else ids.set(idKey, index);
    const tagKey = `${item.site}/${item.tag}`;
    if (tags.has(tagKey))
      report(at('items', index, 'tag'), `tag "${item.tag}" is already on items[${tags.get(tagKey)}]`);
    else tags.set(tagKey, index);
    if (item.home_zone !== undefined && !zones.has(`${item.site}/${item.home_zone}`)) {
      report(at('items', index, 'home_zone'), `no zone "${item.home_zone}" at site "${item.site}"`);
    }
  });
  const pars = new Map<string, number>();
  section.par_levels.forEach((par, index) => {
    if (typeof par.site !== 'string' || typeof par.zone !== 'string' || typeof par.type !== 'string') return;
    if (!knownSite(par.site, at('par_levels', index, 'site'))) return;
    if (!zones.has(`${par.site}/${par.zone}`))
      report(at('par_levels', index, 'zone'), `no zone "${par.zone}" at site "${par.site}"`);
    if (!types.has(`${par.site}/${par.type}`)) {
      report(at('par_levels', index, 'type'), `no asset of type "${par.type}" at site "${par.site}"`);
    }
    const key = `${par.site}/${par.zone}/${par.type}`;
    if (pars.has(key)) report(at('par_levels', index), `duplicate par level (also par_levels[${pars.get(key)}])`);
    else pars.set(key, index);
  });
  section.inputs.forEach((input, index) => {
    if (typeof input.site === 'string') knownSite(input.site, at('inputs', index, 'site'));
  });
  if (section.simulate && typeof section.simulate.site === 'string') {
    const site = section.simulate.site;
    if (knownSite(site, at('simulate', 'site')) && !section.items.some((item) => item.site === site)) {
      report(at('simulate', 'site'), `site "${site}" has no assets in assets.items to simulate`);
    }
  }
}

export function normaliseAssets(section: AssetsShape): AssetsConfig {
  const zones: Zone[] = section.zones.map((zone) => ({
    id: zone.id,
    site: zone.site,
    name: zone.name ?? zone.id,
    ...(zone.floor !== undefined && { floor: zone.floor }),
    kind: zone.kind,
    stage: zone.stage ?? zone.kind,
    ...(zone.area !== undefined && { area: zone.area }),
  }));
  const assets: Asset[] = section.items.map((item) => ({
    id: item.id,
    site: item.site,
    tag: item.tag,
    type: item.type,
    ...(item.department !== undefined && { department: item.department }),
    ...(item.home_zone !== undefined && { homeZone: item.home_zone }),
    source: 'config',
  }));
  const parLevels: ParLevel[] = section.par_levels.map((par) => ({ ...par }));
  return {
    settings: {
      missingAfterMs: section.missing_after,
      exitGraceMs: section.exit_grace,
      minDwellMs: section.min_dwell,
      lowBatteryBelow: section.low_battery_below,
      idleBelowClinicalShare: section.idle_below_clinical_share,
      patientTagPrefixes: section.patient_tag_prefixes,
      staffTagPrefixes: section.staff_tag_prefixes,
    },
    evaluateEveryMs: section.evaluate_every,
    registry: { zones, assets, parLevels },
    inputs: section.inputs.map(({ site, ...settings }) => ({ site, settings })),
    ...(section.simulate && {
      simulate: {
        site: section.simulate.site,
        seed: section.simulate.seed,
        everyMs: section.simulate.every,
        patientsPerHour: section.simulate.patients_per_hour,
        missingAfterMs: section.simulate.missing_after,
      },
    }),
  };
}

/** The config-wide check: `assets:` references against the config's sites. */
export function checkAssetsSection(value: unknown, ctx: z.RefinementCtx): void {
  if (typeof value !== 'object' || value === null) return;
  const { sites, assets } = value as { sites?: unknown; assets?: unknown };
  if (assets === undefined) return;
  const siteIds = new Set(
    (Array.isArray(sites) ? sites : []).flatMap((site: unknown) =>
      typeof site === 'object' && site !== null && typeof (site as { id?: unknown }).id === 'string'
        ? [(site as { id: string }).id]
        : [],
    ),
  );
  checkAssetReferences(assets, siteIds, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
}

import type { MetricSample } from '../records.js';
import type { Asset, AssetSettings, RegistryIndex, ZoneKind } from './registry.js';
import type { TagState, TagTracker } from './tracker.js';

/**
 * The answers about assets now: where each one is and since when, which are missing or have left
 * the building, which zones run short of a type, which batteries are low. Pure functions of the
 * registry, the tag states and `now`, the same in the local runtime and in AWS.
 */

export type AssetStatus = 'present' | 'missing' | 'left_building' | 'never_seen';

export interface AssetLocation {
  readonly asset: string;
  readonly site: string;
  readonly tag: string;
  readonly type: string;
  readonly department?: string;
  readonly homeZone?: string;
  readonly status: AssetStatus;
  /** Present and in a storage or clean zone: can be taken now. */
  readonly available: boolean;
  readonly zone?: string;
  readonly zoneName?: string;
  readonly zoneKind?: ZoneKind;
  readonly floor?: string;
  /** Since when it is in `zone`, epoch ms. */
  readonly since?: number;
  readonly lastSeen?: number;
  readonly battery?: number;
  readonly lowBattery: boolean;
}

const AVAILABLE_KINDS: ReadonlySet<ZoneKind> = new Set(['storage', 'clean']);

export function locate(
  asset: Asset,
  state: TagState | undefined,
  index: RegistryIndex,
  settings: AssetSettings,
  now: number,
): AssetLocation {
  const zone = state?.zone === undefined ? undefined : index.zone(asset.site, state.zone);
  const status = statusOf(state, zone?.kind, settings, now);
  const floor = zone?.floor ?? state?.floor;
  return {
    asset: asset.id,
    site: asset.site,
    tag: asset.tag,
    type: asset.type,
    ...(asset.department !== undefined && { department: asset.department }),
    ...(asset.homeZone !== undefined && { homeZone: asset.homeZone }),
    status,
    available: status === 'present' && zone !== undefined && AVAILABLE_KINDS.has(zone.kind),
    ...(state?.zone !== undefined && { zone: state.zone, since: state.since! }),
    ...(zone !== undefined && { zoneName: zone.name, zoneKind: zone.kind }),
    ...(floor !== undefined && { floor }),
    ...(state !== undefined && { lastSeen: state.lastSeen }),
    ...(state?.battery !== undefined && { battery: state.battery }),
    lowBattery: state?.battery !== undefined && state.battery < settings.lowBatteryBelow,
  };
}

export interface WhereIsQuery {
  readonly site?: string;
  readonly asset?: string;
  readonly tag?: string;
  readonly type?: string;
  readonly department?: string;
  /** Put assets on this floor first ("nearest"): zone-level RTLS knows floors, not distances. */
  readonly floor?: string;
  readonly status?: AssetStatus;
  readonly availableOnly?: boolean;
  readonly limit?: number;
}

/**
 * The assets of a registry indexed by id, tag and type (each across sites, since a query may leave
 * the site out), so where-is looks at the assets it asks about instead of scanning them all: by id
 * or tag that is one or a few, by type the assets of that type. Built once per registry.
 */
export class AssetLookup {
  private readonly byId = new Map<string, Asset[]>();
  private readonly byTag = new Map<string, Asset[]>();
  private readonly byType = new Map<string, Asset[]>();
  private readonly bySite = new Map<string, Asset[]>();

  constructor(readonly assets: readonly Asset[]) {
    for (const asset of assets) {
      push(this.byId, asset.id, asset);
      push(this.byTag, asset.tag, asset);
      push(this.byType, asset.type, asset);
      push(this.bySite, asset.site, asset);
    }
  }

  /** The smallest list that holds every asset the query can match (a superset of the answer). */
  candidates(query: WhereIsQuery): readonly Asset[] {
    if (query.asset !== undefined) return this.byId.get(query.asset) ?? [];
    if (query.tag !== undefined) return this.byTag.get(query.tag) ?? [];
    if (query.type !== undefined) return this.byType.get(query.type) ?? [];
    if (query.site !== undefined) return this.bySite.get(query.site) ?? [];
    return this.assets;
  }

  /** One asset by id, in `site` or (unset) the first listed in any site. */
  asset(id: string, site?: string): Asset | undefined {
    return this.byId.get(id)?.find((a) => site === undefined || a.site === site);
  }
}

function push(map: Map<string, Asset[]>, key: string, asset: Asset): void {
  const list = map.get(key);
  if (list) list.push(asset);
  else map.set(key, [asset]);
}

/** What ranking needs of a candidate, without building its whole location. */
interface Ranked {
  readonly asset: Asset;
  readonly state: TagState | undefined;
  readonly rank: number;
  readonly lastSeen: number;
}

function before(a: Ranked, b: Ranked): number {
  return a.rank - b.rank || b.lastSeen - a.lastSeen || a.asset.id.localeCompare(b.asset.id);
}

/**
 * Where is it: by asset id or tag (one answer), or by type ("nearest available infusion pump on
 * floor 3"): available ones first, then those on the asked floor, then present before missing, then
 * the most recently seen. Looks only at the lookup's candidates, ranks them on status, availability
 * and floor alone, and builds locations only for the `limit` it returns: "5 nearest pumps" among
 * thousands stays a pass over the pumps plus five locations.
 */
export function whereIs(
  query: WhereIsQuery,
  lookup: AssetLookup,
  tracker: TagTracker,
  index: RegistryIndex,
  settings: AssetSettings,
  now: number,
): AssetLocation[] {
  const limit = query.limit ?? Infinity;
  if (limit <= 0) return [];
  // With a limit, keep only the best `limit` so far (sorted), instead of sorting every candidate.
  const best: Ranked[] = [];
  for (const asset of lookup.candidates(query)) {
    if (query.site !== undefined && asset.site !== query.site) continue;
    if (query.asset !== undefined && asset.id !== query.asset) continue;
    if (query.tag !== undefined && asset.tag !== query.tag) continue;
    if (query.type !== undefined && asset.type !== query.type) continue;
    if (query.department !== undefined && asset.department !== query.department) continue;
    const state = tracker.state(asset.site, asset.tag);
    const zone = state?.zone === undefined ? undefined : index.zone(asset.site, state.zone);
    const status = statusOf(state, zone?.kind, settings, now);
    const available = status === 'present' && zone !== undefined && AVAILABLE_KINDS.has(zone.kind);
    if (query.status !== undefined && status !== query.status) continue;
    if (query.availableOnly && !available) continue;
    const floor = zone?.floor ?? state?.floor;
    const ranked: Ranked = {
      asset,
      state,
      rank:
        (available ? 0 : 4) +
        (query.floor !== undefined && floor === query.floor ? 0 : 2) +
        (status === 'present' ? 0 : 1),
      lastSeen: state?.lastSeen ?? -1,
    };
    if (limit === Infinity) {
      best.push(ranked);
      continue;
    }
    if (best.length >= limit && before(ranked, best[best.length - 1]!) >= 0) continue;
    best.splice(insertionPoint(best, ranked), 0, ranked);
    if (best.length > limit) best.pop();
  }
  if (limit === Infinity) best.sort(before);
  return best.map((r) => locate(r.asset, r.state, index, settings, now));
}

/** Where `item` goes in the sorted `list` (after its equals), by binary search. */
function insertionPoint(list: readonly Ranked[], item: Ranked): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid]!, item) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function statusOf(
  state: TagState | undefined,
  zoneKind: ZoneKind | undefined,
  settings: AssetSettings,
  now: number,
): AssetStatus {
  if (state === undefined) return 'never_seen';
  if (zoneKind === 'exit' && now - state.lastSeen > settings.exitGraceMs) return 'left_building';
  return now - state.lastSeen > settings.missingAfterMs ? 'missing' : 'present';
}

export interface ParLevelState {
  readonly site: string;
  readonly zone: string;
  readonly type: string;
  readonly min: number;
  readonly available: number;
  /** How many more are needed to reach `min`; 0 when it is met. */
  readonly shortBy: number;
}

/** Every par level with the present assets of its type in its zone. */
export function parLevels(locations: readonly AssetLocation[], index: RegistryIndex): ParLevelState[] {
  const counts = new Map<string, number>();
  for (const location of locations) {
    if (location.status !== 'present' || location.zone === undefined) continue;
    const k = `${location.site}\u0000${location.zone}\u0000${location.type}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return index.registry.parLevels.map((par) => {
    const available = counts.get(`${par.site}\u0000${par.zone}\u0000${par.type}`) ?? 0;
    return { ...par, available, shortBy: Math.max(0, par.min - available) };
  });
}

/** A summary of every asset of a registry at `now`: the answer behind the API's overview. */
export function assetOverview(
  assets: readonly Asset[],
  tracker: TagTracker,
  index: RegistryIndex,
  settings: AssetSettings,
  now: number,
) {
  const locations = assets.map((asset) => locate(asset, tracker.state(asset.site, asset.tag), index, settings, now));
  return {
    locations,
    missing: locations.filter((l) => l.status === 'missing'),
    leftBuilding: locations.filter((l) => l.status === 'left_building'),
    neverSeen: locations.filter((l) => l.status === 'never_seen'),
    lowBattery: locations.filter((l) => l.lowBattery),
    parLevels: parLevels(locations, index),
  };
}

/**
 * The answers as series, so the existing rule engine alerts on them and dashboards chart them
 * (`table: metrics`). Per asset: `pflow_asset_last_seen_age_seconds` (every seen asset),
 * `pflow_asset_left_building` (1, only while it has), `pflow_asset_battery_percent`; per par level:
 * `pflow_zone_available`, `pflow_zone_par_min`, `pflow_zone_par_shortfall`. Labels: `site`,
 * `asset`, `type`, `zone` (the last zone seen) and `zone_name`.
 */
export function assetSeries(
  overview: ReturnType<typeof assetOverview>,
  index: RegistryIndex,
  now: number,
): MetricSample[] {
  const samples: MetricSample[] = [];
  const sample = (name: string, labels: Record<string, string>, value: number) =>
    samples.push({ name, labels, time: now, value });
  for (const l of overview.locations) {
    if (l.lastSeen === undefined) continue;
    const labels = {
      site: l.site,
      asset: l.asset,
      type: l.type,
      zone: l.zone ?? 'unknown',
      zone_name: l.zoneName ?? l.zone ?? 'unknown',
    };
    sample('pflow_asset_last_seen_age_seconds', labels, Math.max(0, (now - l.lastSeen) / 1000));
    if (l.status === 'left_building') sample('pflow_asset_left_building', labels, 1);
    if (l.battery !== undefined)
      sample('pflow_asset_battery_percent', { site: l.site, asset: l.asset, type: l.type }, l.battery);
  }
  for (const par of overview.parLevels) {
    const zone = index.zone(par.site, par.zone);
    const labels = { site: par.site, zone: par.zone, zone_name: zone?.name ?? par.zone, type: par.type };
    sample('pflow_zone_available', labels, par.available);
    sample('pflow_zone_par_min', labels, par.min);
    sample('pflow_zone_par_shortfall', labels, par.shortBy);
  }
  return samples;
}

export function isPatientTag(tag: string, settings: AssetSettings): boolean {
  return settings.patientTagPrefixes.some((prefix) => tag.startsWith(prefix));
}

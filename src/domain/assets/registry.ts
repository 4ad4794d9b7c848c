/**
 * The asset registry: which tag sits on which asset, the zones the RTLS reports, and the par levels
 * (how many of a type a zone must have available). Per site; from the config, and assets also
 * imported from a CSV export of the hospital's spreadsheet or CMMS.
 */

export const ZONE_KINDS = ['storage', 'clean', 'dirty', 'clinical', 'waiting', 'exit', 'other'] as const;
export type ZoneKind = (typeof ZONE_KINDS)[number];

/** Ids of zones, assets and types as the RTLS and CMMS spell them (case kept). */
export const REGISTRY_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const ASSET_TYPE_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface ZoneArea {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export interface Zone {
  readonly id: string;
  readonly site: string;
  readonly name: string;
  readonly floor?: string;
  readonly kind: ZoneKind;
  /** For patient flow: the stage a clinical zone belongs to (`triage`, `imaging`); default its kind. */
  readonly stage: string;
  /** For x/y systems: the rectangle of the floor plan that is this zone. */
  readonly area?: ZoneArea;
}

export interface Asset {
  readonly id: string;
  readonly site: string;
  readonly tag: string;
  /** `infusion-pump`, `wheelchair` … */
  readonly type: string;
  readonly department?: string;
  readonly homeZone?: string;
  /** Where the entry came from: `config`, or the CSV import. */
  readonly source: 'config' | 'import';
}

export interface ParLevel {
  readonly site: string;
  readonly zone: string;
  readonly type: string;
  /** At least this many of the type must be available in the zone. */
  readonly min: number;
}

export interface AssetSettings {
  /** An asset not seen for this long is missing. */
  readonly missingAfterMs: number;
  /** An asset last seen in an exit zone and silent this long has left the building. */
  readonly exitGraceMs: number;
  /** A visit shorter than this is a zone-boundary flicker, not a stay. */
  readonly minDwellMs: number;
  /** Battery under this percentage is low. */
  readonly lowBatteryBelow: number;
  /** An asset with less than this share of its seen time in clinical zones is idle. */
  readonly idleBelowClinicalShare: number;
  /** Tags starting with one of these are patient tags (anonymous), for patient flow. */
  readonly patientTagPrefixes: readonly string[];
  /** Tags starting with one of these are staff tags: tracked, counted, never alerted on. */
  readonly staffTagPrefixes: readonly string[];
}

export interface AssetRegistry {
  readonly zones: readonly Zone[];
  readonly assets: readonly Asset[];
  readonly parLevels: readonly ParLevel[];
}

export const DEFAULT_ASSET_SETTINGS: AssetSettings = {
  missingAfterMs: 30 * 60_000,
  exitGraceMs: 2 * 60_000,
  minDwellMs: 10_000,
  lowBatteryBelow: 15,
  idleBelowClinicalShare: 0.1,
  patientTagPrefixes: ['P-'],
  staffTagPrefixes: ['S-'],
};

/** Fast lookups over one registry: built once per registry change, read on every event and answer. */
export class RegistryIndex {
  private readonly zones = new Map<string, Zone>();
  private readonly byTag = new Map<string, Asset>();
  private readonly byId = new Map<string, Asset>();
  private readonly areaZones = new Map<string, Zone[]>();

  constructor(readonly registry: AssetRegistry) {
    for (const zone of registry.zones) {
      this.zones.set(key(zone.site, zone.id), zone);
      if (zone.area) {
        const floorKey = key(zone.site, zone.floor ?? '');
        const list = this.areaZones.get(floorKey) ?? [];
        list.push(zone);
        this.areaZones.set(floorKey, list);
      }
    }
    for (const asset of registry.assets) {
      this.byTag.set(key(asset.site, asset.tag), asset);
      this.byId.set(key(asset.site, asset.id), asset);
    }
  }

  zone(site: string, id: string): Zone | undefined {
    return this.zones.get(key(site, id));
  }

  assetByTag(site: string, tag: string): Asset | undefined {
    return this.byTag.get(key(site, tag));
  }

  asset(site: string, id: string): Asset | undefined {
    return this.byId.get(key(site, id));
  }

  /** The zone whose area holds a position on a floor (the first listed wins where areas overlap). */
  zoneAt(site: string, floor: string | undefined, x: number, y: number): Zone | undefined {
    for (const zone of this.areaZones.get(key(site, floor ?? '')) ?? []) {
      const area = zone.area!;
      if (x >= Math.min(area.x1, area.x2) && x <= Math.max(area.x1, area.x2)) {
        if (y >= Math.min(area.y1, area.y2) && y <= Math.max(area.y1, area.y2)) return zone;
      }
    }
    return undefined;
  }
}

function key(site: string, id: string): string {
  return `${site}\u0000${id}`;
}

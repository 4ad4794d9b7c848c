import type { Asset, AssetRegistry, ParLevel, Zone, ZoneKind } from './registry.js';

/** Asset types of the synthetic wing, in the proportions a ward keeps them. */
const TYPES = ['infusion-pump', 'infusion-pump', 'wheelchair', 'bed', 'patient-monitor'] as const;

/**
 * A synthetic hospital wing with `tags` asset tags, for `pflow simulate rtls` without a config and
 * for the benchmarks: per floor a store, a clean and a dirty utility room, patient rooms and a
 * corridor; on the ground floor a waiting room, triage, imaging, treatment and the main exit.
 * Tag ids `T-000001`…, asset ids `asset-000001`…; each floor stocks one infusion pump at par.
 */
export function syntheticWing(site: string, tags: number, floors = 3): AssetRegistry {
  const zones: Zone[] = [];
  const zone = (id: string, kind: ZoneKind, floor: string, stage: string = kind) =>
    zones.push({ id, site, name: id, floor, kind, stage });
  for (let f = 1; f <= floors; f++) {
    zone(`store-${f}`, 'storage', String(f));
    zone(`clean-${f}`, 'clean', String(f));
    zone(`dirty-${f}`, 'dirty', String(f));
    zone(`corridor-${f}`, 'other', String(f));
    for (let r = 1; r <= 10; r++) zone(`room-${f}${String(r).padStart(2, '0')}`, 'clinical', String(f));
  }
  zone('ed-waiting', 'waiting', '0');
  zone('ed-triage', 'clinical', '0', 'triage');
  zone('ed-imaging', 'clinical', '0', 'imaging');
  zone('ed-treatment', 'clinical', '0', 'treatment');
  zone('exit-main', 'exit', '0');
  const assets: Asset[] = [];
  for (let i = 1; i <= tags; i++) {
    const n = String(i).padStart(6, '0');
    const floor = ((i - 1) % floors) + 1;
    assets.push({
      id: `asset-${n}`,
      site,
      tag: `T-${n}`,
      type: TYPES[i % TYPES.length]!,
      department: `ward-${floor}`,
      homeZone: `store-${floor}`,
      source: 'config',
    });
  }
  const parLevels: ParLevel[] = [];
  if (tags >= TYPES.length * floors)
    for (let f = 1; f <= floors; f++) parLevels.push({ site, zone: `store-${f}`, type: 'infusion-pump', min: 1 });
  return { zones, assets, parLevels };
}

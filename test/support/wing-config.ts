import type { AssetRegistry } from '../../src/domain/assets/registry.js';

/**
 * A registry (the synthetic wing) as the `zones:` and `items:` of a config's `assets:` section, for
 * the tests and benchmarks that run the local runtime on it.
 */
export function assetsSection(registry: AssetRegistry) {
  return {
    zones: registry.zones.map((z) => ({ id: z.id, site: z.site, floor: z.floor, kind: z.kind, stage: z.stage })),
    items: registry.assets.map((a) => ({
      id: a.id,
      site: a.site,
      tag: a.tag,
      type: a.type,
      department: a.department,
      home_zone: a.homeZone,
    })),
  };
}

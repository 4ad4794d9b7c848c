import {
  DEFAULT_ASSET_SETTINGS,
  RegistryIndex,
  type AssetRegistry,
  type AssetSettings,
} from '../../../src/domain/assets/registry.js';

export const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
export const S = 1_000;
export const MIN = 60_000;

/** A small wing: storage and clean rooms, two patient rooms, triage and imaging with a waiting room, an exit. */
export const registry: AssetRegistry = {
  zones: [
    { id: 'store-3', site: 'a', name: 'Storage 3', floor: '3', kind: 'storage', stage: 'storage' },
    { id: 'clean-2', site: 'a', name: 'Clean utility 2', floor: '2', kind: 'clean', stage: 'clean' },
    {
      id: 'room-301',
      site: 'a',
      name: 'Room 301',
      floor: '3',
      kind: 'clinical',
      stage: 'ward',
      area: { x1: 0, y1: 0, x2: 10, y2: 10 },
    },
    { id: 'room-302', site: 'a', name: 'Room 302', floor: '3', kind: 'clinical', stage: 'ward' },
    { id: 'corridor', site: 'a', name: 'Corridor', floor: '0', kind: 'other', stage: 'other' },
    { id: 'wait', site: 'a', name: 'Waiting room', floor: '0', kind: 'waiting', stage: 'waiting' },
    { id: 'triage', site: 'a', name: 'Triage', floor: '0', kind: 'clinical', stage: 'triage' },
    { id: 'ct', site: 'a', name: 'CT', floor: '0', kind: 'clinical', stage: 'imaging' },
    { id: 'exit-main', site: 'a', name: 'Main exit', floor: '0', kind: 'exit', stage: 'exit' },
  ],
  assets: [
    { id: 'pump-1', site: 'a', tag: 'T-1', type: 'infusion-pump', homeZone: 'store-3', source: 'config' },
    { id: 'pump-2', site: 'a', tag: 'T-2', type: 'infusion-pump', homeZone: 'store-3', source: 'config' },
    { id: 'pump-3', site: 'a', tag: 'T-3', type: 'infusion-pump', source: 'config' },
    { id: 'chair-1', site: 'a', tag: 'T-9', type: 'wheelchair', source: 'config' },
  ],
  parLevels: [{ site: 'a', zone: 'store-3', type: 'infusion-pump', min: 2 }],
};

export const index = new RegistryIndex(registry);
export const settings: AssetSettings = {
  ...DEFAULT_ASSET_SETTINGS,
  missingAfterMs: 30 * MIN,
  exitGraceMs: 2 * MIN,
  minDwellMs: 10 * S,
};

/**
 * The example config's wing (config/example.yaml `assets:`) with its tag location table on dynalite
 * as the ingest function leaves it, for the tests of where-is in AWS (the lifecycle API's
 * `/api/assets` and `pflow assets find --aws`). An hour of events before AT:
 *
 * - pump-301 in Equipment store 3 (storage, floor 3), seen a minute ago: present and available;
 * - pump-302 in Room 301 (clinical), battery 9 %: present, in use, low battery;
 * - pump-303 in Clean utility 3, silent for 40 minutes: missing (missing_after 30m);
 * - pump-306 last seen at the Main entrance (exit) 10 minutes ago: left the building;
 * - chair-01 in Equipment store 3; every other asset never seen;
 * - T-0901 (no configured asset; a CSV import may name it) in Clean utility 3.
 */
import { readFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parse } from 'yaml';
import { DynamoTagLocations } from '../../src/adapters/aws/dynamodb-tag-locations.js';
import { RegistryIndex } from '../../src/domain/assets/registry.js';
import type { TagEvent } from '../../src/domain/assets/tag-event.js';
import { parseDeploymentConfig } from '../../src/domain/config/load.js';
import { bundledConfig } from './bundled-config.js';
import { createTagLocationTable } from './dynamodb-local.js';

export const WING_TABLE = 'pflow-tag-locations';
export const WING_AT = Date.parse('2026-12-02T09:00:00.000Z');
const MIN = 60_000;

const exampleText = readFileSync('config/example.yaml', 'utf8');

/** The example config as synth bundles it for the functions. */
export function wingConfigBundle(): string {
  return bundledConfig(parse(exampleText));
}

export async function seedWing(client: DynamoDBClient): Promise<void> {
  await createTagLocationTable(client, WING_TABLE);
  const assets = parseDeploymentConfig(exampleText, 'config/example.yaml', {}).assets!;
  const index = new RegistryIndex(assets.registry);
  const events: TagEvent[] = [];
  const stay = (tag: string, zone: string, from: number, to: number, battery = 80) => {
    for (let t = from; t <= to; t += MIN) events.push({ tag, t, zone, battery });
  };
  stay('T-0301', 'store-3', WING_AT - 60 * MIN, WING_AT - MIN);
  stay('T-0302', 'room-301', WING_AT - 45 * MIN, WING_AT - MIN, 9);
  stay('T-0303', 'clean-3', WING_AT - 60 * MIN, WING_AT - 40 * MIN);
  stay('T-0306', 'room-302', WING_AT - 60 * MIN, WING_AT - 15 * MIN);
  stay('T-0306', 'exit-main', WING_AT - 14 * MIN, WING_AT - 10 * MIN);
  stay('T-0401', 'store-3', WING_AT - 30 * MIN, WING_AT - 2 * MIN);
  // A tag of no configured asset: the bed imported from CSV in the import tests.
  stay('T-0901', 'clean-3', WING_AT - 20 * MIN, WING_AT - 3 * MIN);
  await new DynamoTagLocations(client, WING_TABLE, () => index, assets.settings).apply('site-a', events);
}

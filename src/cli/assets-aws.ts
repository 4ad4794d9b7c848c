import type { AssetLocation, AssetStatus } from '../domain/assets/answers.js';
import type { Clock } from '../domain/ports.js';
import { printFound } from './assets.js';
import type { CliOutput } from './config.js';
import type { LifecycleApiClient } from './lifecycle-api-client.js';
import { send } from './lifecycle-aws.js';

export interface AwsAssetsFindOptions {
  readonly clock: Clock;
  readonly id?: string;
  readonly type?: string;
  readonly floor?: string;
  readonly site?: string;
  readonly available?: boolean;
  readonly status?: AssetStatus;
  readonly limit?: number;
  readonly json?: boolean;
}

/**
 * `pflow assets find --aws`: the same question as locally, asked of the deployment's lifecycle API
 * (`GET /api/assets`, signed with the caller's AWS credentials), which answers it from the tag
 * location table with the local runtime's code. Printed as the local command prints it (the API's
 * ISO times become epoch ms again, so `--json` is the same document). Exit 0 found, 1 none,
 * refused or unreachable.
 */
export async function runAwsAssetsFind(
  client: LifecycleApiClient,
  options: AwsAssetsFindOptions,
  out: CliOutput,
): Promise<number> {
  const query: Record<string, string> = {};
  if (options.id !== undefined) query.asset = options.id;
  if (options.type !== undefined) query.type = options.type;
  if (options.floor !== undefined) query.floor = options.floor;
  if (options.site !== undefined) query.site = options.site;
  if (options.available) query.available = 'true';
  if (options.status !== undefined) query.status = options.status;
  if (options.limit !== undefined) query.limit = String(options.limit);
  const reply = await send(client, out, (api) => api.call('GET', 'api/assets', { query }));
  if (reply === undefined) return 1;
  const assets = Array.isArray(reply.body.assets) ? (reply.body.assets as Record<string, unknown>[]) : [];
  return printFound(assets.map(locationOf), options.json ?? false, options.clock.now(), out);
}

/** A location as the API presents it (ISO times) back to the domain's shape (epoch ms), keys in order. */
function locationOf(presented: Record<string, unknown>): AssetLocation {
  return Object.fromEntries(
    Object.entries(presented).map(([key, value]) =>
      (key === 'since' || key === 'lastSeen') && typeof value === 'string' ? [key, Date.parse(value)] : [key, value],
    ),
  ) as unknown as AssetLocation;
}

import type { AssetLocation } from '../domain/assets/answers.js';
import { printFound, readCsv, type AssetsFindOptions } from './assets.js';
import { count, type CliOutput } from './config.js';
import {
  LifecycleApiUnavailable,
  refusalLines,
  type LifecycleApiClient,
  type LifecycleApiReply,
} from './lifecycle-api-client.js';
import { send } from './lifecycle-aws.js';

/** The same question as the local `pflow assets find` (assets.ts), asked of the AWS lifecycle API. */
export type AwsAssetsFindOptions = AssetsFindOptions;

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

/**
 * The largest import body sent to a deployment. Lambda refuses a synchronous request over 6 MB
 * (6,291,456 bytes, with API Gateway's event around the body), which would reach the user as a bare
 * 413 or 500 after the upload; refusing here, before sending, says what to do instead. 5 MiB leaves
 * the event's headers and escaping room.
 */
export const AWS_IMPORT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * `pflow assets import FILE --aws`: the file goes to the deployment's lifecycle API
 * (`POST /api/assets/import`), which checks it with the local import's validator against the
 * deployed config and stores it beside the config's registry (all of it, or nothing). Prints what
 * the local command prints. Exit 0 imported, 1 bad rows, refused or unreachable.
 */
export async function runAwsAssetsImport(
  client: LifecycleApiClient,
  options: { readonly file: string; readonly site?: string },
  out: CliOutput,
): Promise<number> {
  const text = await readCsv(options.file, out);
  if (text === undefined) return 1;
  const body = { csv: text, ...(options.site !== undefined && { site: options.site }) };
  const bytes = Buffer.byteLength(JSON.stringify(body));
  if (bytes > AWS_IMPORT_MAX_BODY_BYTES) {
    out.stderr(
      `${options.file}: ${bytes.toLocaleString('en-US')} bytes as a request, over the` +
        ` ${AWS_IMPORT_MAX_BODY_BYTES.toLocaleString('en-US')} one import may send to a deployment;` +
        ` split it by site (--site) and import each part, nothing imported\n`,
    );
    return 1;
  }
  let reply: LifecycleApiReply;
  try {
    reply = await client.call('POST', 'api/assets/import', { json: body });
  } catch (error) {
    if (!(error instanceof LifecycleApiUnavailable)) throw error;
    out.stderr(`${error.message}\n`);
    return 1;
  }
  if (reply.status !== 200) {
    const lines = refusalLines(reply, client.target);
    for (const line of lines) out.stderr(`${line}\n`);
    const bad = reply.status === 400 && reply.body.error === 'invalid CSV' ? lines.length : 0;
    out.stderr(`${options.file}: ${bad > 0 ? `${count(bad, 'error')}, ` : ''}nothing imported\n`);
    return 1;
  }
  const { imported, sites, replaced } = reply.body as { imported: number; sites: string[]; replaced: number };
  out.stdout(
    `${options.file}: OK — ${count(imported, 'asset')} imported for ${sites.join(', ')}` +
      ` (replacing ${replaced} imported before)\n`,
  );
  return 0;
}

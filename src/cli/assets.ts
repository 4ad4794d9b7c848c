import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SqliteTagStore } from '../adapters/local/sqlite-tags.js';
import { openDatabase } from '../adapters/local/sqlite.js';
import type { AssetLocation, AssetStatus } from '../domain/assets/answers.js';
import { parseAssetCsv } from '../domain/assets/csv-import.js';
import type { DeploymentConfig } from '../domain/config/model.js';
import type { Clock, Logger } from '../domain/ports.js';
import { AssetService } from '../services/assets.js';
import { count, type CliOutput } from './config.js';

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function openStore(config: DeploymentConfig) {
  const db = openDatabase(join(resolve(config.local.dataDir), 'pflow.db'));
  return { db, store: new SqliteTagStore(db) };
}

/**
 * `pflow assets import FILE.csv`: every bad row is printed with its line and nothing is imported;
 * a good file replaces what was imported before for its sites, in one transaction.
 */
export async function runAssetsImport(
  options: { readonly file: string; readonly site?: string; readonly config: DeploymentConfig; readonly clock: Clock },
  out: CliOutput,
): Promise<number> {
  const { config } = options;
  if (!config.assets) {
    out.stderr('the config has no assets: section (zones to place the assets in)\n');
    return 1;
  }
  const text = await readCsv(options.file, out);
  if (text === undefined) return 1;
  const result = parseAssetCsv(text, {
    sites: new Set(config.sites.map((site) => site.id)),
    configured: config.assets.registry,
    ...(options.site !== undefined && { defaultSite: options.site }),
  });
  if (result.errors.length > 0) {
    for (const error of result.errors) out.stderr(`${error}\n`);
    out.stderr(`${options.file}: ${count(result.errors.length, 'error')}, nothing imported\n`);
    return 1;
  }
  const { db, store } = openStore(config);
  try {
    const { replaced } = store.replaceImports(result.sites, result.assets, options.clock.now());
    out.stdout(
      `${options.file}: OK — ${count(result.assets.length, 'asset')} imported for ${result.sites.join(', ')}` +
        ` (replacing ${replaced} imported before)\n`,
    );
    return 0;
  } finally {
    db.close();
  }
}

/** The file's text, or undefined after saying why it cannot be read. */
export async function readCsv(file: string, out: CliOutput): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    out.stderr(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return undefined;
  }
}

/** `pflow assets find`'s question and output form, the same from the data directory and with --aws. */
export interface AssetsFindOptions {
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

/** `pflow assets find`: where is it, from the data directory (the runtime need not run). */
export async function runAssetsFind(
  options: AssetsFindOptions & { readonly config: DeploymentConfig },
  out: CliOutput,
): Promise<number> {
  const { config } = options;
  if (!config.assets) {
    out.stderr('the config has no assets: section\n');
    return 1;
  }
  const { db, store } = openStore(config);
  try {
    const service = new AssetService(config.assets, { store, clock: options.clock, logger: quiet });
    const found = service.whereIs({
      ...(options.id !== undefined && { asset: options.id }),
      ...(options.type !== undefined && { type: options.type }),
      ...(options.floor !== undefined && { floor: options.floor }),
      ...(options.site !== undefined && { site: options.site }),
      ...(options.available && { availableOnly: true }),
      ...(options.status !== undefined && { status: options.status }),
      ...(options.limit !== undefined && { limit: options.limit }),
    });
    return printFound(found, options.json ?? false, options.clock.now(), out);
  } finally {
    db.close();
  }
}

/** The answer of `pflow assets find`, local or --aws: JSON or a line per asset; exit 1 when none matched. */
export function printFound(found: readonly AssetLocation[], json: boolean, now: number, out: CliOutput): number {
  if (json) {
    out.stdout(`${JSON.stringify(found, null, 2)}\n`);
  } else {
    for (const location of found) out.stdout(`${describe(location, now)}\n`);
    if (found.length === 0) out.stdout('no asset matches\n');
  }
  return found.length === 0 ? 1 : 0;
}

function describe(l: AssetLocation, now: number): string {
  const where =
    l.zone === undefined
      ? 'never seen'
      : `${l.zoneName ?? l.zone}${l.floor === undefined ? '' : ` (floor ${l.floor})`} since ${new Date(l.since!).toISOString()}`;
  const age = l.lastSeen === undefined ? '' : `, last seen ${Math.round((now - l.lastSeen) / 1000)} s ago`;
  const battery = l.battery === undefined ? '' : `, battery ${l.battery}%${l.lowBattery ? ' LOW' : ''}`;
  return `${l.asset}  ${l.type}  ${l.status}${l.available ? ' available' : ''}  ${where}${age}${battery}`;
}

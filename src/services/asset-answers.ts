import type { AssetsConfig } from '../domain/assets/config-schema.js';
import type { Asset } from '../domain/assets/registry.js';
import type { TagState } from '../domain/assets/tracker.js';
import type { Logger } from '../domain/ports.js';
import type { MetricSample } from '../domain/records.js';
import { AssetService, type HistoryRow, type ReadingsFilter, type TagStorePort } from './assets.js';
import type { TagHistory } from './tag-history.js';

/**
 * The asset answers as series where no process holds the tags in memory (the AWS asset function):
 * the current states are read from the location store, the day's history from the tag history, and
 * the same AssetService the local runtime runs computes the same series from them.
 *
 * - `now`: where every asset is, missing, left the building, battery, par levels, stage occupancy
 *   (AssetService.series) — from the current locations only, cheap enough for every minute;
 * - `day`: patient flow over the last day (AssetService.flowSeries: wait p50/p90 and visits per
 *   stage) and utilization (utilizationSeries below) — these read a day of tag history, so they
 *   run less often.
 */

export type AnswerPart = 'now' | 'day';
export const ANSWER_PARTS: readonly AnswerPart[] = ['now', 'day'];

/** Where every tag of a site is now (the DynamoDB location table in AWS). */
export interface TagLocationsReader {
  site(site: string): Promise<TagState[]>;
}

/** The assets imported from CSV in AWS (`pflow assets import --aws`), beside the config's registry. */
export interface AssetImportsReader {
  /** Of `sites`, or (unset) of every site imported for. */
  load(sites?: readonly string[]): Promise<Asset[]>;
}

export interface AssetAnswersDeps {
  readonly locations: TagLocationsReader;
  /** Without it, the registry is the config's alone. */
  readonly imports?: AssetImportsReader;
  /** Needed for the `day` part. */
  readonly history?: Pick<TagHistory, 'readings'>;
  readonly logger: Logger;
}

const DAY_MS = 86_400_000;

/**
 * How often the `day` part runs, in AWS (its schedule) and in the local runtime (its task) alike:
 * each run reads a day of history, a query the cloud metric store bills, so not every minute.
 */
export const DAY_PART_EVERY_MS = 15 * 60_000;

/** The `day` part's series from a service at `at`: patient flow and utilization over the last day. */
export function daySeries(service: AssetService, at: number): MetricSample[] {
  return [...service.flowSeries(), ...service.utilizationSeries(at - DAY_MS, at)];
}

export async function assetAnswerSeries(
  config: AssetsConfig,
  deps: AssetAnswersDeps,
  at: number,
  part: AnswerPart,
): Promise<MetricSample[]> {
  const imported = (await deps.imports?.load()) ?? [];
  const sites = [...new Set([...sitesOf(config), ...imported.map((asset) => asset.site)])].sort();
  const states = (await Promise.all(sites.map((site) => deps.locations.site(site)))).flat();
  const history = new Map<string, Map<string, HistoryRow[]>>();
  if (part === 'day') {
    if (deps.history === undefined) throw new Error('the day part of the asset answers needs the tag history');
    // From one missing_after before the day, as the service asks: a stay begun earlier counts from its start.
    const from = at - DAY_MS - config.settings.missingAfterMs;
    for (const site of sites) history.set(site, await deps.history.readings(site, from, at));
  }
  const service = new AssetService(config, {
    store: snapshot(states, history, imported),
    clock: { now: () => at },
    logger: deps.logger,
  });
  if (part === 'now') return service.series();
  return daySeries(service, at);
}

/**
 * The asset service over the current locations of `sites` at `at` (no history): what the daily
 * report's asset section reads (AssetsNow.overview) where no process holds the tags in memory.
 */
export async function assetsNow(
  config: AssetsConfig,
  deps: Pick<AssetAnswersDeps, 'locations' | 'imports' | 'logger'>,
  sites: readonly string[],
  at: number,
): Promise<AssetService> {
  const [states, imported] = await Promise.all([
    Promise.all(sites.map((site) => deps.locations.site(site))).then((lists) => lists.flat()),
    deps.imports?.load(sites) ?? Promise.resolve([]),
  ]);
  return new AssetService(config, {
    store: snapshot(states, new Map(), imported),
    clock: { now: () => at },
    logger: deps.logger,
  });
}

/** Every site the registry places a zone or an asset in. */
export function sitesOf(config: AssetsConfig): string[] {
  const { zones, assets } = config.registry;
  return [...new Set([...zones.map((z) => z.site), ...assets.map((a) => a.site)])].sort();
}

/**
 * The store port over what was read for one run: the states, readings and imported assets in
 * memory. Nothing is written through it (the ingest function writes tag states, the lifecycle API
 * imports); the service merges the imports into the config's registry as locally (config wins).
 */
function snapshot(
  states: readonly TagState[],
  history: ReadonlyMap<string, Map<string, HistoryRow[]>>,
  imported: readonly Asset[],
): TagStorePort {
  return {
    write: () => {
      throw new Error('the asset answers read a snapshot; tag events are written by the ingest function');
    },
    loadStates: () => [...states],
    readings: (site: string, from: number, to: number, filter: ReadingsFilter = {}) => {
      const wanted = filter.tags === undefined ? undefined : new Set(filter.tags);
      const prefixes = filter.prefixes ?? [];
      const out = new Map<string, HistoryRow[]>();
      for (const [tag, rows] of history.get(site) ?? []) {
        if (wanted && !wanted.has(tag)) continue;
        if (prefixes.length > 0 && !prefixes.some((prefix) => tag.startsWith(prefix))) continue;
        const inside = rows.filter((row) => row.t >= from && row.t <= to);
        if (inside.length > 0) out.set(tag, inside);
      }
      return out;
    },
    importedAssets: () => [...imported],
    importsVersion: () => 0,
  };
}

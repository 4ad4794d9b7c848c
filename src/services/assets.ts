import {
  AssetLookup,
  assetOverview,
  assetSeries,
  isPatientTag,
  locate,
  whereIs,
  type WhereIsQuery,
} from '../domain/assets/answers.js';
import type { AssetsConfig } from '../domain/assets/config-schema.js';
import {
  clip,
  isIdle,
  percentile,
  stageFlow,
  stagesOf,
  sumUtilization,
  utilization,
  visitsOf,
  type StageVisit,
  type Utilization,
  type ZoneReading,
} from '../domain/assets/history.js';
import { RegistryIndex, type Asset } from '../domain/assets/registry.js';
import type { TagEvent } from '../domain/assets/tag-event.js';
import { TagTracker, type ApplyOutcome, type TagState } from '../domain/assets/tracker.js';
import type { Clock, Logger } from '../domain/ports.js';
import type { MetricSample } from '../domain/records.js';

/** One stored tag event as history reads it back: where it placed the tag, at what time. */
export interface HistoryRow {
  readonly t: number;
  readonly zone: string | null;
  readonly x: number | null;
  readonly y: number | null;
  readonly floor: string | null;
}

export interface ReadingsFilter {
  readonly tags?: readonly string[];
  readonly prefixes?: readonly string[];
}

/** What the asset service needs from its store: SQLite locally (SqliteTagStore). */
export interface TagStorePort {
  /** Whether each event was new (not already stored). */
  write(site: string, events: readonly TagEvent[], states: readonly TagState[]): boolean[];
  loadStates(): TagState[];
  readings(site: string, from: number, to: number, filter?: ReadingsFilter): Map<string, readonly HistoryRow[]>;
  importedAssets(): Asset[];
  importsVersion(): number;
}

export interface IngestReport {
  readonly accepted: number;
  /** Already stored: a retry, a redelivery. */
  readonly duplicates: number;
  /** Older than what was known of the tag: stored for history, the location unchanged. */
  readonly late: number;
}

const DAY_MS = 86_400_000;

/**
 * The assets use case, shared by the local runtime and (through its ports) the ingest service:
 * takes tag events, keeps where every tag is, and answers — now (where is it, missing, left the
 * building, par levels, batteries) and over a stretch of history (utilization, patient flow).
 */
export class AssetService {
  private index: RegistryIndex;
  private lookup: AssetLookup;
  private readonly tracker: TagTracker;
  private importsVersion: number;
  private readonly counts = { events: 0, duplicates: 0, late: 0, unknownTags: 0 };

  constructor(
    private readonly config: AssetsConfig,
    private readonly deps: { readonly store: TagStorePort; readonly clock: Clock; readonly logger: Logger },
  ) {
    this.importsVersion = deps.store.importsVersion();
    this.index = this.buildIndex();
    this.lookup = new AssetLookup(this.index.registry.assets);
    this.tracker = new TagTracker(this.index, config.settings.minDwellMs, deps.store.loadStates());
  }

  get settings() {
    return this.config.settings;
  }

  get assets(): readonly Asset[] {
    return this.index.registry.assets;
  }

  get registry(): RegistryIndex {
    return this.index;
  }

  /** Picks up a CSV import made since (by `pflow assets import`, even while the runtime runs). */
  refreshRegistry(): boolean {
    const version = this.deps.store.importsVersion();
    if (version === this.importsVersion) return false;
    this.importsVersion = version;
    this.index = this.buildIndex();
    this.lookup = new AssetLookup(this.index.registry.assets);
    this.tracker.setRegistry(this.index);
    this.deps.logger.info('asset registry reloaded', { assets: this.index.registry.assets.length });
    return true;
  }

  private buildIndex(): RegistryIndex {
    const configured = this.config.registry;
    const configuredKeys = new Set(configured.assets.map((a) => `${a.site}/${a.id}`));
    const imported = this.deps.store.importedAssets().filter((a) => !configuredKeys.has(`${a.site}/${a.id}`));
    return new RegistryIndex({ ...configured, assets: [...configured.assets, ...imported] });
  }

  /**
   * Applies and stores a site's events: all of them or, when the store refuses the write, none
   * (the tracker is put back as it was and the error thrown, so the input answers "send again").
   */
  ingest(site: string, events: readonly TagEvent[]): IngestReport {
    const before = new Map<string, TagState | undefined>();
    const outcomes: ApplyOutcome[] = [];
    for (const event of events) {
      if (!before.has(event.tag)) before.set(event.tag, this.tracker.state(site, event.tag));
      outcomes.push(this.tracker.apply(site, event));
    }
    const changed = this.tracker.takeChanged();
    let inserted: boolean[];
    try {
      inserted = this.deps.store.write(site, events, changed);
    } catch (error) {
      for (const [tag, state] of before) this.tracker.reset(site, tag, state);
      throw error;
    }
    // The store knows what is a repeat (a retry, a redelivery); late counts only new events.
    const duplicates = inserted.filter((isNew) => !isNew).length;
    const late = outcomes.filter((o, i) => o === 'late' && inserted[i]).length;
    this.counts.events += events.length;
    this.counts.duplicates += duplicates;
    this.counts.late += late;
    return { accepted: events.length, duplicates, late };
  }

  stats() {
    return { ...this.counts, tags: this.tracker.size, assets: this.index.registry.assets.length };
  }

  whereIs(query: WhereIsQuery) {
    return whereIs(query, this.lookup, this.tracker, this.index, this.settings, this.deps.clock.now());
  }

  overview(site?: string) {
    const assets = site === undefined ? this.assets : this.assets.filter((a) => a.site === site);
    return assetOverview(assets, this.tracker, this.index, this.settings, this.deps.clock.now());
  }

  /** The answers now as series for the rules and dashboards (see assetSeries), plus patient occupancy. */
  series(): MetricSample[] {
    const now = this.deps.clock.now();
    const samples = assetSeries(
      assetOverview(this.assets, this.tracker, this.index, this.settings, now),
      this.index,
      now,
    );
    for (const [key, count] of this.occupancy(now)) {
      const [site, stage] = key.split('\u0000') as [string, string];
      samples.push({ name: 'pflow_stage_occupancy', labels: { site, stage }, time: now, value: count });
    }
    return samples;
  }

  /** Patient-flow series over the last day: p50/p90 wait before each stage (seconds) and visits. */
  flowSeries(): MetricSample[] {
    const now = this.deps.clock.now();
    const samples: MetricSample[] = [];
    for (const site of this.sites()) {
      for (const stage of this.flow(site, now - DAY_MS, now).stages) {
        const labels = { site, stage: stage.stage };
        if (stage.waitP50Ms !== null)
          samples.push({ name: 'pflow_stage_wait_p50_seconds', labels, time: now, value: stage.waitP50Ms / 1000 });
        if (stage.waitP90Ms !== null)
          samples.push({ name: 'pflow_stage_wait_p90_seconds', labels, time: now, value: stage.waitP90Ms / 1000 });
        samples.push({ name: 'pflow_stage_visits', labels, time: now, value: stage.visits });
      }
    }
    return samples;
  }

  /**
   * Utilization over [from, to) as series, per site and type: `pflow_asset_type_clinical_share`,
   * `pflow_asset_type_storage_share` (0-1 of the seen time), `pflow_asset_type_idle` (how many
   * assets of the type were idle), `pflow_asset_type_seen_hours`; and `pflow_asset_idle` = 1 per idle
   * asset (only those, like left_building), so a table can list the candidates to redistribute.
   */
  utilizationSeries(from: number, to: number): MetricSample[] {
    const now = this.deps.clock.now();
    const samples: MetricSample[] = [];
    const push = (name: string, labels: Record<string, string>, value: number) =>
      samples.push({ name, labels, time: now, value });
    for (const site of this.sites()) {
      const answer = this.utilization(site, from, to);
      for (const type of answer.byType) {
        const labels = { site, type: type.type };
        push('pflow_asset_type_clinical_share', labels, type.clinicalShare);
        push('pflow_asset_type_storage_share', labels, type.storageShare);
        push('pflow_asset_type_idle', labels, type.idle);
        push('pflow_asset_type_seen_hours', labels, type.seenHours);
      }
      for (const asset of answer.assets) {
        if (asset.idle) push('pflow_asset_idle', { site, asset: asset.asset, type: asset.type }, 1);
      }
    }
    return samples;
  }

  private sites(): string[] {
    return [...new Set([...this.index.registry.zones.map((z) => z.site), ...this.assets.map((a) => a.site)])].sort();
  }

  /** Patient tags present now per site and stage (waiting counts as its own stage). */
  private occupancy(now: number): Map<string, number> {
    const counts = new Map<string, number>();
    for (const zone of this.index.registry.zones) {
      if (zone.kind === 'waiting' || zone.kind === 'clinical')
        counts.set(`${zone.site}\u0000${zone.kind === 'waiting' ? 'waiting' : zone.stage}`, 0);
    }
    for (const state of this.tracker.all()) {
      if (!isPatientTag(state.tag, this.settings) || state.zone === undefined) continue;
      if (now - state.lastSeen > this.settings.missingAfterMs) continue;
      const zone = this.index.zone(state.site, state.zone);
      if (!zone || (zone.kind !== 'waiting' && zone.kind !== 'clinical')) continue;
      const key = `${zone.site}\u0000${zone.kind === 'waiting' ? 'waiting' : zone.stage}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  private zoneReadings(site: string, rows: readonly HistoryRow[]): ZoneReading[] {
    const out: ZoneReading[] = [];
    for (const row of rows) {
      const zone =
        row.zone ??
        (row.x !== null && row.y !== null
          ? this.index.zoneAt(site, row.floor ?? undefined, row.x, row.y)?.id
          : undefined);
      if (zone !== undefined) out.push({ t: row.t, zone });
    }
    return out;
  }

  private visitOptions(until: number) {
    return { minDwellMs: this.settings.minDwellMs, maxGapMs: this.settings.missingAfterMs, until };
  }

  /**
   * Utilization over [from, to): per asset and per type, the share of seen time in clinical versus
   * storage zones, and the idle assets (under `idle_below_clinical_share` clinical).
   */
  utilization(site: string, from: number, to: number) {
    const assets = this.assets.filter((a) => a.site === site);
    // Readings from one missing_after before `from`: a stay that began earlier counts from `from`.
    const readings = this.deps.store.readings(site, from - this.settings.missingAfterMs, to, {
      tags: assets.map((a) => a.tag),
    });
    const perAsset = assets.map((asset) => {
      const visits = clip(
        visitsOf(this.zoneReadings(site, readings.get(asset.tag) ?? []), this.visitOptions(to)),
        from,
        to,
      );
      const use = utilization(visits, site, this.index);
      return { asset: asset.id, type: asset.type, ...presentUse(use), idle: isIdle(use, this.settings) };
    });
    const types = [...new Set(assets.map((a) => a.type))].sort();
    return {
      site,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      byType: types.map((type) => {
        const members = perAsset.filter((a) => a.type === type);
        const { use: _use, ...total } = presentUse(sumUtilization(members.map((m) => m.use)));
        return { type, assets: members.length, idle: members.filter((m) => m.idle).length, ...total };
      }),
      assets: perAsset.map(({ use: _use, ...rest }) => rest),
    };
  }

  /** Patient flow over [from, to): per stage, stays and waits (p50/p90), throughput; occupancy now. */
  flow(site: string, from: number, to: number) {
    const readings = this.deps.store.readings(site, from - this.settings.missingAfterMs, to, {
      prefixes: this.settings.patientTagPrefixes,
    });
    const stages: StageVisit[] = [];
    for (const [tag, rows] of readings) {
      const visits = visitsOf(this.zoneReadings(site, rows), this.visitOptions(to));
      stages.push(...stagesOf(tag, visits, site, this.index));
    }
    const now = this.deps.clock.now();
    const occupancy = Object.fromEntries(
      [...this.occupancy(now)]
        .filter(([key]) => key.startsWith(`${site}\u0000`))
        .map(([key, n]) => [key.split('\u0000')[1]!, n]),
    );
    return {
      site,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      patients: new Set(stages.filter((s) => s.from >= from && s.from < to).map((s) => s.tag)).size,
      stages: stageFlow(stages, from, to),
      occupancy,
      waitP90Ms: percentile(
        stages.filter((s) => s.from >= from && s.from < to).map((s) => s.waitMs),
        90,
      ),
    };
  }

  /** One asset by id (any site when the id is unique), for /api/assets/<id>. */
  asset(id: string, site?: string) {
    const asset = this.lookup.asset(id, site);
    if (!asset) return undefined;
    return locate(asset, this.tracker.state(asset.site, asset.tag), this.index, this.settings, this.deps.clock.now());
  }
}

function presentUse(use: Utilization) {
  return {
    use,
    seenHours: round(use.seenMs / 3_600_000),
    clinicalShare: round(use.clinicalShare),
    storageShare: round(use.storageShare),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

import type { Asset } from '../../domain/assets/registry.js';
import type { TagEvent } from '../../domain/assets/tag-event.js';
import type { TagState } from '../../domain/assets/tracker.js';
import { PflowError } from '../../domain/errors.js';
import type { SqliteDatabase } from './sqlite.js';

/**
 * The local tag store, in pflow.db beside the series (its own `pflow_schema` component, `assets`):
 *
 * - `tag_events`: every tag event, keyed by (site, tag, t), so a replayed batch or an MQTT
 *   redelivery inserts nothing twice; the `tags` table of the Timestream model.
 * - `tag_state`: the tracker's current state per tag (where it is, since when), written after each
 *   ingest so a restart knows where everything is without replaying history.
 * - `asset_imports`: assets imported from CSV, per site; an import replaces a site's whole list.
 */

const SCHEMA_COMPONENT = 'assets';
export const TAGS_SCHEMA_VERSION = 1;

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tag_events (
    site TEXT NOT NULL,
    tag TEXT NOT NULL,
    t INTEGER NOT NULL,
    zone TEXT,
    x REAL,
    y REAL,
    floor TEXT,
    battery REAL,
    motion INTEGER,
    button TEXT,
    PRIMARY KEY (site, tag, t)
  ) WITHOUT ROWID;
  CREATE INDEX tag_events_by_time ON tag_events (site, t);
  CREATE TABLE tag_state (
    site TEXT NOT NULL,
    tag TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (site, tag)
  ) WITHOUT ROWID;
  CREATE TABLE asset_imports (
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    tag TEXT NOT NULL,
    type TEXT NOT NULL,
    department TEXT,
    home_zone TEXT,
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (site, id)
  ) WITHOUT ROWID;
  `,
];

export interface TagReadingRow {
  readonly tag: string;
  readonly t: number;
  readonly zone: string | null;
  readonly x: number | null;
  readonly y: number | null;
  readonly floor: string | null;
}

export class SqliteTagStore {
  private readonly insertEvent;
  private readonly upsertState;

  constructor(private readonly db: SqliteDatabase) {
    migrate(db);
    this.insertEvent = db.prepare(
      `INSERT OR IGNORE INTO tag_events (site, tag, t, zone, x, y, floor, battery, motion, button)
       VALUES (@site, @tag, @t, @zone, @x, @y, @floor, @battery, @motion, @button)`,
    );
    this.upsertState = db.prepare(
      'INSERT INTO tag_state (site, tag, state) VALUES (?, ?, ?) ON CONFLICT (site, tag) DO UPDATE SET state = excluded.state',
    );
  }

  /**
   * Writes events and the tag states they changed in one transaction (both or neither). Says for
   * each event whether it was new; the others were already stored (a retry or a redelivery).
   */
  write(site: string, events: readonly TagEvent[], states: readonly TagState[]): boolean[] {
    return this.db.transaction(() => {
      const inserted: boolean[] = [];
      for (const event of events) {
        const result = this.insertEvent.run({
          site,
          tag: event.tag,
          t: event.t,
          zone: event.zone ?? null,
          x: event.x ?? null,
          y: event.y ?? null,
          floor: event.floor ?? null,
          battery: event.battery ?? null,
          motion: event.motion === undefined ? null : event.motion ? 1 : 0,
          button: event.button ?? null,
        });
        inserted.push(result.changes > 0);
      }
      for (const state of states) this.upsertState.run(state.site, state.tag, JSON.stringify(state));
      return inserted;
    })();
  }

  loadStates(): TagState[] {
    return (this.db.prepare('SELECT state FROM tag_state').all() as { state: string }[]).map(
      (row) => JSON.parse(row.state) as TagState,
    );
  }

  /**
   * A site's located readings in [from, to], per tag in time order; `tags` restricts them to those
   * tags, `prefixes` to tags starting with one of them (patient tags).
   */
  readings(
    site: string,
    from: number,
    to: number,
    filter: { tags?: readonly string[]; prefixes?: readonly string[] } = {},
  ): Map<string, TagReadingRow[]> {
    const prefixes = filter.prefixes ?? [];
    const prefixSql = prefixes.length === 0 ? '' : `AND (${prefixes.map(() => 'substr(tag, 1, ?) = ?').join(' OR ')})`;
    const rows = this.db
      .prepare(
        `SELECT tag, t, zone, x, y, floor FROM tag_events
         WHERE site = ? AND t >= ? AND t <= ? AND (zone IS NOT NULL OR x IS NOT NULL) ${prefixSql} ORDER BY tag, t`,
      )
      .all(site, from, to, ...prefixes.flatMap((prefix) => [prefix.length, prefix])) as TagReadingRow[];
    const wanted = filter.tags === undefined ? undefined : new Set(filter.tags);
    const out = new Map<string, TagReadingRow[]>();
    for (const row of rows) {
      if (wanted && !wanted.has(row.tag)) continue;
      const list = out.get(row.tag) ?? [];
      list.push(row);
      out.set(row.tag, list);
    }
    return out;
  }

  /** The seed's tag panels: events and distinct tags per hour bucket over [from, to). */
  activity(site: string, from: number, to: number, bucketMs: number): { t: number; events: number; tags: number }[] {
    return this.db
      .prepare(
        `SELECT (t / @bucket) * @bucket AS t, COUNT(*) AS events, COUNT(DISTINCT tag) AS tags
         FROM tag_events WHERE site = @site AND t >= @from AND t < @to GROUP BY 1 ORDER BY 1`,
      )
      .all({ site, from, to, bucket: bucketMs }) as { t: number; events: number; tags: number }[];
  }

  /** Replaces the imported assets of each of `sites` with `assets`, in one transaction. */
  replaceImports(sites: readonly string[], assets: readonly Asset[], now: number): { replaced: number } {
    return this.db.transaction(() => {
      let replaced = 0;
      const remove = this.db.prepare('DELETE FROM asset_imports WHERE site = ?');
      for (const site of sites) replaced += remove.run(site).changes;
      const insert = this.db.prepare(
        'INSERT INTO asset_imports (site, id, tag, type, department, home_zone, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const a of assets) insert.run(a.site, a.id, a.tag, a.type, a.department ?? null, a.homeZone ?? null, now);
      return { replaced };
    })();
  }

  importedAssets(): Asset[] {
    const rows = this.db
      .prepare('SELECT site, id, tag, type, department, home_zone FROM asset_imports ORDER BY site, id')
      .all() as {
      site: string;
      id: string;
      tag: string;
      type: string;
      department: string | null;
      home_zone: string | null;
    }[];
    return rows.map((row) => ({
      id: row.id,
      site: row.site,
      tag: row.tag,
      type: row.type,
      ...(row.department !== null && { department: row.department }),
      ...(row.home_zone !== null && { homeZone: row.home_zone }),
      source: 'import' as const,
    }));
  }

  /** A number that changes whenever an import is written (by this or another process). */
  importsVersion(): number {
    const row = this.db
      .prepare('SELECT COUNT(*) AS n, COALESCE(MAX(imported_at), 0) AS at FROM asset_imports')
      .get() as {
      n: number;
      at: number;
    };
    return row.at * 1_000_003 + row.n;
  }

  applyRetention(cutoff: number): number {
    return this.db.prepare('DELETE FROM tag_events WHERE t < ?').run(cutoff).changes;
  }
}

function migrate(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS pflow_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM pflow_schema WHERE component = ?').get(SCHEMA_COMPONENT) as
    { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > TAGS_SCHEMA_VERSION) {
    throw new PflowError(
      'store_schema_newer',
      `the assets schema is version ${current}, newer than this program's ${TAGS_SCHEMA_VERSION}; upgrade PerformanceFlow`,
    );
  }
  if (current === TAGS_SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let version = current + 1; version <= TAGS_SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version - 1]!);
    db.prepare(
      'INSERT INTO pflow_schema (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
    ).run(SCHEMA_COMPONENT, TAGS_SCHEMA_VERSION);
  })();
}

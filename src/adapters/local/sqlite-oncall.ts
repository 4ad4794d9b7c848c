import { PflowError } from '../../domain/errors.js';
import type { OnCallSchedule } from '../../domain/lifecycle/oncall.js';
import {
  canonicalSchedule,
  type OnCallStore,
  type RuntimeOverride,
  type TeamOnCall,
} from '../../domain/lifecycle/oncall-override.js';
import type { SqliteDatabase } from './sqlite.js';

/**
 * On-call schedules and run-time overrides in pflow.db (their own `pflow_schema` component,
 * `oncall`, so they migrate apart from the acknowledgement tables):
 *
 * - `oncall_schedules`: each team's schedule as the config last seeded it (canonical JSON).
 * - `oncall_overrides`: swaps and holiday covers made at run time; removing one keeps the row.
 */
const SCHEMA_COMPONENT = 'oncall';
export const ONCALL_SCHEMA_VERSION = 1;

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE oncall_schedules (
    team TEXT PRIMARY KEY,
    schedule TEXT NOT NULL,
    seeded_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE oncall_overrides (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    member TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    author TEXT NOT NULL,
    reason TEXT,
    created_at INTEGER NOT NULL,
    removed_at INTEGER,
    removed_by TEXT
  ) WITHOUT ROWID;
  CREATE INDEX oncall_overrides_by_team ON oncall_overrides (team, ends_at);
  `,
];

interface OverrideRow {
  id: string;
  team: string;
  member: string;
  starts_at: number;
  ends_at: number;
  author: string;
  reason: string | null;
  created_at: number;
  removed_at: number | null;
  removed_by: string | null;
}

export class SqliteOnCallStore implements OnCallStore {
  constructor(private readonly db: SqliteDatabase) {
    migrate(db);
  }

  seedSchedules(schedules: readonly OnCallSchedule[], now: number): number {
    // No schedules, no write transaction: a config without on-call never takes pflow.db's write lock here.
    if (schedules.length === 0) return 0;
    return this.db
      .transaction(() => {
        let written = 0;
        for (const schedule of schedules) {
          const text = canonicalSchedule(schedule);
          // Only a changed schedule is written: the seed runs at every start and every CLI call.
          written += this.db
            .prepare(
              `INSERT INTO oncall_schedules (team, schedule, seeded_at) VALUES (?, ?, ?)
               ON CONFLICT (team) DO UPDATE SET schedule = excluded.schedule, seeded_at = excluded.seeded_at
               WHERE oncall_schedules.schedule <> excluded.schedule`,
            )
            .run(schedule.team, text, now).changes;
        }
        return written;
      })
      .immediate();
  }

  teamOnCall(team: string): TeamOnCall {
    const row = this.db.prepare('SELECT schedule, seeded_at FROM oncall_schedules WHERE team = ?').get(team) as
      { schedule: string; seeded_at: number } | undefined;
    const overrides = this.db
      .prepare('SELECT * FROM oncall_overrides WHERE team = ? ORDER BY created_at, id')
      .all(team) as OverrideRow[];
    return {
      ...(row !== undefined && {
        schedule: { schedule: JSON.parse(row.schedule) as OnCallSchedule, seededAt: row.seeded_at },
      }),
      overrides: overrides.map(overrideOf),
    };
  }

  addOverride(override: RuntimeOverride): void {
    this.db
      .prepare(
        `INSERT INTO oncall_overrides (id, team, member, starts_at, ends_at, author, reason, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        override.id,
        override.team,
        override.member,
        override.startsAt,
        override.endsAt,
        override.author,
        override.reason ?? null,
        override.createdAt,
      );
  }

  removeOverride(team: string, id: string, by: string, now: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE oncall_overrides SET removed_at = ?, removed_by = ?
           WHERE id = ? AND team = ? AND removed_at IS NULL AND ends_at > ?`,
        )
        .run(now, by, id, team, now).changes > 0
    );
  }

  /** Deletes overrides that ended before `cutoff` (retention, as for silences). */
  pruneOverrides(cutoff: number): number {
    return this.db
      .prepare('DELETE FROM oncall_overrides WHERE ends_at < ? OR (removed_at IS NOT NULL AND removed_at < ?)')
      .run(cutoff, cutoff).changes;
  }
}

function overrideOf(row: OverrideRow): RuntimeOverride {
  return {
    id: row.id,
    team: row.team,
    member: row.member,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    author: row.author,
    ...(row.reason !== null && { reason: row.reason }),
    createdAt: row.created_at,
    ...(row.removed_at !== null && { removedAt: row.removed_at }),
    ...(row.removed_by !== null && { removedBy: row.removed_by }),
  };
}

function migrate(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS pflow_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM pflow_schema WHERE component = ?').get(SCHEMA_COMPONENT) as
    { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > ONCALL_SCHEMA_VERSION) {
    throw new PflowError(
      'store_schema_newer',
      `the on-call tables are version ${current}, newer than this program's ${ONCALL_SCHEMA_VERSION}; upgrade PerformanceFlow`,
    );
  }
  if (current === ONCALL_SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let version = current + 1; version <= ONCALL_SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version - 1]!);
    db.prepare(
      'INSERT INTO pflow_schema (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
    ).run(SCHEMA_COMPONENT, ONCALL_SCHEMA_VERSION);
  })();
}

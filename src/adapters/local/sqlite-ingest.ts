import { PflowError } from '../../domain/errors.js';
import type { AgentTokenAdmin, BatchLedger, IngestCounts } from '../../ingest/ports.js';
import type { AgentTokenRecord } from '../../ingest/token.js';
import type { SqliteDatabase } from './sqlite.js';

/**
 * The ingest API's local tables, in pflow.db (their own `pflow_schema` component, `ingest`):
 *
 * - `agent_tokens`: one row per agent token, the token itself never (only its SHA-256);
 * - `ingest_batches`: the batches each site has stored, with their counts, so a retry of one is
 *   answered "duplicate" and writes nothing; pruned after INGEST_BATCH_KEEP_MS.
 */
const SCHEMA_COMPONENT = 'ingest';
export const INGEST_SCHEMA_VERSION = 1;

/** Long past any agent's retries: its disk buffer replays a week-long outage within this. */
export const INGEST_BATCH_KEEP_MS = 14 * 86_400_000;

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE agent_tokens (
    token_id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    site TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE TABLE ingest_batches (
    site TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    probe_results INTEGER NOT NULL,
    tag_events INTEGER NOT NULL,
    PRIMARY KEY (site, batch_id)
  ) WITHOUT ROWID;
  CREATE INDEX ingest_batches_by_time ON ingest_batches (received_at);
  `,
];

interface TokenRow {
  token_id: string;
  token_hash: string;
  site: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

export class SqliteIngestStore implements AgentTokenAdmin, BatchLedger {
  constructor(private readonly db: SqliteDatabase) {
    migrate(db);
  }

  async findByHash(tokenHash: string): Promise<AgentTokenRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM agent_tokens WHERE token_hash = ?').get(tokenHash) as
      TokenRow | undefined;
    return row && fromRow(row);
  }

  async add(record: AgentTokenRecord): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO agent_tokens (token_id, token_hash, site, name, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(record.tokenId, record.tokenHash, record.site, record.name, record.createdAt, record.revokedAt ?? null);
  }

  async revoke(tokenId: string, now: number): Promise<AgentTokenRecord | undefined> {
    this.db
      .prepare('UPDATE agent_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL')
      .run(now, tokenId);
    const row = this.db.prepare('SELECT * FROM agent_tokens WHERE token_id = ?').get(tokenId) as TokenRow | undefined;
    return row && fromRow(row);
  }

  async list(site?: string): Promise<AgentTokenRecord[]> {
    const rows = (
      site === undefined
        ? this.db.prepare('SELECT * FROM agent_tokens ORDER BY created_at, token_id').all()
        : this.db.prepare('SELECT * FROM agent_tokens WHERE site = ? ORDER BY created_at, token_id').all(site)
    ) as TokenRow[];
    return rows.map(fromRow);
  }

  async seen(site: string, batchId: string): Promise<IngestCounts | undefined> {
    const row = this.db
      .prepare('SELECT samples, probe_results, tag_events FROM ingest_batches WHERE site = ? AND batch_id = ?')
      .get(site, batchId) as { samples: number; probe_results: number; tag_events: number } | undefined;
    return row && { samples: row.samples, probeResults: row.probe_results, tagEvents: row.tag_events };
  }

  async record(site: string, batchId: string, counts: IngestCounts, now: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO ingest_batches (site, batch_id, received_at, samples, probe_results, tag_events)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(site, batchId, now, counts.samples, counts.probeResults, counts.tagEvents);
  }

  /** Forgets batches received before `cutoff` (epoch ms); returns how many. */
  pruneBatches(cutoff: number): number {
    return this.db.prepare('DELETE FROM ingest_batches WHERE received_at < ?').run(cutoff).changes;
  }
}

function fromRow(row: TokenRow): AgentTokenRecord {
  return {
    tokenId: row.token_id,
    tokenHash: row.token_hash,
    site: row.site,
    name: row.name,
    createdAt: row.created_at,
    ...(row.revoked_at !== null && { revokedAt: row.revoked_at }),
  };
}

function migrate(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS pflow_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM pflow_schema WHERE component = ?').get(SCHEMA_COMPONENT) as
    { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > INGEST_SCHEMA_VERSION) {
    throw new PflowError(
      'store_schema_newer',
      `the ingest schema is version ${current}, newer than this program's ${INGEST_SCHEMA_VERSION}; upgrade PerformanceFlow`,
    );
  }
  if (current === INGEST_SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let version = current + 1; version <= INGEST_SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version - 1]!);
    db.prepare(
      'INSERT INTO pflow_schema (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
    ).run(SCHEMA_COMPONENT, INGEST_SCHEMA_VERSION);
  })();
}

import type { TagEvent } from '../domain/assets/tag-event.js';
import type { MetricStore } from '../domain/ports.js';
import type { AgentTokenRecord } from './token.js';

/** Finds a token by the SHA-256 of the whole token: SQLite locally, DynamoDB in AWS. */
export interface AgentTokenLookup {
  findByHash(tokenHash: string): Promise<AgentTokenRecord | undefined>;
}

/** What `pflow agent token create|revoke|list` needs besides the lookup. */
export interface AgentTokenAdmin extends AgentTokenLookup {
  add(record: AgentTokenRecord): Promise<void>;
  /** The revoked token (revoked now or before), undefined when there is no such token id. */
  revoke(tokenId: string, now: number): Promise<AgentTokenRecord | undefined>;
  /** Oldest first; a site's only when `site` is given. */
  list(site?: string): Promise<AgentTokenRecord[]>;
}

export interface IngestCounts {
  readonly samples: number;
  readonly probeResults: number;
  readonly tagEvents: number;
}

/**
 * Which batches a site has stored, so a retry writes nothing twice: SQLite locally, a DynamoDB
 * item with a TTL in AWS. A batch is recorded only after its data is written.
 */
export interface BatchLedger {
  /** The counts stored for the batch, or undefined when it was never (completely) stored. */
  seen(site: string, batchId: string): Promise<IngestCounts | undefined>;
  record(site: string, batchId: string, counts: IngestCounts, now: number): Promise<void>;
}

/** Where a batch's records go: the configured metric store, and the tag store when there is one. */
export interface IngestSink extends Pick<MetricStore, 'writeMetricSamples' | 'writeProbeResults'> {
  /** Absent where the deployment keeps no tag events: a batch carrying some is then refused. */
  writeTagEvents?(site: string, events: readonly TagEvent[]): Promise<void>;
}

/** A page of a site's alert events, oldest first, and the cursor to ask from next time. */
export interface AlertEventPage {
  readonly events: readonly unknown[];
  readonly next: string;
}

/**
 * Reads a site's alert events back from the log drop (the local files, or S3). A cursor is
 * opaque to the agent; one that is not this site's (or not this feed's) throws a `bad_cursor`
 * PflowError.
 */
export interface AlertEventFeed {
  read(site: string, after: string | undefined, limit: number): Promise<AlertEventPage>;
}

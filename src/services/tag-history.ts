import type { TagEvent } from '../domain/assets/tag-event.js';
import type { HistoryRow } from './assets.js';

/**
 * The tag events' history in the cloud metric store (the `tags` table in Timestream, the
 * `pflow_tag_*` series in AMP/Prometheus): written by the ingest function beside the current
 * locations, read back by the asset function for utilization and patient flow. Locally the SQLite
 * tag store is both (TagStorePort). Each event's zone is resolved (from x/y through the registry)
 * before it is written, so a reader needs no registry to know where a tag was.
 */
export interface TagHistory {
  /** Idempotent: an event written again (a retried batch) is stored once. */
  writeTagEvents(site: string, events: readonly LocatedTagEvent[]): Promise<void>;
  /** A site's located readings in [from, to], per tag, oldest first; only rows with a zone. */
  readings(site: string, from: number, to: number): Promise<Map<string, HistoryRow[]>>;
}

/** A tag event with the zone it placed the tag in (its own, or the one its x/y falls in). */
export interface LocatedTagEvent extends TagEvent {
  readonly resolvedZone?: string;
}

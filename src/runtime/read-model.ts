import type { AlertStateCache } from '../adapters/local/alert-state-cache.js';
import type { SqliteStore } from '../adapters/local/sqlite-store.js';
import type { WriteBuffer } from '../adapters/local/write-buffer.js';
import type { AlertEvent } from '../domain/alerts/event.js';
import type { ProbeResult } from '../domain/probe-result.js';
import type { AlertInstanceState } from '../domain/rules/types.js';
import type { RuntimeReadModel } from './api-server.js';

/**
 * What the API shows, from the store and from memory together: results and events the write buffer
 * still holds (the database locked or the disk full) are shown as soon as they are accepted, and
 * alert states come from the in-memory copy rules use. If the store cannot be read, the latest
 * results known so far are shown rather than an error.
 */
export class LiveReadModel implements RuntimeReadModel {
  private readonly latest = new Map<string, ProbeResult>();

  constructor(
    private readonly store: Pick<SqliteStore, 'latestProbeResults' | 'recentAlertEvents'>,
    private readonly buffer: Pick<WriteBuffer, 'pendingProbeResults' | 'pendingAlertEvents'>,
    private readonly states: Pick<AlertStateCache, 'listAlertStates'>,
  ) {}

  latestProbeResults(): ProbeResult[] {
    let stored: ProbeResult[] = [];
    try {
      stored = this.store.latestProbeResults();
    } catch {
      // Locked for reading: what this process saw last still stands, newer results are added below.
    }
    for (const result of [...stored, ...this.buffer.pendingProbeResults()]) {
      const key = `${result.site}\u0000${result.probe}`;
      const known = this.latest.get(key);
      if (known === undefined || result.time >= known.time) this.latest.set(key, result);
    }
    return [...this.latest.values()].sort((a, b) =>
      a.site === b.site ? compare(a.probe, b.probe) : compare(a.site, b.site),
    );
  }

  listAlertStates(): AlertInstanceState[] {
    return this.states.listAlertStates();
  }

  recentAlertEvents(limit: number): AlertEvent[] {
    const pending = this.buffer.pendingAlertEvents();
    const stored = this.store.recentAlertEvents(limit);
    const seen = new Set<string>();
    const all: AlertEvent[] = [];
    for (const event of [...pending].reverse().concat(stored)) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      all.push(event);
    }
    // Stable: events with the same time keep newest-first order from each source.
    all.sort((a, b) => Date.parse(b.evaluatedAt) - Date.parse(a.evaluatedAt));
    return all.slice(0, limit);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

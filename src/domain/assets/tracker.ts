import type { RegistryIndex } from './registry.js';
import type { TagEvent } from './tag-event.js';

/**
 * The current state of every tag, kept from its events. Pure and synchronous: the local runtime
 * holds one in memory (persisted to SQLite), the AWS ingest path keeps the same state per tag in
 * DynamoDB with a conditional write on `lastSeen`.
 *
 * - **Late events never move a tag backwards**: an event older than the newest one seen updates
 *   nothing about where the tag is (it still counts for history and utilization).
 * - **Duplicates change nothing** (the same time and zone again), so a replayed batch is harmless.
 * - **Zone-boundary flicker**: a tag read in zone B for less than `minDwellMs` that comes back to A
 *   is still in A since it entered A, not since it came back.
 * - **Two zones at the same millisecond**: the one already current wins, so the order a batch
 *   happens to list them in decides nothing.
 */
export interface TagState {
  readonly site: string;
  readonly tag: string;
  /** Newest event time, epoch ms. */
  readonly lastSeen: number;
  readonly zone?: string;
  /** When the tag entered `zone`. */
  readonly since?: number;
  /** The zone before `zone`, kept while `zone` may still be a flicker. */
  readonly previousZone?: string;
  readonly previousSince?: number;
  readonly floor?: string;
  readonly battery?: number;
  readonly batteryAt?: number;
  readonly motionAt?: number;
  readonly button?: string;
  readonly buttonAt?: number;
}

export type ApplyOutcome = 'new' | 'moved' | 'seen' | 'duplicate' | 'late';

export class TagTracker {
  private readonly states = new Map<string, TagState>();
  /** Tags changed since the last `takeChanged()`: what the store must persist. */
  private readonly changed = new Set<string>();

  constructor(
    private registry: RegistryIndex,
    private readonly minDwellMs: number,
    initial: Iterable<TagState> = [],
  ) {
    for (const state of initial) this.states.set(key(state.site, state.tag), state);
  }

  setRegistry(registry: RegistryIndex): void {
    this.registry = registry;
  }

  get size(): number {
    return this.states.size;
  }

  state(site: string, tag: string): TagState | undefined {
    return this.states.get(key(site, tag));
  }

  all(): IterableIterator<TagState> {
    return this.states.values();
  }

  /** The changed states since the last call, for the store to write. */
  takeChanged(): TagState[] {
    const out = [...this.changed].map((k) => this.states.get(k)!);
    this.changed.clear();
    return out;
  }

  /** Puts a tag back as it was (undefined: unknown), when what changed it could not be stored. */
  reset(site: string, tag: string, state: TagState | undefined): void {
    const k = key(site, tag);
    if (state === undefined) this.states.delete(k);
    else this.states.set(k, state);
    this.changed.delete(k);
  }

  apply(site: string, event: TagEvent): ApplyOutcome {
    const k = key(site, event.tag);
    const before = this.states.get(k);
    const zone = this.zoneOf(site, event);
    if (before === undefined) {
      this.put(k, {
        site,
        tag: event.tag,
        lastSeen: event.t,
        ...(zone !== undefined && { zone, since: event.t }),
        ...readings(undefined, event),
      });
      return 'new';
    }
    if (event.t < before.lastSeen || (event.t === before.lastSeen && zone !== undefined && zone !== before.zone)) {
      // Older than what we know (or a tie with another zone): location stays, newer readings still count.
      const updated = { ...before, ...readings(before, event) };
      if (!sameReadings(before, updated)) this.put(k, updated);
      return 'late';
    }
    if (event.t === before.lastSeen) {
      const updated = { ...before, ...readings(before, event) };
      if (sameReadings(before, updated)) return 'duplicate';
      this.put(k, updated);
      return 'seen';
    }
    let next: TagState = { ...before, lastSeen: event.t, ...readings(before, event) };
    let outcome: ApplyOutcome = 'seen';
    if (zone !== undefined && zone !== before.zone) {
      outcome = 'moved';
      const flickerBack =
        before.previousZone === zone && before.since !== undefined && event.t - before.since < this.minDwellMs;
      next = flickerBack
        ? withoutPrevious({ ...next, zone, since: before.previousSince! })
        : {
            ...next,
            zone,
            since: event.t,
            ...(before.zone !== undefined && { previousZone: before.zone, previousSince: before.since! }),
          };
    }
    this.put(k, next);
    return outcome;
  }

  private zoneOf(site: string, event: TagEvent): string | undefined {
    return eventZone(this.registry, site, event);
  }

  private put(k: string, state: TagState): void {
    this.states.set(k, state);
    this.changed.add(k);
  }
}

/** The zone an event places its tag in: its own, or the zone whose area holds its x/y. */
export function eventZone(registry: RegistryIndex, site: string, event: TagEvent): string | undefined {
  if (event.zone !== undefined) return event.zone;
  if (event.x !== undefined && event.y !== undefined) return registry.zoneAt(site, event.floor, event.x, event.y)?.id;
  return undefined;
}

/** The non-location readings an event brings, each kept only when newer than what is known. */
function readings(before: TagState | undefined, event: TagEvent): Partial<TagState> {
  const out: { -readonly [K in keyof TagState]?: TagState[K] } = {};
  if (event.floor !== undefined && event.t >= (before?.lastSeen ?? -Infinity)) out.floor = event.floor;
  if (event.battery !== undefined && event.t >= (before?.batteryAt ?? -Infinity)) {
    out.battery = event.battery;
    out.batteryAt = event.t;
  }
  if (event.motion === true && event.t > (before?.motionAt ?? -Infinity)) out.motionAt = event.t;
  if (event.button !== undefined && event.t > (before?.buttonAt ?? -Infinity)) {
    out.button = event.button;
    out.buttonAt = event.t;
  }
  return out;
}

function sameReadings(a: TagState, b: TagState): boolean {
  return (
    a.floor === b.floor &&
    a.battery === b.battery &&
    a.batteryAt === b.batteryAt &&
    a.motionAt === b.motionAt &&
    a.button === b.button &&
    a.buttonAt === b.buttonAt
  );
}

function withoutPrevious(state: TagState): TagState {
  const { previousZone: _zone, previousSince: _since, ...rest } = state;
  return rest;
}

function key(site: string, tag: string): string {
  return `${site}\u0000${tag}`;
}

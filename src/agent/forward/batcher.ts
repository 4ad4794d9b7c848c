import type { DiskBuffer } from '../buffer/disk-buffer.js';
import type { TagEvent } from '../../domain/assets/tag-event.js';
import type { WireProbeResult } from '../../domain/ingest/batch.js';
import { INGEST_LIMITS } from '../../domain/ingest/batch.js';
import type { MetricSample } from '../../domain/records.js';
import { encodeRecord, encodeTagRecord } from './encoder.js';

/** Where scrapes, probes and the heartbeat hand their output: into the disk buffer, before anything is sent. */
export interface SampleSink {
  add(samples: readonly MetricSample[], probeResults?: readonly WireProbeResult[]): void;
}

export interface BatcherOptions {
  readonly maxBatchSamples: number;
  readonly maxBatchAgeMs: number;
  /** Wall clock, epoch ms (the buffer stamps records with the same one). */
  readonly now: () => number;
}

/** Samples per record: small enough that a record is never near a batch limit on its own. */
const RECORD_SAMPLES = 1_000;
const RECORD_PROBE_RESULTS = 500;
const RECORD_TAG_EVENTS = 1_000;

/**
 * Limits of a batch in the buffer, from the ingest's: 8 MiB of JSON stays under the 16 MiB
 * decompressed limit with room for the envelope, and gzipped it is far below the 3 MiB body limit.
 * Without gzip the body itself must fit that limit.
 */
export function batchLimits(maxBatchSamples: number, gzipLevel: number) {
  return {
    maxBatchBytes: gzipLevel === 0 ? INGEST_LIMITS.maxBodyBytes - 64 * 1024 : 8 * 1024 * 1024,
    maxBatchSamples: Math.min(maxBatchSamples, INGEST_LIMITS.maxSamples),
    maxBatchProbeResults: INGEST_LIMITS.maxProbeResults,
    maxBatchTagEvents: INGEST_LIMITS.maxTagEvents,
  };
}

/**
 * Writes what is collected into the buffer as records; the buffer seals a batch by sample count and
 * bytes, and `tick` seals one by age, so a quiet agent still sends within batch_max_age.
 */
export class Batcher implements SampleSink {
  private readonly recordBytes: number;

  constructor(
    private readonly buffer: DiskBuffer,
    private readonly opts: BatcherOptions & { readonly maxBatchBytes: number },
  ) {
    this.recordBytes = Math.floor(opts.maxBatchBytes / 4);
  }

  add(samples: readonly MetricSample[], probeResults: readonly WireProbeResult[] = []): void {
    const per = Math.max(1, Math.min(RECORD_SAMPLES, this.opts.maxBatchSamples));
    for (let i = 0; i < samples.length; i += per) this.write(samples.slice(i, i + per), []);
    for (let i = 0; i < probeResults.length; i += RECORD_PROBE_RESULTS) {
      this.write([], probeResults.slice(i, i + RECORD_PROBE_RESULTS));
    }
  }

  private write(samples: readonly MetricSample[], probeResults: readonly WireProbeResult[]): void {
    const payload = encodeRecord(samples, probeResults);
    const many = samples.length + probeResults.length > 1;
    if (payload.length > this.recordBytes && many) {
      // Very long label values: halve until a record fits comfortably in a batch.
      const s = Math.ceil(samples.length / 2);
      const p = Math.ceil(probeResults.length / 2);
      this.write(samples.slice(0, s), probeResults.slice(0, p));
      this.write(samples.slice(s), probeResults.slice(p));
      return;
    }
    // A refused record (full disk, I/O error) is counted and logged by the buffer itself.
    this.buffer.append(payload, { samples: samples.length, probeResults: probeResults.length });
  }

  /**
   * Writes tag events from the RTLS inputs as `tags` records. False when the buffer refused one of
   * them (full disk, I/O error; counted and logged by the buffer): the input then tells its sender
   * to send again, and events of this call that were buffered arrive twice, which the tag store
   * ignores (an event is keyed by site, tag and time).
   */
  addTagEvents(events: readonly TagEvent[]): boolean {
    let ok = true;
    for (let i = 0; i < events.length; i += RECORD_TAG_EVENTS) {
      ok = this.writeTags(events.slice(i, i + RECORD_TAG_EVENTS)) && ok;
    }
    return ok;
  }

  private writeTags(events: readonly TagEvent[]): boolean {
    const payload = encodeTagRecord(events);
    if (payload.length > this.recordBytes && events.length > 1) {
      const half = Math.ceil(events.length / 2);
      const first = this.writeTags(events.slice(0, half));
      return this.writeTags(events.slice(half)) && first;
    }
    return this.buffer.append(payload, { samples: 0, probeResults: 0, tagEvents: events.length }).ok;
  }

  /** Seals the open batch once its first record is batch_max_age old; true when it did. */
  tick(): boolean {
    const since = this.buffer.openBatchSince();
    if (since === undefined || this.opts.now() - since < this.opts.maxBatchAgeMs) return false;
    this.buffer.seal();
    return true;
  }

  /** Seals whatever is open (at shutdown, and when the heartbeat closes a cycle). */
  flush(): void {
    this.buffer.seal();
  }
}

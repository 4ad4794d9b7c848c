import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_RECORD_PAYLOAD_BYTES, RECORD_HEADER_BYTES, encodeHeader, readRecord, type RecordKind } from './record.js';
import { CursorFile } from './cursor-file.js';
import { readJsonFile, writeFileDurably } from './durable-file.js';

/**
 * The agent's disk buffer: everything scraped, probed or read from an RTLS input is appended here
 * before anything is sent, and leaves only once the receiver acknowledged it.
 *
 * Records are grouped into numbered **batches**: the records of a batch are contiguous, and a batch
 * is sealed (no record is ever added to it again) before it is first handed out, and at every
 * restart. So a batch's content never changes, and its number, with the buffer's random id, is the
 * idempotency key the ingest deduplicates on: a batch sent, accepted, and sent again after a crash
 * that lost the acknowledgement is written once.
 *
 * Files in the buffer directory:
 * - `buffer.json`: the buffer's random id and format, written once;
 * - `seg-<first batch>.log`: append-only segments of records (see record.ts), rolled at a batch
 *   boundary once `segmentBytes` is reached, deleted once every batch in them is acknowledged;
 * - `cursor`: the highest acknowledged batch (see cursor-file.ts: it can be advanced on a full disk).
 *
 * All file calls are synchronous on purpose: an append is one or two `write` calls on a file the
 * agent owns, and doing them in line keeps the order of appends, seals and acknowledgements exactly
 * the order of the calls, which is what the crash guarantees rest on.
 */
export type FsyncPolicy = 'always' | 'interval';

export interface DiskBufferOptions {
  readonly dir: string;
  /** Cap on the bytes of all segments; past it the oldest segment is dropped, every drop counted. */
  readonly maxBytes: number;
  /** Segment size at which a new segment starts; default min(64 MiB, maxBytes / 8). */
  readonly segmentBytes?: number;
  /** `always`: fdatasync after every append. `interval`: the owner calls `sync()` on a timer. */
  readonly fsync: FsyncPolicy;
  /** A batch is sealed before a record would take it past this many payload bytes. */
  readonly maxBatchBytes: number;
  readonly maxBatchSamples: number;
  readonly maxBatchProbeResults: number;
  /** Default: no limit but the bytes (the agent passes the ingest's). */
  readonly maxBatchTagEvents?: number;
  /** Wall clock (epoch ms) stamped on records; injected by tests. */
  readonly now?: () => number;
  readonly log?: BufferLog;
  /**
   * Test seam for the kill -9 tests: called after a record's header is written and before its
   * payload is, so a test can kill the process at exactly that point.
   */
  readonly afterHeaderWrite?: () => void;
}

export interface BufferLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Where a sealed batch is: the forwarder and the pull server read it with `readBatch`. */
export interface BatchRef {
  readonly batch: number;
  /** The batch id sent on the wire: `<buffer id>-<batch number>`, the agent id is prefixed by the caller. */
  readonly key: string;
  readonly bytes: number;
  readonly samples: number;
  readonly probeResults: number;
  readonly tagEvents: number;
  /** Append time of the batch's first record, epoch ms. */
  readonly firstTime: number;
}

export interface BatchContent extends BatchRef {
  /** The payloads of the batch's `metrics` records (samples and probe results), in append order. */
  readonly payloads: readonly Buffer[];
  /** The payloads of its `tags` records (tag events), in append order. */
  readonly tagPayloads: readonly Buffer[];
}

/** What one record holds; a record holds tag events or samples and probe results, never both. */
export interface RecordCounts {
  readonly samples: number;
  readonly probeResults: number;
  readonly tagEvents?: number;
}

export type AppendResult =
  | { readonly ok: true; readonly batch: number }
  | { readonly ok: false; readonly reason: 'disk_full' | 'too_large' | 'io_error'; readonly message: string };

export interface BufferStats {
  /** Bytes of all segment files, acknowledged data not yet deleted included. */
  readonly bytes: number;
  /** Payload and header bytes of batches not yet acknowledged. */
  readonly pendingBytes: number;
  readonly pendingBatches: number;
  /** Append time of the oldest unacknowledged record, epoch ms. */
  readonly oldestTime: number | undefined;
  readonly ackedBatch: number;
  readonly droppedBatches: number;
  readonly droppedSamples: number;
  readonly droppedProbeResults: number;
  readonly droppedTagEvents: number;
  /** Records that could not be buffered at all (disk full, I/O error, too large). */
  readonly refusedRecords: number;
  readonly refusedSamples: number;
  readonly refusedProbeResults: number;
  readonly refusedTagEvents: number;
  /** Bytes cut at recovery: torn tails after a crash, or corruption. */
  readonly cutBytes: number;
  readonly cutSegments: number;
}

interface RecordLoc {
  readonly offset: number;
  readonly length: number;
  readonly kind: RecordKind;
}

interface BatchEntry {
  readonly batch: number;
  readonly segment: Segment;
  readonly records: RecordLoc[];
  bytes: number;
  samples: number;
  probeResults: number;
  tagEvents: number;
  readonly firstTime: number;
}

interface Segment {
  readonly firstBatch: number;
  readonly file: string;
  size: number;
  readFd?: number;
}

interface BufferMeta {
  readonly format: 1;
  readonly id: string;
}

const SEGMENT_RE = /^seg-(\d{16})\.log$/;
const DEFAULT_SEGMENT_CAP = 64 * 1024 * 1024;
const NOOP_LOG: BufferLog = { warn: () => {}, error: () => {} };

export class DiskBuffer {
  readonly id: string;
  private readonly dir: string;
  private readonly opts: DiskBufferOptions;
  private readonly segmentBytes: number;
  private readonly now: () => number;
  private readonly log: BufferLog;
  private readonly segments: Segment[] = [];
  /** Unacknowledged batches in order; the last one may be open. */
  private readonly batches: BatchEntry[] = [];
  private acked: number;
  private readonly cursor: CursorFile;
  /** Number of the batch the next append goes to. */
  private current: number;
  /** Whether `current` has records (it is open) — a seal moves `current` past it. */
  private currentHasRecords = false;
  private writeFd: number | undefined;
  private dirty = false;
  private pinned = new Set<number>();
  private closed = false;
  private counters = {
    droppedBatches: 0,
    droppedSamples: 0,
    droppedProbeResults: 0,
    droppedTagEvents: 0,
    refusedRecords: 0,
    refusedSamples: 0,
    refusedProbeResults: 0,
    refusedTagEvents: 0,
    cutBytes: 0,
    cutSegments: 0,
  };

  private constructor(opts: DiskBufferOptions, meta: BufferMeta, cursor: CursorFile) {
    this.opts = opts;
    this.dir = opts.dir;
    this.id = meta.id;
    this.cursor = cursor;
    this.acked = cursor.value;
    this.current = this.acked + 1;
    this.segmentBytes = Math.max(
      RECORD_HEADER_BYTES,
      opts.segmentBytes ?? Math.min(DEFAULT_SEGMENT_CAP, Math.floor(opts.maxBytes / 8)),
    );
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? NOOP_LOG;
  }

  /**
   * Opens (or creates) the buffer and recovers it: every segment is read and checked record by
   * record; at the first record that is cut short or fails its checksum the segment is truncated
   * there (a torn tail after a crash is exactly that), the cut is counted and logged, and nothing
   * after it is ever handed out. Every recovered batch is sealed.
   */
  static open(opts: DiskBufferOptions): DiskBuffer {
    fs.mkdirSync(opts.dir, { recursive: true });
    const metaFile = path.join(opts.dir, 'buffer.json');
    let meta = readJsonFile<BufferMeta>(metaFile);
    if (meta === undefined) {
      meta = { format: 1, id: randomBytes(4).toString('hex') };
      writeFileDurably(metaFile, JSON.stringify(meta));
    } else if (meta.format !== 1 || typeof meta.id !== 'string' || !/^[0-9a-f]{8}$/.test(meta.id)) {
      throw new Error(`${metaFile}: not a buffer this agent can read (format ${String(meta.format)})`);
    }
    const buffer = new DiskBuffer(opts, meta, CursorFile.open(path.join(opts.dir, 'cursor')));
    buffer.recover();
    return buffer;
  }

  private recover(): void {
    const names = fs
      .readdirSync(this.dir)
      .filter((name) => SEGMENT_RE.test(name))
      .sort();
    let lastBatch = 0;
    for (const [index, name] of names.entries()) {
      const file = path.join(this.dir, name);
      const firstBatch = Number(SEGMENT_RE.exec(name)?.[1]);
      const data = fs.readFileSync(file);
      const segment: Segment = { firstBatch, file, size: data.length };
      let offset = 0;
      while (offset < data.length) {
        const read = readRecord(data, offset);
        if (read.kind !== 'record' || read.header.batch < lastBatch || read.header.batch < firstBatch) {
          const reason =
            read.kind === 'record' ? `batch ${String(read.header.batch)} out of order` : `${read.kind}: ${read.reason}`;
          this.cutAt(segment, offset, reason, index === names.length - 1);
          break;
        }
        const { header } = read;
        lastBatch = header.batch;
        if (header.batch > this.acked) {
          let entry = this.batches.at(-1);
          if (entry === undefined || entry.batch !== header.batch) {
            entry = {
              batch: header.batch,
              segment,
              records: [],
              bytes: 0,
              samples: 0,
              probeResults: 0,
              tagEvents: 0,
              firstTime: header.time,
            };
            this.batches.push(entry);
          }
          entry.records.push({ offset: read.payloadOffset, length: header.length, kind: header.kind });
          entry.bytes += RECORD_HEADER_BYTES + header.length;
          entry.samples += header.samples;
          entry.probeResults += header.probeResults;
          entry.tagEvents += header.tagEvents;
        }
        offset = read.end;
      }
      this.segments.push(segment);
    }
    // Everything recovered is sealed: the next append starts a new batch in a new segment.
    this.current = Math.max(lastBatch, this.acked) + 1;
    this.deleteAckedSegments();
  }

  private cutAt(segment: Segment, offset: number, reason: string, isLast: boolean): void {
    const cut = segment.size - offset;
    fs.truncateSync(segment.file, offset);
    const fd = fs.openSync(segment.file, 'r+');
    try {
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    segment.size = offset;
    this.counters.cutBytes += cut;
    this.counters.cutSegments += 1;
    const fields = { segment: path.basename(segment.file), offset, bytes: cut, reason };
    // A torn tail of the newest segment is what a crash mid-append leaves; anywhere else it is damage.
    if (isLast) this.log.warn('buffer: cut a torn tail left by a crash; those bytes were never acknowledged', fields);
    else this.log.error('buffer: cut a damaged segment at its first bad record; the rest of it is lost', fields);
  }

  /**
   * Appends one record (a chunk of samples and probe results, or of tag events, encoded by the
   * caller) to the open batch, sealing it first when this record would take it past a batch limit. Returns once the
   * record is written (and fdatasynced with `fsync: always`). A record that cannot be written
   * (disk full, I/O error) is refused whole: the partial write is cut off again, the refusal is
   * counted, and the caller is told.
   */
  append(payload: Uint8Array, counts: RecordCounts): AppendResult {
    if (this.closed) throw new Error('buffer is closed');
    const tagEvents = counts.tagEvents ?? 0;
    if (tagEvents > 0 && counts.samples + counts.probeResults > 0) {
      throw new Error('buffer: a record holds tag events or samples and probe results, not both');
    }
    const kind: RecordKind = tagEvents > 0 ? 'tags' : 'metrics';
    if (payload.length > MAX_RECORD_PAYLOAD_BYTES) {
      return this.refuse(counts, 'too_large', `record of ${String(payload.length)} bytes is over the limit`);
    }
    const open = this.currentHasRecords ? this.batches.at(-1) : undefined;
    if (
      open !== undefined &&
      (open.bytes + payload.length > this.opts.maxBatchBytes ||
        open.samples + counts.samples > this.opts.maxBatchSamples ||
        open.probeResults + counts.probeResults > this.opts.maxBatchProbeResults ||
        open.tagEvents + tagEvents > (this.opts.maxBatchTagEvents ?? Number.MAX_SAFE_INTEGER))
    ) {
      this.seal();
    }
    const startsBatch = !this.currentHasRecords;
    let segment = this.segments.at(-1);
    if (startsBatch && (segment === undefined || this.writeFd === undefined || segment.size >= this.segmentBytes)) {
      try {
        segment = this.startSegment(this.current);
      } catch (error) {
        return this.refuse(counts, classify(error), `cannot start a segment: ${(error as Error).message}`);
      }
    }
    if (segment === undefined || this.writeFd === undefined) throw new Error('buffer: no segment to write to');
    const time = this.now();
    const header = encodeHeader(
      {
        length: payload.length,
        batch: this.current,
        time,
        kind,
        samples: counts.samples,
        probeResults: counts.probeResults,
        tagEvents,
      },
      payload,
    );
    const before = segment.size;
    try {
      writeAll(this.writeFd, header);
      this.opts.afterHeaderWrite?.();
      writeAll(this.writeFd, payload);
      if (this.opts.fsync === 'always') fs.fdatasyncSync(this.writeFd);
      else this.dirty = true;
    } catch (error) {
      this.undoPartialWrite(segment, before);
      return this.refuse(counts, classify(error), (error as Error).message);
    }
    segment.size = before + header.length + payload.length;
    let entry = this.batches.at(-1);
    if (startsBatch || entry === undefined) {
      entry = {
        batch: this.current,
        segment,
        records: [],
        bytes: 0,
        samples: 0,
        probeResults: 0,
        tagEvents: 0,
        firstTime: time,
      };
      this.batches.push(entry);
      this.currentHasRecords = true;
    }
    entry.records.push({ offset: before + RECORD_HEADER_BYTES, length: payload.length, kind });
    entry.bytes += header.length + payload.length;
    entry.samples += counts.samples;
    entry.probeResults += counts.probeResults;
    entry.tagEvents += tagEvents;
    this.enforceCap();
    return { ok: true, batch: entry.batch };
  }

  private refuse(counts: RecordCounts, reason: 'disk_full' | 'too_large' | 'io_error', message: string): AppendResult {
    this.counters.refusedRecords += 1;
    this.counters.refusedSamples += counts.samples;
    this.counters.refusedProbeResults += counts.probeResults;
    this.counters.refusedTagEvents += counts.tagEvents ?? 0;
    this.log.error('buffer: could not buffer a record; its samples, probe results or tag events are dropped', {
      reason,
      samples: counts.samples,
      probeResults: counts.probeResults,
      tagEvents: counts.tagEvents ?? 0,
      message,
    });
    return { ok: false, reason, message };
  }

  private undoPartialWrite(segment: Segment, size: number): void {
    try {
      if (this.writeFd !== undefined) fs.ftruncateSync(this.writeFd, size);
      segment.size = size;
    } catch (error) {
      // The bytes stay; recovery would cut them as a torn tail. Stop writing to this segment.
      this.log.error('buffer: could not cut a failed write back; starting a new segment', {
        message: (error as Error).message,
      });
      this.closeWriteFd();
      this.seal();
    }
  }

  private startSegment(firstBatch: number): Segment {
    this.closeWriteFd();
    const file = path.join(this.dir, `seg-${String(firstBatch).padStart(16, '0')}.log`);
    const fd = fs.openSync(file, 'a');
    const existing = this.segments.at(-1);
    // After a refused first write a segment of this name may already exist, empty.
    const segment: Segment =
      existing !== undefined && existing.file === file ? existing : { firstBatch, file, size: fs.fstatSync(fd).size };
    if (segment !== existing) this.segments.push(segment);
    this.writeFd = fd;
    // The directory entry must be durable too, or a crash could lose a fully synced segment.
    if (this.opts.fsync === 'always') syncDir(this.dir);
    else this.dirty = true;
    return segment;
  }

  private closeWriteFd(): void {
    if (this.writeFd === undefined) return;
    if (this.dirty) this.sync();
    fs.closeSync(this.writeFd);
    this.writeFd = undefined;
  }

  /** Seals the open batch: nothing is ever added to it again. A no-op when no batch is open. */
  seal(): void {
    if (!this.currentHasRecords) return;
    this.current += 1;
    this.currentHasRecords = false;
  }

  /** Append time of the open batch's first record, if a batch is open (for sealing by age). */
  openBatchSince(): number | undefined {
    return this.currentHasRecords ? this.batches.at(-1)?.firstTime : undefined;
  }

  /** Makes appends durable under `fsync: interval`; called on the owner's timer and at close. */
  sync(): void {
    if (!this.dirty) return;
    if (this.writeFd !== undefined) fs.fdatasyncSync(this.writeFd);
    syncDir(this.dir);
    this.dirty = false;
  }

  /** Sealed, unacknowledged batches after `after` (default: the acknowledged cursor), oldest first. */
  sealed(limit: number, after = this.acked): BatchRef[] {
    const out: BatchRef[] = [];
    for (const entry of this.batches) {
      if (out.length >= limit) break;
      if (entry.batch <= after) continue;
      if (this.currentHasRecords && entry.batch === this.current) break;
      out.push(this.refOf(entry));
    }
    return out;
  }

  private refOf(entry: BatchEntry): BatchRef {
    return {
      batch: entry.batch,
      key: `${this.id}-${String(entry.batch).padStart(9, '0')}`,
      bytes: entry.bytes,
      samples: entry.samples,
      probeResults: entry.probeResults,
      tagEvents: entry.tagEvents,
      firstTime: entry.firstTime,
    };
  }

  /** Whether a batch is still held (not acknowledged and not dropped by the cap). */
  has(batch: number): boolean {
    return this.batches.some((entry) => entry.batch === batch);
  }

  /** Reads a sealed batch's records; undefined when it was acknowledged or dropped meanwhile. */
  read(batch: number): BatchContent | undefined {
    const entry = this.batches.find((candidate) => candidate.batch === batch);
    if (entry === undefined) return undefined;
    if (this.currentHasRecords && entry.batch === this.current)
      throw new Error('buffer: the open batch is not readable');
    const segment = entry.segment;
    segment.readFd ??= fs.openSync(segment.file, 'r');
    const payloads: Buffer[] = [];
    const tagPayloads: Buffer[] = [];
    for (const loc of entry.records) {
      const buf = Buffer.allocUnsafe(loc.length);
      let done = 0;
      while (done < loc.length) {
        const n = fs.readSync(segment.readFd, buf, done, loc.length - done, loc.offset + done);
        if (n === 0) throw new Error(`buffer: ${segment.file} is shorter than its index`);
        done += n;
      }
      (loc.kind === 'tags' ? tagPayloads : payloads).push(buf);
    }
    return { ...this.refOf(entry), payloads, tagPayloads };
  }

  /**
   * Keeps a batch from being dropped by the cap while it is being sent, so a batch is never counted
   * as dropped and delivered too. The cap may be overshot by what is appended meanwhile.
   */
  pin(batch: number): void {
    this.pinned.add(batch);
  }

  unpin(batch: number): void {
    this.pinned.delete(batch);
    this.enforceCap();
  }

  /**
   * Acknowledges every batch up to and including `batch`: the cursor is written and fsynced before
   * this returns, then segments holding only acknowledged batches are deleted.
   */
  ack(batch: number): void {
    if (batch <= this.acked) return;
    const sealedUpTo = this.currentHasRecords ? this.current - 1 : this.current;
    if (batch > sealedUpTo) throw new Error(`buffer: cannot acknowledge batch ${String(batch)}, it is not sealed`);
    this.cursor.set(batch);
    this.acked = batch;
    while (this.batches.length > 0 && (this.batches[0]?.batch ?? Infinity) <= batch) this.batches.shift();
    this.deleteAckedSegments();
  }

  private deleteAckedSegments(): void {
    // A segment can go once the next one starts at or below the first unacknowledged batch.
    while (this.segments.length > 1) {
      const next = this.segments[1] as Segment;
      if (next.firstBatch - 1 > this.acked) break;
      this.removeOldestSegment();
    }
    const only = this.segments[0];
    if (this.segments.length === 1 && only !== undefined && !this.currentHasRecords && this.current - 1 <= this.acked) {
      // The only segment is fully acknowledged and nothing is open in it: it goes too, so that on a
      // full disk acknowledging everything frees the space (the next append starts a new segment).
      this.closeWriteFd();
      this.removeOldestSegment();
    }
  }

  private removeOldestSegment(): void {
    const segment = this.segments.shift();
    if (segment === undefined) return;
    if (segment.readFd !== undefined) fs.closeSync(segment.readFd);
    fs.rmSync(segment.file, { force: true });
  }

  private totalBytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.size;
    return total;
  }

  /** Drops the oldest segments, whole, while the buffer is over its cap; every unacknowledged batch in them is counted. */
  private enforceCap(): void {
    let total = this.totalBytes();
    while (total > this.opts.maxBytes && this.segments.length > 1) {
      const oldest = this.segments[0] as Segment;
      const inIt = this.batches.filter((entry) => entry.segment === oldest);
      if (inIt.some((entry) => this.pinned.has(entry.batch))) break;
      let samples = 0;
      let probeResults = 0;
      let tagEvents = 0;
      for (const entry of inIt) {
        samples += entry.samples;
        probeResults += entry.probeResults;
        tagEvents += entry.tagEvents;
      }
      this.counters.droppedBatches += inIt.length;
      this.counters.droppedSamples += samples;
      this.counters.droppedProbeResults += probeResults;
      this.counters.droppedTagEvents += tagEvents;
      this.batches.splice(0, inIt.length);
      total -= oldest.size;
      this.removeOldestSegment();
      if (inIt.length > 0) {
        this.log.warn('buffer: over its size cap, dropped the oldest segment', {
          batches: inIt.length,
          samples,
          probeResults,
          tagEvents,
          firstBatch: inIt[0]?.batch,
          maxBytes: this.opts.maxBytes,
        });
      }
    }
  }

  stats(): BufferStats {
    let pendingBytes = 0;
    for (const entry of this.batches) pendingBytes += entry.bytes;
    return {
      bytes: this.totalBytes(),
      pendingBytes,
      pendingBatches: this.batches.length,
      oldestTime: this.batches[0]?.firstTime,
      ackedBatch: this.acked,
      ...this.counters,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closeWriteFd();
    this.cursor.close();
    for (const segment of this.segments) {
      if (segment.readFd !== undefined) fs.closeSync(segment.readFd);
      segment.readFd = undefined;
    }
    this.closed = true;
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done);
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function classify(error: unknown): 'disk_full' | 'io_error' {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' ? 'disk_full' : 'io_error';
}

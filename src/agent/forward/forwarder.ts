import type { DiskBuffer } from '../buffer/disk-buffer.js';
import { TAG_EVENTS_NOT_KEPT, type BatchAgent } from '../../domain/ingest/batch.js';
import { monotonicNow, type Clock, type Logger, type Timers } from '../../domain/ports.js';
import { encodeBatch, encodeBody, wireBatchId } from './encoder.js';
import type { IngestTransport } from './transport.js';

export interface ForwarderOptions {
  readonly agent: BatchAgent;
  readonly gzipLevel: number;
  /** First retry waits up to this long (full jitter), doubling per failed attempt up to maxBackoffMs. */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * After the ingest answered TAG_EVENTS_NOT_KEPT (its deployment has no `assets:`), batches go
   * without their tag events for this long before one is tried with them again.
   */
  readonly tagEventsPauseMs?: number;
}

export interface ForwarderDeps {
  readonly buffer: DiskBuffer;
  readonly transport: IngestTransport;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** [0, 1); injected so tests see the exact backoff delays. */
  readonly random?: () => number;
}

export interface ForwarderStats {
  readonly sentBatches: number;
  readonly sentSamples: number;
  readonly sentBytes: number;
  readonly rejectedBatches: number;
  readonly rejectedSamples: number;
  readonly rejectedProbeResults: number;
  readonly rejectedTagEvents: number;
  /** Tag events left out of stored batches because the ingest keeps none (TAG_EVENTS_NOT_KEPT). */
  readonly notKeptTagEvents: number;
  readonly failedAttempts: number;
  /** Epoch ms of the last 2xx, if any. */
  readonly lastForwardTime: number | undefined;
}

const DEFAULT_BASE_BACKOFF_MS = 1_000;
const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;
const DEFAULT_TAG_EVENTS_PAUSE_MS = 60 * 60_000;

/**
 * Sends the buffer's sealed batches, oldest first, one at a time, and moves the acknowledged cursor
 * only on the ingest's 2xx — so a batch leaves the buffer only once it is stored.
 *
 * - 2xx: the cursor moves past the batch (fsynced), its segment may go.
 * - 400/413/415/422: the ingest refused the batch itself; it can never succeed, so it is acknowledged
 *   too, counted (`pflow_agent_rejected_batches_total`) and logged with the ingest's problems.
 *   Except a 400 with code TAG_EVENTS_NOT_KEPT (the deployment has no `assets:`): then only the tag
 *   events cannot be stored, so the same batch (same id: the refusal recorded nothing) goes again at
 *   once without them, and so does every batch for tagEventsPauseMs; what they leave out is counted
 *   (`notKeptTagEvents`), the samples and probe results are stored.
 * - anything else (5xx, a timeout, no connection, 401/403/404/429): the same batch is sent again after
 *   an exponential backoff with full jitter (a random wait in [0, min(max, base·2ⁿ)]), so agents that
 *   lost the ingest together do not come back in step.
 *
 * A batch is pinned while it is in flight, so the buffer's cap never drops a batch that may be
 * stored: a batch is either delivered or counted as dropped, never both.
 */
export class Forwarder {
  private readonly base: number;
  private readonly max: number;
  private readonly random: () => number;
  private running: Promise<void> | undefined;
  private wakeTimer: unknown;
  private retryAt: number | undefined;
  private attempt = 0;
  private stopped = false;
  private followUp: Promise<void> | undefined;
  /** Monotonic ms until which batches go without tag events (see TAG_EVENTS_NOT_KEPT). */
  private tagEventsPausedUntil: number | undefined;
  private tagEventsRefusalLogged = false;
  private stats: {
    -readonly [K in keyof ForwarderStats]: ForwarderStats[K];
  } = {
    sentBatches: 0,
    sentSamples: 0,
    sentBytes: 0,
    rejectedBatches: 0,
    rejectedSamples: 0,
    rejectedProbeResults: 0,
    rejectedTagEvents: 0,
    notKeptTagEvents: 0,
    failedAttempts: 0,
    lastForwardTime: undefined,
  };

  constructor(
    private readonly opts: ForwarderOptions,
    private readonly deps: ForwarderDeps,
  ) {
    this.base = opts.baseBackoffMs ?? DEFAULT_BASE_BACKOFF_MS;
    this.max = opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.random = deps.random ?? Math.random;
  }

  get counters(): ForwarderStats {
    return { ...this.stats };
  }

  /** Whether a send is waiting out a backoff. */
  get backingOff(): boolean {
    return this.retryAt !== undefined;
  }

  /**
   * Sends everything sealed, unless a backoff is running (its timer kicks again). Resolves when
   * the buffer has nothing sealed left or a send failed; concurrent calls share one run.
   */
  kick(): Promise<void> {
    if (this.stopped || this.retryAt !== undefined) return this.running ?? Promise.resolve();
    if (this.running !== undefined) {
      // One follow-up run for every kick that came meanwhile: what they sealed is sent too.
      this.followUp ??= this.running.then(() => {
        this.followUp = undefined;
        return this.kick();
      });
      return this.followUp;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const ref = this.deps.buffer.sealed(1)[0];
      if (ref === undefined) return;
      const content = this.deps.buffer.read(ref.batch);
      if (content === undefined) continue; // dropped by the cap meanwhile
      const withoutTags = ref.tagEvents > 0 && this.tagEventsPaused();
      this.deps.buffer.pin(ref.batch);
      let outcome;
      try {
        const wire = encodeBatch(
          withoutTags ? { key: content.key, payloads: content.payloads } : content,
          this.opts.agent,
        );
        const { body, gzipped } = await encodeBody(wire, this.opts.gzipLevel);
        outcome = await this.deps.transport.send(body, gzipped);
        if (outcome.kind === 'accepted') this.stats.sentBytes += body.length;
      } finally {
        this.deps.buffer.unpin(ref.batch);
      }
      if (this.stopped && outcome.kind !== 'accepted' && outcome.kind !== 'rejected') return;
      const batchId = wireBatchId(this.opts.agent.id, ref.key);
      switch (outcome.kind) {
        case 'accepted':
          this.deps.buffer.ack(ref.batch);
          this.attempt = 0;
          this.stats.sentBatches += 1;
          this.stats.sentSamples += ref.samples;
          if (withoutTags) this.stats.notKeptTagEvents += ref.tagEvents;
          this.stats.lastForwardTime = this.deps.clock.now();
          break;
        case 'rejected':
          if (outcome.code === TAG_EVENTS_NOT_KEPT && !withoutTags && ref.tagEvents > 0) {
            this.pauseTagEvents(batchId);
            continue; // the same batch again, now without its tag events
          }
          this.deps.buffer.ack(ref.batch);
          this.attempt = 0;
          this.stats.rejectedBatches += 1;
          this.stats.rejectedSamples += ref.samples;
          this.stats.rejectedProbeResults += ref.probeResults;
          this.stats.rejectedTagEvents += ref.tagEvents;
          this.deps.logger.error('forward: the ingest refused a batch; it is dropped and never sent again', {
            batchId,
            status: outcome.status,
            samples: ref.samples,
            probeResults: ref.probeResults,
            tagEvents: ref.tagEvents,
            error: outcome.error,
          });
          break;
        case 'retry': {
          this.stats.failedAttempts += 1;
          const delay = this.backoff();
          this.attempt += 1;
          const log = this.attempt === 1 || this.attempt % 10 === 0 ? 'warn' : 'debug';
          this.deps.logger[log]('forward: sending failed; the batch stays in the buffer and is retried', {
            batchId,
            attempt: this.attempt,
            retryInMs: Math.round(delay),
            reason: outcome.reason,
          });
          this.scheduleRetry(delay);
          return;
        }
      }
    }
  }

  private tagEventsPaused(): boolean {
    if (this.tagEventsPausedUntil === undefined) return false;
    if (monotonicNow(this.deps.clock) < this.tagEventsPausedUntil) return true;
    this.tagEventsPausedUntil = undefined;
    return false;
  }

  private pauseTagEvents(batchId: string): void {
    const pauseMs = this.opts.tagEventsPauseMs ?? DEFAULT_TAG_EVENTS_PAUSE_MS;
    this.tagEventsPausedUntil = monotonicNow(this.deps.clock) + pauseMs;
    // Once per run: after a pause the next refusal says nothing new (the counter keeps counting).
    const log = this.tagEventsRefusalLogged ? 'debug' : 'warn';
    this.tagEventsRefusalLogged = true;
    this.deps.logger[log](
      'forward: the ingest keeps no tag events (its deployment has no assets: section); batches are sent without them, which are counted in pflow_agent_dropped_tag_events_total{reason="not_kept"}',
      { batchId, retryTagEventsInMs: pauseMs },
    );
  }

  /** Full jitter: uniform in [0, min(max, base·2^attempt)]. */
  private backoff(): number {
    const ceiling = Math.min(this.max, this.base * 2 ** Math.min(this.attempt, 30));
    return this.random() * ceiling;
  }

  private scheduleRetry(delay: number): void {
    this.retryAt = monotonicNow(this.deps.clock) + delay;
    this.wakeTimer = this.deps.timers.setTimeout(() => {
      this.wakeTimer = undefined;
      this.retryAt = undefined;
      void this.kick();
    }, delay);
  }

  /** Stops sending: waits for the batch in flight (its answer is still honoured), sends nothing more. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.wakeTimer !== undefined) this.deps.timers.clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    await this.running;
  }
}

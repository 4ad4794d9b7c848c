import { DiskBuffer } from './buffer/disk-buffer.js';
import { Batcher, batchLimits, type SampleSink } from './forward/batcher.js';
import { Forwarder } from './forward/forwarder.js';
import { HttpTransport, type IngestTransport } from './forward/transport.js';
import { scrapeTarget } from './scrape/scraper.js';
import { ScrapeScheduler } from './scrape/scheduler.js';
import { PullServer } from './pull-server.js';
import type { LogDropWriter, LogDropWriterDeps } from './logdrop/log-drop-writer.js';
import { openLogDrop } from './logdrop/open.js';
import { ProbeScheduler } from './probes/scheduler.js';
import { RtlsInputSet } from '../rtls/input-set.js';
import { REJECT_REASONS, type TagEventSink } from '../rtls/input-stats.js';
import { agentProbeDefinitions, toWireProbeResult } from '../domain/agent/agent-probes.js';
import type { AgentConfig } from '../domain/agent/agent-config.js';
import { heartbeatSamples, type RtlsHealth } from '../domain/agent/heartbeat.js';
import type { WireProbeResult } from '../domain/ingest/batch.js';
import type { Clock, Logger, Timers } from '../domain/ports.js';
import type { MetricSample } from '../domain/records.js';
import type { ProbeAttempt } from '../services/run-probe.js';

export const AGENT_VERSION = '0.1.0';

export interface AgentDeps {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Default: HTTPS to ingest.url (tests and benches may pass their own). */
  readonly transport?: IngestTransport;
  /** Default: the config's scrape_configs; tests feed samples through `sink` instead. */
  readonly scrape?: boolean;
  /** Test seam for the kill -9 tests (see DiskBufferOptions.afterHeaderWrite). */
  readonly afterHeaderWrite?: () => void;
  /** Test seams of the log drop writer (default: GET /v1/events next to ingest.url). */
  readonly logDrop?: Partial<Pick<LogDropWriterDeps, 'source' | 'random' | 'midWrite' | 'afterAppend'>>;
  /** Default: the probe registry's prober of each kind. */
  readonly probeAttemptFor?: (kind: string) => ProbeAttempt;
}

/**
 * One agent: scrapes, probes and RTLS inputs into the batcher, the batcher into the disk buffer,
 * and every forward cycle (batch_max_age) the heartbeat is added, aged batches are sealed and the
 * forwarder sends what is sealed. A batch sealed by size is sent at once, without waiting for the
 * cycle.
 */
export class Agent {
  readonly buffer: DiskBuffer;
  readonly batcher: Batcher;
  readonly forwarder: Forwarder | undefined;
  /** Appends the site's alert events to log_drop.path (with a `log_drop:` section). */
  readonly logDrop: LogDropWriter | undefined;
  private readonly transport: IngestTransport | undefined;
  private readonly scheduler: ScrapeScheduler | undefined;
  /** Runs agent.yaml's probes; their results go into the buffer like scraped samples. */
  readonly probes: ProbeScheduler | undefined;
  private readonly pullServer: PullServer | undefined;
  /** The RTLS inputs of `rtls.inputs`; their tag events go into the buffer like samples. */
  readonly rtlsInputs: RtlsInputSet | undefined;
  /** The HTTP RTLS inputs' URLs once started, in config order. */
  rtlsUrls: string[] = [];
  /** Rejections per input already logged, so each cycle logs only what is new. */
  private loggedRejections: number[] = [];
  /** The pull server's URL once started (pull mode). */
  pullUrl: string | undefined;
  private cycleTimer: unknown;
  private syncTimer: unknown;
  private stopped = false;

  constructor(
    readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    // First: a log_drop.path it cannot write refuses the start before anything is opened.
    this.logDrop = openLogDrop(config, {
      ...deps.logDrop,
      clock: deps.clock,
      timers: deps.timers,
      logger: deps.logger,
      env: deps.env,
      userAgent: `pflow-agent/${AGENT_VERSION}`,
    });
    const limits = batchLimits(config.ingest.batchMaxSamples, config.ingest.gzipLevel);
    this.buffer = DiskBuffer.open({
      dir: config.buffer.dir,
      maxBytes: config.buffer.maxBytes,
      fsync: config.buffer.fsync,
      ...limits,
      now: () => deps.clock.now(),
      log: deps.logger,
      ...(deps.afterHeaderWrite !== undefined ? { afterHeaderWrite: deps.afterHeaderWrite } : {}),
    });
    this.batcher = new Batcher(this.buffer, {
      maxBatchSamples: limits.maxBatchSamples,
      maxBatchAgeMs: config.ingest.batchMaxAgeMs,
      maxBatchBytes: limits.maxBatchBytes,
      now: () => deps.clock.now(),
    });
    if (config.ingest.mode === 'push') {
      const { url, token } = config.ingest;
      if (url === undefined || token === undefined) throw new Error('agent: push mode needs ingest.url and token');
      this.transport =
        deps.transport ??
        new HttpTransport({
          url,
          token,
          timeoutMs: config.ingest.timeoutMs,
          ...(config.ingest.caFile !== undefined ? { caFile: config.ingest.caFile } : {}),
          env: deps.env,
          userAgent: `pflow-agent/${AGENT_VERSION}`,
        });
      this.forwarder = new Forwarder(
        { agent: { id: config.agentId, version: AGENT_VERSION }, gzipLevel: config.ingest.gzipLevel },
        { buffer: this.buffer, transport: this.transport, clock: deps.clock, timers: deps.timers, logger: deps.logger },
      );
    }
    if (config.ingest.mode === 'pull' && config.pull !== undefined) {
      this.pullServer = new PullServer({
        buffer: this.buffer,
        agent: { id: config.agentId, version: AGENT_VERSION },
        token: config.pull.token,
        maxBytes: config.pull.maxBytes,
      });
    }
    if (deps.scrape !== false && config.scrapeConfigs.length > 0) {
      this.scheduler = new ScrapeScheduler(config.scrapeConfigs, {
        clock: deps.clock,
        timers: deps.timers,
        logger: deps.logger,
        scrape: (job, target) =>
          scrapeTarget(job, target, { clock: deps.clock, userAgent: `pflow-agent/${AGENT_VERSION}` }),
        onResult: (result) => this.sink.add([...result.samples, ...result.reportSamples]),
      });
    }
    if (config.rtls !== undefined) {
      this.rtlsInputs = new RtlsInputSet(
        config.rtls.inputs.map((settings, index) => ({
          settings,
          sink: this.tagSink,
          setting: `rtls.inputs[${String(index)}]`,
        })),
        { logger: deps.logger, now: () => deps.clock.now() },
      );
    }
    if (config.probes.length > 0) {
      this.probes = new ProbeScheduler(agentProbeDefinitions(config.agentId, config.probes), {
        clock: deps.clock,
        timers: deps.timers,
        logger: deps.logger,
        ...(deps.probeAttemptFor !== undefined ? { attemptFor: deps.probeAttemptFor } : {}),
        onResult: (result) => this.sink.add([], [toWireProbeResult(result)]),
      });
    }
  }

  /** Where collected samples and probe results go; sends at once when that sealed a batch. */
  readonly sink: SampleSink = {
    add: (samples: readonly MetricSample[], probeResults: readonly WireProbeResult[] = []) => {
      if (this.stopped) return;
      this.batcher.add(samples, probeResults);
      if (this.forwarder !== undefined && this.buffer.sealed(1).length > 0) void this.forwarder.kick();
    },
  };

  /**
   * Where the RTLS inputs hand accepted tag events: into the buffer before the input answers its
   * sender (HTTP 200, MQTT acknowledgement), so an event the sender was told is taken is on disk
   * (fdatasynced with `fsync: always`). Throwing makes the input answer 503 / not acknowledge.
   */
  readonly tagSink: TagEventSink = async (events) => {
    if (this.stopped) throw new Error('the agent is stopping');
    if (!this.batcher.addTagEvents(events)) throw new Error('the disk buffer refused them (see the agent log)');
    if (this.forwarder !== undefined && this.buffer.sealed(1).length > 0) void this.forwarder.kick();
  };

  async start(): Promise<void> {
    if (this.rtlsInputs !== undefined) this.rtlsUrls = await this.rtlsInputs.start();
    if (this.pullServer !== undefined && this.config.pull !== undefined) {
      const at = this.config.pull.listen.lastIndexOf(':');
      const host = this.config.pull.listen.slice(0, at).replace(/^\[|\]$/g, '');
      this.pullUrl = await this.pullServer.listen(host, Number(this.config.pull.listen.slice(at + 1)));
    }
    this.probes?.start();
    this.scheduler?.start();
    this.logDrop?.start();
    this.cycle();
    if (this.config.buffer.fsync === 'interval') this.armSync();
  }

  /** One forward cycle: heartbeat in, aged batch sealed, sealed batches sent. */
  cycle(): void {
    if (this.stopped) return;
    this.logRejections();
    this.batcher.add(heartbeatSamples(this.health(), this.deps.clock.now()));
    this.batcher.tick();
    if (this.forwarder !== undefined) void this.forwarder.kick();
    this.cycleTimer = this.deps.timers.setTimeout(() => this.cycle(), this.config.ingest.batchMaxAgeMs);
  }

  /** Once per cycle: what the RTLS inputs refused since the last one, with the newest reason. */
  private logRejections(): void {
    for (const snapshot of this.rtlsInputs?.snapshots() ?? []) {
      let total = 0;
      for (const count of Object.values(snapshot.rejected)) total += count;
      const before = this.loggedRejections[snapshot.input] ?? 0;
      if (total === before) continue;
      this.loggedRejections[snapshot.input] = total;
      const last = snapshot.lastRejections.at(-1);
      this.deps.logger.warn('rtls input refused messages or events; they are counted and not forwarded', {
        input: `rtls.inputs[${String(snapshot.input)}]`,
        kind: snapshot.kind,
        refused: total - before,
        byReason: snapshot.rejected,
        ...(last !== undefined && { last: `${last.reason}: ${last.error}` }),
      });
    }
  }

  private armSync(): void {
    this.syncTimer = this.deps.timers.setTimeout(() => {
      if (this.stopped) return;
      try {
        this.buffer.sync();
      } catch (error) {
        this.deps.logger.error('buffer: fsync failed', { message: (error as Error).message });
      }
      this.armSync();
    }, this.config.buffer.fsyncIntervalMs);
  }

  health() {
    const stats = this.buffer.stats();
    const sent = this.forwarder?.counters;
    return {
      agentId: this.config.agentId,
      version: AGENT_VERSION,
      bufferBytes: stats.pendingBytes,
      bufferBatches: stats.pendingBatches,
      oldestTime: stats.oldestTime,
      droppedBatches: stats.droppedBatches + (sent?.rejectedBatches ?? 0),
      droppedSamples: stats.droppedSamples + stats.refusedSamples + (sent?.rejectedSamples ?? 0),
      rejectedBatches: sent?.rejectedBatches ?? 0,
      scrapeErrors: this.scheduler?.scrapeErrorsTotal ?? 0,
      lastForwardTime: sent?.lastForwardTime,
      ...(this.logDrop !== undefined
        ? { logDrop: { events: this.logDrop.counters.written, failing: this.logDrop.failing } }
        : {}),
      ...(this.rtlsInputs !== undefined ? { rtls: this.rtlsHealth(this.rtlsInputs) } : {}),
    };
  }

  private rtlsHealth(inputs: RtlsInputSet): RtlsHealth {
    const stats = this.buffer.stats();
    return {
      droppedTagEvents: {
        buffer: stats.droppedTagEvents + stats.refusedTagEvents,
        rejected: this.forwarder?.counters.rejectedTagEvents ?? 0,
        not_kept: this.forwarder?.counters.notKeptTagEvents ?? 0,
      },
      inputs: inputs.snapshots().map((snapshot) => ({
        input: snapshot.input,
        kind: snapshot.kind,
        ...(snapshot.connected !== undefined && { connected: snapshot.connected }),
        messages: snapshot.messages,
        accepted: snapshot.accepted,
        // Every reason, 0 included, so a rate over the counter works from the first heartbeat.
        rejected: Object.fromEntries(REJECT_REASONS.map((reason) => [reason, snapshot.rejected[reason] ?? 0])),
      })),
    };
  }

  /**
   * Stops cleanly (SIGTERM): no more scrapes, the open batch sealed, the send in flight answered
   * (its acknowledgement recorded), the buffer fsynced and closed. Whatever was not sent is
   * replayed at the next start.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    // The inputs first: what they are taking now still goes into the buffer before it closes.
    await Promise.all([this.scheduler?.stop(), this.probes?.stop(), this.rtlsInputs?.stop()]);
    this.stopped = true;
    this.deps.timers.clearTimeout(this.cycleTimer);
    this.deps.timers.clearTimeout(this.syncTimer);
    this.batcher.flush();
    await this.forwarder?.stop();
    await this.logDrop?.stop();
    await this.transport?.close();
    await this.pullServer?.close();
    this.buffer.close();
  }
}

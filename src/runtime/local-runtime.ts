import { dashboardLinkBase, type DashboardLinkBase } from '../domain/rules/dashboard-links.js';
import { join, resolve } from 'node:path';
import { AlertStateCache } from '../adapters/local/alert-state-cache.js';
import { InProcessEventBus } from '../adapters/local/in-process-bus.js';
import { deliveryDatabasePath, SqliteDelivery } from '../adapters/local/sqlite-delivery.js';
import { SqliteStore } from '../adapters/local/sqlite-store.js';
import { openDatabase, type SqliteDatabase } from '../adapters/local/sqlite.js';
import { WriteBuffer } from '../adapters/local/write-buffer.js';
import { createChannelSender } from '../channels/registry.js';
import type { AlertEvent } from '../domain/alerts/event.js';
import { agentHoldBackFor } from '../domain/agent/hold-back.js';
import { siteTimezones, type DeploymentConfig } from '../domain/config/model.js';
import { systemTimers, type ChannelSender, type Clock, type Logger } from '../domain/ports.js';
import { NotificationDispatcher } from '../delivery/dispatcher.js';
import { keepAliveFetch } from '../delivery/keep-alive-fetch.js';
import { DeliveryFailedAlerts } from '../services/delivery-failed-alerts.js';
import { runRuleGroup } from '../services/run-rule-group.js';
import { SqliteConsoleQueries } from '../adapters/local/sqlite-console.js';
import { INGEST_BATCH_KEEP_MS, SqliteIngestStore } from '../adapters/local/sqlite-ingest.js';
import { DirectoryLogDropReader } from '../channels/logdrop/directory-reader.js';
import { logDropRoot } from '../channels/logdrop/logdrop.js';
import type { LogDropSettings } from '../channels/logdrop/settings.js';
import { IngestService } from '../ingest/ingest-service.js';
import type { AlertEventFeed } from '../ingest/ports.js';
import { ingestRoutes } from './ingest-routes.js';
import { ApiServer } from './api-server.js';
import { LocalAssets } from './local-assets.js';
import { ConsoleApi } from './console-api.js';
import { ConsoleAssets } from './console-assets.js';
import { ClockWatch } from './clock-watch.js';
import { randomBytes } from 'node:crypto';
import { SqliteLifecycleStore } from '../adapters/local/sqlite-lifecycle.js';
import { SilenceService } from '../services/silences.js';
import { ensureApiToken } from './api-token.js';
import { silenceActions, silenceRoutes } from './silence-routes.js';
import { escalationOf } from '../domain/routing/route.js';
import { AckService } from '../services/acknowledge.js';
import type { AckAuditRecord } from '../domain/lifecycle/ack.js';
import { whoIsOnCallWith } from '../domain/lifecycle/oncall-override.js';
import { SqliteOnCallStore } from '../adapters/local/sqlite-oncall.js';
import { childRulesByParent } from '../domain/lifecycle/depends-on.js';
import type { AlertInstanceState } from '../domain/rules/types.js';
import { ackActions, ackLinkMaker, ackRoutes, type AckLinkSettings } from './ack-routes.js';
import { DemoTarget } from './demo-target.js';
import { presentHealth } from './health.js';
import { OutboxRelay } from './outbox-relay.js';
import { createProbeRunner, type ProbeIsolation, type ProbeRunner } from './probe-runner.js';
import { localMetricStore } from './metric-backend.js';
import { LiveReadModel } from './read-model.js';
import { IntervalScheduler } from './scheduler.js';
import { StoreHealth } from './store-health.js';
import { ReportScheduler } from './report-scheduler.js';
import { SqliteReportReads } from '../adapters/local/sqlite-report-reads.js';
import { DailyReportService } from '../services/daily-report.js';

export interface LocalRuntimeDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where the console channel writes. */
  readonly stdout: (line: string) => void;
  /**
   * Where probes run. Default `worker`: a thread of their own, so the store's and the API's work
   * cannot delay their timings. `in-process` shares the main loop (tests with an injected clock).
   */
  readonly probeIsolation?: ProbeIsolation;
  /** How long the store must fail before its alert fires; default 10 s. */
  readonly storeAlertAfterMs?: number;
  /**
   * A Grafana beside this runtime (PFLOW_GRAFANA_URL): alerts link to its dashboards. Without it
   * they link to this runtime's console.
   */
  readonly grafanaUrl?: string;
}

export interface LocalRuntimeUrls {
  readonly api: string;
  readonly demoTarget?: string;
  /** The RTLS HTTP inputs of `assets.inputs`. */
  readonly rtlsInputs?: readonly string[];
  readonly dataDir: string;
  readonly database: string;
}

const RETENTION_EVERY_MS = 10 * 60_000;
/** How long the notification log remembers a delivery: far longer than any retry can arrive. */
const NOTIFICATION_LOG_KEEP_MS = 30 * 86_400_000;
const QUEUE_DRAIN_EVERY_MS = 5_000;
/** How often staged events the delivery pipeline could not take are offered to it again. */
const OUTBOX_SWEEP_EVERY_MS = 60_000;
/** /api/health reports `degraded` this long after a wall-clock jump: results around it carry shifted times. */
const CLOCK_JUMP_DEGRADED_MS = 10 * 60_000;
/**
 * better-sqlite3 is synchronous: a busy timeout would hold the whole event loop (probes, API,
 * deliveries) while another process holds the database. So the store never waits for a lock; the
 * write buffer and the alert-state cache keep what they could not write and retry on a timer.
 */
const STORE_BUSY_TIMEOUT_MS = 0;
const STORE_HEALTH_EVERY_MS = 1_000;
/**
 * delivery.db gets a short wait rather than none or 2 s. Its only other writer is `pflow notify
 * dead-letters --retry`, one transaction of a few milliseconds, which 50 ms rides over without
 * an error. A longer lock (say, an sqlite3 shell holding a transaction) stalls the loop at most
 * 50 ms per write, not 2 s: the write then fails, the dispatcher logs the failing port and leaves
 * the event in the outbox (pflow.db), and the outbox sweep offers it again a minute later.
 */
const DELIVERY_BUSY_TIMEOUT_MS = 50;

/**
 * The whole monitoring loop on one machine: the same services the Lambdas run, composed with
 * the local adapters — SQLite for series and alert state, an in-process bus for SNS, the
 * filesystem for the log drop — and a scheduler in place of EventBridge Scheduler.
 */
export class LocalRuntime {
  private readonly scheduler: IntervalScheduler;
  private readonly clockWatch: ClockWatch;
  private readonly probes: ProbeRunner;
  private readonly db: SqliteDatabase;
  private readonly store: SqliteStore;
  private readonly buffer: WriteBuffer;
  /** Agent tokens and the batches each site stored (the ingest API). */
  readonly ingest: SqliteIngestStore;
  private readonly states: AlertStateCache;
  private readonly storeHealth: StoreHealth;
  private readonly delivery: SqliteDelivery;
  private readonly consoleQueries: SqliteConsoleQueries;
  /** Run-time silences and acknowledgements (pflow.db, component `lifecycle`). */
  readonly lifecycle: SqliteLifecycleStore;
  readonly silences: SilenceService;
  /** On-call schedules (seeded from the config) and run-time overrides (pflow.db, component `oncall`). */
  readonly oncall: SqliteOnCallStore;
  readonly acks: AckService;
  /** The API's URL once listening: the default origin of Acknowledge links. */
  private apiUrl?: string;
  private readonly dispatcher: NotificationDispatcher;
  private readonly relay: OutboxRelay;
  private readonly failureAlerts: DeliveryFailedAlerts;
  private readonly senders = new Map<string, ChannelSender>();
  private readonly api: ApiServer;
  private readonly demoTarget?: DemoTarget;
  /** RF-ID assets and patient flow, when the config has an `assets:` section. */
  readonly assets?: LocalAssets;
  /** Daily reports, when the config has a `reports:` section. */
  private reports?: ReportScheduler;
  private readonly dispatches = new Set<Promise<void>>();
  /** When the probes were scheduled: rules judge a lack of data only after their probes had time to report. */
  private probingSince?: number;
  /** One keep-alive HTTP client for every webhook-style channel (Node 20's fetch is several times slower here). */
  private readonly fetch = keepAliveFetch();
  readonly dataDir: string;
  /** Set once start() got everything running; a start that failed stops without delivery talk. */
  private running = false;
  /** stop() runs once; a second call (a test's cleanup after its own stop) waits for the first. */
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly config: DeploymentConfig,
    private readonly deps: LocalRuntimeDeps,
  ) {
    const { clock, logger } = deps;
    this.dataDir = resolve(config.local.dataDir);
    this.db = openDatabase(join(this.dataDir, 'pflow.db'), { busyTimeoutMs: STORE_BUSY_TIMEOUT_MS });
    this.store = new SqliteStore({ database: this.db, clock, retentionMs: config.storage.retentionMs });
    const metrics = localMetricStore(config.storage.metrics, this.store, logger);
    this.buffer = new WriteBuffer({ store: metrics, logger, clock });
    this.ingest = new SqliteIngestStore(this.db);
    this.states = new AlertStateCache(this.store, { clock, logger });
    this.delivery = SqliteDelivery.open(deliveryDatabasePath(this.dataDir), {
      busyTimeoutMs: DELIVERY_BUSY_TIMEOUT_MS,
    });
    this.consoleQueries = new SqliteConsoleQueries(this.db, this.delivery.db);
    // The ack update commits with the acknowledgement, into the alert outbox of the same file.
    this.lifecycle = new SqliteLifecycleStore(this.db, this.store.outbox);
    this.silences = new SilenceService(this.lifecycle, clock, newSilenceId);
    const silences = () => [...config.silences, ...this.silences.active()];
    this.oncall = new SqliteOnCallStore(this.db);
    this.oncall.seedSchedules(config.oncall ?? [], clock.now());

    const timezoneFor = siteTimezones(config.sites);
    const ackLinkSettings = (): AckLinkSettings | undefined => {
      const ack = config.acknowledge;
      const baseUrl = ack?.linkBaseUrl ?? this.apiUrl;
      if (ack?.linkKey === undefined || baseUrl === undefined) return undefined;
      return { key: ack.linkKey, baseUrl, ttlMs: ack.linkTtlMs };
    };
    const ackLinkFor = (event: AlertEvent) => {
      const settings = ackLinkSettings();
      return settings === undefined ? undefined : ackLinkMaker(settings, clock)(event);
    };
    for (const channel of config.channels) {
      this.senders.set(
        channel.id,
        createChannelSender(channel, {
          clock,
          logger,
          dataDir: this.dataDir,
          timezoneFor,
          stdout: deps.stdout,
          fetch: this.fetch,
          ackLinkFor,
          // At send time, with the overrides `pflow oncall override` wrote to pflow.db meanwhile.
          onCall: (team) => {
            const schedule = config.oncall?.find((candidate) => candidate.team === team);
            return schedule === undefined
              ? undefined
              : whoIsOnCallWith(schedule, this.oncall.teamOnCall(team), clock.now()).member;
          },
        }),
      );
    }
    const bus = new InProcessEventBus(logger);
    // The delivery-failed alert is stored and published like a rule's (state, history, outbox).
    this.failureAlerts = new DeliveryFailedAlerts({ states: this.states, history: this.buffer, bus, clock, logger });
    this.dispatcher = new NotificationDispatcher({
      routes: config.routes,
      channels: config.channels,
      senders: this.senders,
      delivery: config.delivery,
      queue: this.delivery.queue,
      log: this.delivery.log,
      deadLetters: this.delivery.deadLetters,
      clock,
      logger,
      onSettled: (eventIds) => void this.store.outbox.settle(eventIds),
      failureAlerts: this.failureAlerts,
    });
    this.relay = new OutboxRelay({
      outbox: this.store.outbox,
      dispatch: (events) => this.dispatcher.dispatch(events),
      inHand: (eventId) => this.dispatcher.isUnsettled(eventId),
      logger,
    });

    // Like SNS, publishing returns once the event is accepted: deliveries (and their retries) go on
    // without holding up the next evaluation; stop() waits for them.
    bus.subscribe(async (events) => {
      const dispatch = this.stageThenDispatch(events)
        .catch((error: unknown) => logger.error('dispatch failed', { error: String(error) }))
        .finally(() => this.dispatches.delete(dispatch));
      this.dispatches.add(dispatch);
    });

    this.clockWatch = new ClockWatch(clock, logger);
    this.scheduler = new IntervalScheduler(clock, logger, systemTimers, () => this.clockWatch.check());
    this.probes = createProbeRunner(deps.probeIsolation ?? 'worker', config.probes, {
      clock,
      logger,
      onResult: (result) => {
        if (!result.success) {
          logger.debug('probe failed', {
            probe: result.probe,
            reason: result.failure?.reason,
            message: result.failure?.message,
          });
        }
        void this.buffer.writeProbeResults([result]);
      },
    });
    const parentRules = new Set(
      config.ruleGroups.flatMap((group) => group.rules.flatMap((rule) => rule.dependsOn ?? [])),
    );
    const heldBack = {
      childRules: childRulesByParent(config.ruleGroups.flatMap((group) => group.rules)),
      states: () => this.states.listAlertStates(),
    };
    const holdBack = agentHoldBackFor(config);
    // Checked now: a bad PFLOW_GRAFANA_URL stops the start, it does not break every alert.
    const grafanaLinks = deps.grafanaUrl === undefined ? undefined : dashboardLinkBase('grafana', deps.grafanaUrl);
    // The console's origin is known once the API listens; the ack links' public origin wins when set.
    const dashboardLinks = (): DashboardLinkBase | undefined => {
      if (grafanaLinks) return grafanaLinks;
      const base = config.acknowledge?.linkBaseUrl ?? this.apiUrl;
      return base === undefined ? undefined : dashboardLinkBase('console', base);
    };
    for (const group of config.ruleGroups) {
      this.scheduler.add({
        name: `rules:${group.name}`,
        intervalMs: group.intervalMs,
        // Give the probes one interval to report first, so a fresh start raises no spurious no-data alert.
        initialDelayMs: group.intervalMs,
        run: async () => {
          await runRuleGroup(group, {
            // Reading through the buffer flushes it first, so rules see every result probes just wrote.
            metrics: this.buffer,
            states: this.states,
            bus,
            clock,
            logger,
            silences,
            maintenanceWindows: () => config.maintenanceWindows,
            acks: () => this.lifecycle.currentAcks(),
            escalationFor: (event) => escalationOf(event, config.routes),
            parentsFiring: () => parentsFiring(this.states.listAlertStates(), parentRules),
            heldBack,
            watchingSince: () => this.probingSince,
            dashboardLinks,
            ...(holdBack && { agentHoldBack: holdBack }),
          });
        },
      });
    }
    this.storeHealth = new StoreHealth({
      store: 'pflow.db',
      sources: () => [this.buffer.stats(), this.states.stats()],
      pending: () =>
        Object.values(this.buffer.stats().pending).reduce((sum, n) => sum + n, 0) + this.states.stats().unsaved,
      clock,
      logger,
      raise: async (events) => {
        await this.buffer.writeAlertEvents(events);
        await bus.publish(events);
      },
      ...(deps.storeAlertAfterMs !== undefined && { raiseAfterMs: deps.storeAlertAfterMs }),
    });
    this.scheduler.add({
      name: 'store-health',
      intervalMs: STORE_HEALTH_EVERY_MS,
      run: () => this.storeHealth.check(),
    });
    this.scheduler.add({
      name: 'retention',
      intervalMs: RETENTION_EVERY_MS,
      run: async () => {
        const report = this.store.applyRetention();
        this.lifecycle.pruneSilences(report.cutoff);
        this.oncall.pruneOverrides(report.cutoff);
        this.consoleQueries.applyRetention(report.cutoff);
        this.ingest.pruneBatches(clock.now() - INGEST_BATCH_KEEP_MS);
        const pruned = await this.delivery.log.prune(clock.now() - NOTIFICATION_LOG_KEEP_MS);
        logger.debug('retention applied', { ...report, notificationLogPruned: pruned });
      },
    });
    // Never slower than the configured queue retry interval, or retries would come late.
    const drainEveryMs = Math.min(QUEUE_DRAIN_EVERY_MS, config.delivery.queueRetryMs);
    this.scheduler.add({
      name: 'delivery-queue',
      intervalMs: drainEveryMs,
      initialDelayMs: drainEveryMs,
      run: async () => {
        await this.dispatcher.drainQueue();
      },
    });
    this.scheduler.add({
      name: 'outbox-sweep',
      intervalMs: OUTBOX_SWEEP_EVERY_MS,
      initialDelayMs: OUTBOX_SWEEP_EVERY_MS,
      run: async () => {
        await this.relay.sweep();
      },
    });

    if (config.assets) {
      this.assets = new LocalAssets(config.assets, {
        db: this.db,
        clock,
        logger,
        writeSamples: (samples) => this.buffer.writeMetricSamples(samples),
        retentionMs: config.storage.retentionMs,
      });
      for (const task of this.assets.tasks()) this.scheduler.add(task);
    }
    if (config.reports && config.reports.length > 0) {
      const service = new DailyReportService({
        config,
        reads: new SqliteReportReads(this.store, this.consoleQueries, this.lifecycle),
        clock,
        ...(this.assets && { assets: this.assets.service }),
      });
      this.reports = new ReportScheduler({
        config,
        service,
        dispatch: (notifications) => this.dispatcher.dispatchReports(notifications),
        log: this.delivery.log,
        clock,
        logger,
      });
    }
    // An agent's batch goes straight to the store, not through the write buffer: its 200 must
    // mean written, and a store that cannot write must answer 503 so the agent keeps the batch.
    const assets = this.assets;
    const ingestService = new IngestService({
      ledger: this.ingest,
      sink: {
        writeMetricSamples: (samples) => metrics.writeMetricSamples(samples),
        writeProbeResults: (results) => metrics.writeProbeResults(results),
        ...(assets && { writeTagEvents: async (site, events) => void assets.ingest(site, events) }),
      },
      clock,
      logger,
    });
    const readModel = new LiveReadModel(this.store, this.buffer, this.states);
    const consoleApi = new ConsoleApi({ config, queries: this.consoleQueries, readModel, clock, silences });
    const apiToken = ensureApiToken(this.dataDir);
    this.acks = new AckService({
      store: this.lifecycle,
      states: () => this.states.listAlertStates(),
      rules: new Map(config.ruleGroups.flatMap((group) => group.rules.map((rule) => [rule.id, rule] as const))),
      publish: (events) => bus.publish(events),
      clock,
      logger,
    });

    const consoleAssets = new ConsoleAssets();
    this.api = new ApiServer(
      config.local.apiListen,
      readModel,
      () => presentHealth(this.health()),
      [
        (url) => consoleApi.handle(url),
        (url) => consoleAssets.handle(url),
        ...(this.assets ? [this.assets.routes()] : []),
        silenceRoutes(this.silences, clock),
        (url) =>
          ackRoutes(this.acks, (alert) => this.lifecycle.audit(alert).map(presentAudit), ackLinkSettings(), clock)(url),
      ],
      [ingestRoutes({ tokens: this.ingest, service: ingestService, events: this.logDropFeed(), logger })],
      [
        silenceActions(this.silences, clock, apiToken),
        (request) => ackActions(this.acks, ackLinkSettings(), clock, apiToken)(request),
      ],
    );
    if (config.local.demoTarget) this.demoTarget = new DemoTarget(config.local.demoTarget, clock);
  }

  /** The first directory log drop channel, read back for the agents' `GET /v1/events`. */
  private logDropFeed(): AlertEventFeed | undefined {
    for (const channel of this.config.channels) {
      const settings = channel.settings as LogDropSettings;
      if (channel.kind === 'logdrop' && settings.target === 'directory') {
        return new DirectoryLogDropReader(logDropRoot(settings, this.dataDir));
      }
    }
    return undefined;
  }

  /**
   * The outbox rule: a notification's first attempt starts only once it is committed with its
   * alert state (see AlertStateCache for what happens while the database cannot be written).
   */
  private async stageThenDispatch(events: readonly AlertEvent[]): Promise<void> {
    if (!(await this.states.commitAnnouncements())) {
      this.deps.logger.warn('store unavailable: notifications are sent from memory and enter the outbox later', {
        notifications: events.length,
      });
    }
    await this.dispatcher.dispatch(events);
  }

  /** What /api/health shows. */
  health() {
    return {
      status:
        this.clockWatch.jumpedWithin(CLOCK_JUMP_DEGRADED_MS) || this.storeHealth.stats().status !== 'ok'
          ? 'degraded'
          : 'ok',
      clock: this.clockWatch.stats(),
      store: { ...this.storeHealth.stats(), unsavedAlertStates: this.states.stats().unsaved },
      tasks: { ...this.probes.stats().tasks, ...this.scheduler.stats() },
      probeRunner: (({ tasks: _tasks, ...runner }) => runner)(this.probes.stats()),
      storeBuffer: this.buffer.stats(),
      delivery: { ...this.dispatcher.stats, backlog: this.deliveryBacklog() },
      ...(this.assets && { assets: this.assets.health() }),
    };
  }

  /**
   * Where undelivered notifications are: sending now, committed but not yet settled (the outbox),
   * waiting for a retry, given up. Null for a count the database would not give (locked, closed).
   */
  private deliveryBacklog() {
    const read = <T>(count: () => T): T | null => {
      try {
        return count();
      } catch {
        return null;
      }
    };
    const queue = read(() => this.delivery.backlog());
    return {
      sendsInFlight: this.dispatcher.sendsInFlight,
      outbox: read(() => this.store.outbox.sizeNow()),
      retryQueue: queue?.retryQueue ?? null,
      deadLetters: queue?.deadLetters ?? null,
    };
  }

  async start(): Promise<LocalRuntimeUrls> {
    const demoTarget = this.demoTarget ? await this.demoTarget.start() : undefined;
    const api = await this.api.start();
    this.apiUrl = api;
    await this.recoverDeliveries();
    const rtlsInputs = (await this.assets?.start()) ?? [];
    await this.probes.start();
    this.probingSince = this.deps.clock.now();
    this.scheduler.start();
    await this.reports?.start();
    this.running = true;
    return {
      api,
      dataDir: this.dataDir,
      database: join(this.dataDir, 'pflow.db'),
      ...(demoTarget ? { demoTarget } : {}),
      ...(rtlsInputs.length > 0 && { rtlsInputs }),
    };
  }

  /**
   * What a crash or a hard stop left undelivered goes out first: dead letters whose alert was not
   * raised, events still in the outbox, and the retry queue (drained at once, not 5 s later).
   */
  private async recoverDeliveries(): Promise<void> {
    const raised = await this.failureAlerts.reconcile(await this.delivery.deadLetters.list());
    if (raised > 0) this.deps.logger.warn('raised delivery-failed alerts missing for dead letters', { raised });
    await this.relay.replay();
    void this.dispatcher
      .drainQueue()
      .catch((error: unknown) => this.deps.logger.error('delivery queue drain failed', { error: String(error) }));
  }

  /**
   * Stops probing and evaluating and starts no new delivery attempt: sends in flight get the
   * configured grace, then everything undelivered is in the durable queue (or still in the
   * outbox). Then flushes the store and closes files.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    const { logger } = this.deps;
    const graceMs = this.config.local.shutdownGraceMs;
    const running = this.running;
    if (running)
      logger.info('stopping: no new probes, evaluations or delivery attempts', {
        sendsInFlight: this.dispatcher.sendsInFlight,
        graceSeconds: graceMs / 1000,
      });
    const [handOver] = await Promise.all([
      this.dispatcher.shutdown(graceMs),
      this.probes.stop(),
      this.scheduler.stop(),
      this.reports?.stop(),
    ]);
    await Promise.allSettled([...this.dispatches]);
    if (running)
      logger.info('deliveries stopped; what is undelivered is sent at the next start', {
        ...handOver,
        retryQueue: await this.delivery.queue.size(),
        outbox: await this.store.outbox.size(),
      });
    const report = await this.buffer.close({ deadlineMs: 5_000 });
    const unsavedStates = await this.states.flush();
    await this.api.stop();
    await this.assets?.stop();
    await this.demoTarget?.stop();
    await Promise.allSettled([...this.senders.values()].map((sender) => sender.close?.()));
    this.fetch.close();
    this.delivery.close();
    this.store.close();
    this.db.close();
    const unwritten = Object.values(report.unwritten).reduce((sum, n) => sum + n, 0);
    if (unwritten > 0)
      this.deps.logger.error('store flush at shutdown left records unwritten', { ...report.unwritten });
    if (unsavedStates > 0)
      this.deps.logger.error('store flush at shutdown left alert states unsaved', { unsaved: unsavedStates });
  }

  /**
   * A second stop signal: exit now without waiting for anything. Safe because every notification
   * is already durable (outbox, retry queue or notification log); this writes what the log and
   * the outbox are batching and closes the files. Probe results still buffered are not written.
   */
  abort(): void {
    this.delivery.close();
    this.store.close();
    if (this.db.open) this.db.close();
  }
}

function presentAudit(record: AckAuditRecord) {
  return {
    ...record,
    at: new Date(record.at).toISOString(),
    incarnation: new Date(record.incarnation).toISOString(),
    ...(record.expiresAt !== undefined && { expiresAt: new Date(record.expiresAt).toISOString() }),
  };
}

/** `rule|site` of the parent rules' alerts that fire now. */
function parentsFiring(states: readonly AlertInstanceState[], parents: ReadonlySet<string>): ReadonlySet<string> {
  const firing = new Set<string>();
  if (parents.size === 0) return firing;
  for (const state of states)
    if (state.state === 'firing' && parents.has(state.ruleId)) firing.add(`${state.ruleId}|${state.site}`);
  return firing;
}

function newSilenceId(): string {
  return `sil-${randomBytes(6).toString('hex')}`;
}

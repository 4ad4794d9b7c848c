import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProbeDefinition } from '../domain/config/model.js';
import type { ProbeResult } from '../domain/probe-result.js';
import type { Clock, Logger } from '../domain/ports.js';
import { RUNNER_LATE_THRESHOLD_MS } from '../services/run-probe.js';
import { LoopStallMonitor } from './loop-stall.js';
import type { FromProbeWorker, ProbeWorkerData, ToProbeWorker } from './probe-worker.js';
import { probeTasks, type ProbeRunReport } from './probe-tasks.js';
import { IntervalScheduler, type TaskStats } from './scheduler.js';

/** Where the local runtime runs its probes. */
export type ProbeIsolation = 'worker' | 'in-process';

/** The runner's own lateness, counted apart from any target's figures. */
export interface RunnerLateStats {
  /** Runs that started later than the threshold after their slot. */
  startedLate: number;
  /** Attempts during which the runner's loop stalled past the threshold. */
  stalled: number;
  /** Stalled attempts run again. */
  retried: number;
  /** Timeouts not stored as the target's failure, because the runner was stalled while waiting. */
  discarded: number;
  maxLateMs: number;
}

export interface ProbeRunnerStats {
  readonly isolation: ProbeIsolation;
  readonly tasks: Record<string, Readonly<TaskStats>>;
  readonly runnerLate: Readonly<RunnerLateStats>;
  /** Times the probe worker was started again after it died. */
  readonly workerRestarts?: number;
}

export interface ProbeRunnerDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Takes each result to store, on the runtime's thread. */
  readonly onResult: (result: ProbeResult) => void;
}

export interface ProbeRunner {
  /** Resolves once probes are scheduled; rejects when the runner cannot start. */
  start(): Promise<void>;
  /** Stops scheduling; runs in flight finish and their results reach onResult before this resolves. */
  stop(): Promise<void>;
  stats(): ProbeRunnerStats;
}

export function createProbeRunner(
  isolation: ProbeIsolation,
  probes: readonly ProbeDefinition[],
  deps: ProbeRunnerDeps,
): ProbeRunner {
  return isolation === 'worker' ? new WorkerProbeRunner(probes, deps) : new InProcessProbeRunner(probes, deps);
}

/** How often a summary of the runner's lateness may be logged while it goes on. */
const LATE_LOG_EVERY_MS = 10_000;

/**
 * Counts the runner's lateness from each run's report and says so in the log: the first time at
 * once, then at most one summary per 10 s, so a runner that stays late cannot flood the log.
 */
class RunnerLateAccount {
  readonly stats: RunnerLateStats = { startedLate: 0, stalled: 0, retried: 0, discarded: 0, maxLateMs: 0 };
  private sinceLog: RunnerLateStats = { startedLate: 0, stalled: 0, retried: 0, discarded: 0, maxLateMs: 0 };
  private lastLogAt: number | undefined;

  constructor(private readonly logger: Logger) {}

  record(run: ProbeRunReport): void {
    const startedLate = run.startLateMs > RUNNER_LATE_THRESHOLD_MS ? 1 : 0;
    const stalled = run.stalledMs > RUNNER_LATE_THRESHOLD_MS ? 1 : 0;
    const retried = run.retried ? 1 : 0;
    const discarded = run.discarded ? 1 : 0;
    if (startedLate + stalled + retried + discarded === 0) return;
    const lateMs = Math.round(Math.max(run.startLateMs, run.stalledMs));
    for (const account of [this.stats, this.sinceLog]) {
      account.startedLate += startedLate;
      account.stalled += stalled;
      account.retried += retried;
      account.discarded += discarded;
      account.maxLateMs = Math.max(account.maxLateMs, lateMs);
    }
    if (run.discarded) {
      this.logger.debug('probe timed out while its runner was stalled; not recorded as the target failing', {
        task: run.task,
        stalledMs: Math.round(run.stalledMs),
        message: run.discarded.message,
      });
    }
    const now = performance.now();
    if (this.lastLogAt !== undefined && now - this.lastLogAt < LATE_LOG_EVERY_MS) return;
    this.lastLogAt = now;
    this.logger.warn('probe runner late: its own delay, not the targets’; recorded apart from their results', {
      ...this.sinceLog,
      thresholdMs: RUNNER_LATE_THRESHOLD_MS,
    });
    this.sinceLog = { startedLate: 0, stalled: 0, retried: 0, discarded: 0, maxLateMs: 0 };
  }
}

/**
 * Runs probes on the runtime's own event loop, sharing it with the store and the API: their work
 * delays the probes (the runner then reports itself late and discards the timeouts it caused). For
 * tests with an injected clock, and for comparison in the probe-timing benchmark.
 */
export class InProcessProbeRunner implements ProbeRunner {
  private readonly scheduler: IntervalScheduler;
  private readonly lag = new LoopStallMonitor();
  private readonly late: RunnerLateAccount;

  constructor(probes: readonly ProbeDefinition[], deps: ProbeRunnerDeps) {
    this.late = new RunnerLateAccount(deps.logger);
    this.scheduler = new IntervalScheduler(deps.clock, deps.logger);
    for (const task of probeTasks(probes, deps.clock, this.lag, (run) => {
      this.late.record(run);
      if (run.result) deps.onResult(run.result);
    })) {
      this.scheduler.add(task);
    }
  }

  async start(): Promise<void> {
    this.lag.start();
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    this.lag.stop();
  }

  stats(): ProbeRunnerStats {
    return { isolation: 'in-process', tasks: this.scheduler.stats(), runnerLate: { ...this.late.stats } };
  }
}

/** Restart delay for a probe worker that died: soon, but not in a tight loop if it dies at once. */
const RESTART_DELAY_MS = 1_000;
/** How long stop() waits for the worker's runs in flight before terminating it. */
const STOP_DEADLINE_MS = 15_000;

/**
 * Runs probes in a worker thread that does nothing else (see probe-worker.ts); results come back
 * as messages and are handed to onResult on the runtime's thread. Timings are taken on the worker's
 * own loop, so the store's and the API's work on the main thread can delay a result's write, never
 * its measurement.
 */
export class WorkerProbeRunner implements ProbeRunner {
  private worker: Worker | undefined;
  private stopping = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private tasks: Record<string, Readonly<TaskStats>> = {};
  private readonly late: RunnerLateAccount;

  constructor(
    private readonly probes: readonly ProbeDefinition[],
    private readonly deps: ProbeRunnerDeps,
    /** Starts the thread; tests wrap it to get hold of the worker. */
    private readonly startWorker: (data: ProbeWorkerData) => Worker = startProbeWorker,
  ) {
    this.late = new RunnerLateAccount(deps.logger);
  }

  async start(): Promise<void> {
    this.stopping = false;
    if (this.probes.length === 0) return;
    const worker = this.spawn();
    // The runtime's rules start after this: waiting for the worker's schedule keeps a fresh start
    // free of spurious no-data alerts, and a worker that cannot even load fails the start loudly.
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromProbeWorker) => {
        if (message.type !== 'ready') return;
        worker.off('exit', onExit);
        worker.off('message', onMessage);
        resolve();
      };
      const onExit = (code: number) => {
        worker.off('message', onMessage);
        this.stopping = true;
        reject(new Error(`the probe worker exited with code ${code} before it started probing`));
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // 'stopped' follows the last run's message on the same port, so every result has been handed over.
    const stopped = new Promise<void>((resolve) =>
      worker.on('message', (message: FromProbeWorker) => {
        if (message.type === 'stopped') resolve();
      }),
    );
    worker.postMessage({ type: 'stop' } satisfies ToProbeWorker);
    const deadline = setTimeout(() => {
      this.deps.logger.error('probe worker did not stop in time; terminating it', { deadlineMs: STOP_DEADLINE_MS });
      void worker.terminate();
    }, STOP_DEADLINE_MS);
    await Promise.race([stopped, exited]);
    await exited;
    clearTimeout(deadline);
  }

  stats(): ProbeRunnerStats {
    return {
      isolation: 'worker',
      tasks: this.tasks,
      runnerLate: { ...this.late.stats },
      workerRestarts: this.restarts,
    };
  }

  private spawn(): Worker {
    const worker = this.startWorker({ probes: this.probes });
    this.worker = worker;
    worker.on('message', (message: FromProbeWorker) => this.receive(message));
    worker.on('error', (error) => this.deps.logger.error('probe worker failed', { error: error.message }));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.stopping) return;
      // Probing must not stop silently: a worker that dies is logged and started again.
      this.deps.logger.error('probe worker exited; restarting it', { code, restartInMs: RESTART_DELAY_MS });
      this.restartTimer = setTimeout(() => {
        if (this.stopping) return;
        this.restarts += 1;
        this.spawn();
      }, RESTART_DELAY_MS);
    });
    return worker;
  }

  private receive(message: FromProbeWorker): void {
    switch (message.type) {
      case 'run':
        this.late.record(message.run);
        if (message.run.result) this.deps.onResult(message.run.result);
        return;
      case 'stats':
        this.tasks = message.tasks;
        return;
      case 'log':
        this.deps.logger[message.level](message.message, message.fields);
        return;
      case 'ready':
      case 'stopped':
        return;
    }
  }
}

/**
 * Starts the worker thread. Bundled (dist/pflow.mjs), its entry is dist/probe-worker.mjs beside it.
 * From source (tests, tsx), Node cannot load the TypeScript entry by itself and a worker does not
 * inherit tsx's loader from `--import`, so the worker registers tsx (a dev dependency) first.
 */
export function startProbeWorker(data: ProbeWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./probe-worker.mjs', here), { workerData: data });
  // An eval'd worker resolves bare specifiers from nowhere useful, so tsx's ESM API is located here.
  const tsxManifest = createRequire(here).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(tsxManifest, 'utf8')) as TsxManifest;
  const tsxApi = new URL(exports['./esm/api'].import.default, pathToFileURL(tsxManifest)).href;
  const entry = new URL('./probe-worker-entry.ts', here).href;
  const source = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(source, { eval: true, workerData: data });
}

interface TsxManifest {
  readonly exports: { readonly './esm/api': { readonly import: { readonly default: string } } };
}

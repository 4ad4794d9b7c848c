import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import type { ProbeDefinition } from '../domain/config/model.js';
import { systemClock, type Logger } from '../domain/ports.js';
import { LoopStallMonitor } from './loop-stall.js';
import { probeTasks, type ProbeRunReport } from './probe-tasks.js';
import { IntervalScheduler, type TaskStats } from './scheduler.js';

const STATS_EVERY_MS = 2_000;

/** What the runtime hands the probe worker: the probes to run (structured-cloned config). */
export interface ProbeWorkerData {
  readonly probes: readonly ProbeDefinition[];
}

export type ToProbeWorker = { readonly type: 'stop' };

export type FromProbeWorker =
  | { readonly type: 'run'; readonly run: ProbeRunReport }
  | { readonly type: 'stats'; readonly tasks: Record<string, TaskStats> }
  | {
      readonly type: 'log';
      readonly level: 'debug' | 'info' | 'warn' | 'error';
      readonly message: string;
      readonly fields?: Record<string, unknown>;
    }
  | { readonly type: 'ready' }
  | { readonly type: 'stopped' };

/**
 * The probe worker's body: schedules and runs the probes on this thread, which does nothing else,
 * and posts every run to the runtime, which stores it. The runtime's store, rules and API share the
 * main thread; here no SQLite call or JSON encoding can delay a probe's timers or socket events.
 */
export function runProbeWorker(port: Pick<MessagePort, 'postMessage' | 'on' | 'close'>, data: ProbeWorkerData): void {
  const post = (message: FromProbeWorker): void => port.postMessage(message);
  const log =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void =>
      post({ type: 'log', level, message, ...(fields ? { fields } : {}) });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };

  const priority = raiseThreadPriority();
  if (priority !== undefined) logger.debug('probe worker thread priority raised', { nice: priority });
  const lag = new LoopStallMonitor().start();
  const scheduler = new IntervalScheduler(systemClock, logger);
  for (const task of probeTasks(data.probes, systemClock, lag, (run) => post({ type: 'run', run }))) {
    scheduler.add(task);
  }
  scheduler.start();
  post({ type: 'ready' });
  const postStats = (): void => post({ type: 'stats', tasks: scheduler.stats() });
  // The scheduler's figures for /api/health; a snapshot now and then costs less than one per run.
  const statsTimer = setInterval(postStats, STATS_EVERY_MS);

  port.on('message', (message: ToProbeWorker) => {
    if (message.type !== 'stop') return;
    // Runs in flight finish (each is cut at its timeout) and are posted before 'stopped'.
    void scheduler.stop().then(() => {
      clearInterval(statsTimer);
      postStats();
      lag.stop();
      post({ type: 'stopped' });
      port.close();
    });
  });
}

/** Nice value asked for the probe thread: ahead of the runtime's main thread (0) when CPU is short. */
const PROBE_THREAD_NICE = -5;

/**
 * On Linux a thread's nice value is its own: this thread asks to run ahead of the main thread, so
 * the store's and the API's CPU use cannot starve the measurements. Raising a priority needs
 * CAP_SYS_NICE (root, or a service granted it); without it the thread keeps the default, silently.
 */
function raiseThreadPriority(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid)) return undefined;
    setPriority(tid, PROBE_THREAD_NICE);
    return getPriority(tid);
  } catch {
    return undefined;
  }
}

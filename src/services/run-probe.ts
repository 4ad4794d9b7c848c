import type { ProbeDefinition } from '../domain/config/model.js';
import { displayTarget, PROBE_RUNNER_GRACE_MS, type ProbeOutcome, type ProbeResult } from '../domain/probe-result.js';
import { systemTimers, type Clock, type Timers } from '../domain/ports.js';

export type ProbeAttempt = (
  target: string,
  settings: unknown,
  context: { timeoutMs: number; signal?: AbortSignal },
) => Promise<ProbeOutcome>;

/**
 * Runs one attempt of a probe and turns its outcome into a stored result. Probers cut themselves at
 * the probe's timeout; this also guards against one that does not, so a hanging target can never
 * stall the scheduler, and turns an unexpected throw into a structured `error` result. `timers`
 * drive that guard (a fake clock's in tests).
 */
export async function runProbe(
  definition: ProbeDefinition,
  attempt: ProbeAttempt,
  clock: Clock,
  timers: Timers = systemTimers,
): Promise<ProbeResult> {
  const startedAt = clock.now();
  const controller = new AbortController();
  let guard: unknown;
  const deadline = new Promise<ProbeOutcome>((resolve) => {
    guard = timers.setTimeout(() => {
      controller.abort();
      resolve({
        success: false,
        failure: { reason: 'timeout', message: `no answer within ${definition.timeoutMs} ms` },
        durationMs: clock.now() - startedAt,
        phases: {},
      });
    }, definition.timeoutMs + PROBE_RUNNER_GRACE_MS);
  });
  let outcome: ProbeOutcome;
  try {
    outcome = await Promise.race([
      attempt(definition.target, definition.settings, { timeoutMs: definition.timeoutMs, signal: controller.signal }),
      deadline,
    ]);
  } catch (error) {
    outcome = {
      success: false,
      failure: { reason: 'error', message: error instanceof Error ? error.message : String(error) },
      durationMs: clock.now() - startedAt,
      phases: {},
    };
  } finally {
    timers.clearTimeout(guard);
  }
  return {
    ...outcome,
    site: definition.site,
    probe: definition.id,
    kind: definition.kind,
    target: displayTarget(definition.target),
    labels: definition.labels,
    time: startedAt,
  };
}

/**
 * How the thread that runs probes tells its own delays apart from the target's. A probe's timings
 * come from its socket events, stamped when their callbacks run; while the thread's event loop is
 * busy with other work, those callbacks wait, and the wait would be recorded as the target's.
 */
export interface RunnerLag {
  /** An opaque mark of the thread's stall total, taken as an attempt starts. */
  mark(): number;
  /** Milliseconds the thread's event loop was stalled (no callback could run) since `mark`. */
  stalledSince(mark: number): number;
}

export interface CheckedRunOptions {
  readonly lag: RunnerLag;
  /** How late this attempt starts against its slot (the scheduler's timer fired late). */
  readonly startLateMs?: number;
  /** Time left until the probe's next slot: a stalled attempt is retried only if another one fits. */
  readonly budgetMs?: number;
  /** Runner delay beyond which it is reported, and a stall beyond which an attempt is retried. */
  readonly lateThresholdMs?: number;
}

export interface CheckedRun {
  /** The result to store; absent when the runner's stall, not the target, made the attempt time out. */
  readonly result?: ProbeResult;
  /** The timed-out result that was not stored, because the runner was stalled while it waited. */
  readonly discarded?: ProbeResult;
  readonly startLateMs: number;
  /** Stall during the attempt kept (or discarded). */
  readonly stalledMs: number;
  /** A first attempt was stalled and run again. */
  readonly retried: boolean;
}

/** Below this, a runner delay is scheduling noise: a 20 ms stall still keeps a 1 ms target's p95 under 50 ms. */
export const RUNNER_LATE_THRESHOLD_MS = 20;
/** Room left for the slot after a retry, so a retry never makes the next slot find the probe still running. */
const RETRY_MARGIN_MS = 50;

/**
 * `runProbe`, holding the runner to account for its own delays (issue 13): an attempt during which
 * the runner's loop stalled is retried when another attempt fits before the next slot; a timeout
 * that a stalled runner may have caused is never stored as the target's failure; and a result whose
 * runner was late carries it in `details` (`runnerStartLateMs`, `runnerStalledMs`) for the operator.
 */
export async function runProbeChecked(
  definition: ProbeDefinition,
  attempt: ProbeAttempt,
  clock: Clock,
  options: CheckedRunOptions,
): Promise<CheckedRun> {
  const threshold = options.lateThresholdMs ?? RUNNER_LATE_THRESHOLD_MS;
  const startLateMs = Math.max(0, options.startLateMs ?? 0);
  const once = async () => {
    const mark = options.lag.mark();
    const began = performance.now();
    const result = await runProbe(definition, attempt, clock);
    return { result, stalledMs: options.lag.stalledSince(mark), elapsedMs: performance.now() - began };
  };

  let run = await once();
  let retried = false;
  if (run.stalledMs > threshold) {
    const left = (options.budgetMs ?? 0) - run.elapsedMs;
    if (left >= definition.timeoutMs + RETRY_MARGIN_MS) {
      retried = true;
      run = await once();
    }
  }
  const stalled = run.stalledMs > threshold;
  const summary = { startLateMs, stalledMs: run.stalledMs, retried };
  if (stalled && run.result.failure?.reason === 'timeout') return { ...summary, discarded: run.result };

  const runnerDetails = {
    ...(startLateMs > threshold ? { runnerStartLateMs: Math.round(startLateMs) } : {}),
    ...(stalled ? { runnerStalledMs: Math.round(run.stalledMs) } : {}),
  };
  if (Object.keys(runnerDetails).length === 0) return { ...summary, result: run.result };
  return { ...summary, result: { ...run.result, details: { ...run.result.details, ...runnerDetails } } };
}

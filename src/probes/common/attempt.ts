import type { ProbeFailureReason, ProbeOutcome } from '../../domain/probe-result.js';
import type { ProbeContext } from '../types.js';
import type { CaBundle } from './network.js';
import { ms, ProbeAbortedError, ProbeTimeoutError } from './outcome.js';

/** An attempt's verdict before the scaffold adds the duration and the probe adds its phases. */
export type AttemptResult = Omit<ProbeOutcome, 'durationMs' | 'phases'>;

/** The handle a connection probe settles its attempt through. */
export interface Attempt {
  /** `performance.now()` when the attempt began: the origin of its phases and duration. */
  readonly startedAt: number;
  /** True once the outcome is decided; events after that are leftovers to ignore. */
  readonly settled: boolean;
  /** Decides the outcome, once; later calls do nothing. `destroyWith` is handed to `finish`. */
  settle(result: AttemptResult, destroyWith?: Error): void;
  fail(reason: ProbeFailureReason, message: string, extra?: Partial<ProbeOutcome>): void;
}

/** What a connection probe plugs into the scaffold. */
export interface AttemptSteps {
  /** The timeout failure's message, asked when the deadline passes (it may depend on how far the attempt got). */
  timeoutMessage(): string;
  /**
   * Called once, when the attempt settles: releases the connection (destroyed with `destroyWith`
   * when given, so its error handlers can tell a deadline or an abort apart) and adds the phases.
   */
  finish(result: AttemptResult, destroyWith: Error | undefined): Omit<ProbeOutcome, 'durationMs'>;
  /** Starts the network work; called only when the signal is not aborted and the CA bundle loaded. */
  start(): void;
}

/**
 * The scaffolding the http and tcp probes share: one deadline for the whole attempt, the caller's
 * abort signal, the CA bundle check, and an outcome settled exactly once. It resolves, never rejects.
 */
export function runAttempt(
  context: ProbeContext,
  ca: CaBundle,
  defineSteps: (attempt: Attempt) => AttemptSteps,
): Promise<ProbeOutcome> {
  return new Promise<ProbeOutcome>((resolve) => {
    let settled = false;
    const attempt: Attempt = {
      startedAt: performance.now(),
      get settled() {
        return settled;
      },
      settle: (result, destroyWith) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        context.signal?.removeEventListener('abort', onAbort);
        const outcome = steps.finish(result, destroyWith);
        resolve({ ...outcome, durationMs: ms(performance.now() - attempt.startedAt) });
      },
      fail: (reason, message, extra) => attempt.settle({ ...extra, success: false, failure: { reason, message } }),
    };
    const steps = defineSteps(attempt);

    const deadline = setTimeout(
      () =>
        attempt.settle(
          { success: false, failure: { reason: 'timeout', message: steps.timeoutMessage() } },
          new ProbeTimeoutError(),
        ),
      context.timeoutMs,
    );
    const onAbort = (): void =>
      attempt.settle(
        { success: false, failure: { reason: 'error', message: 'probe aborted' } },
        new ProbeAbortedError(),
      );
    if (context.signal?.aborted) {
      onAbort();
      return;
    }
    context.signal?.addEventListener('abort', onAbort, { once: true });

    if (ca.ok === false) {
      attempt.fail('error', ca.message);
      return;
    }
    steps.start();
  });
}

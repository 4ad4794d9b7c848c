import type { ProbeDefinition } from '../domain/config/model.js';
import { displayTarget, type ProbeOutcome, type ProbeResult } from '../domain/probe-result.js';
import type { Clock } from '../domain/ports.js';

export type ProbeAttempt = (
  target: string,
  settings: unknown,
  context: { timeoutMs: number; signal?: AbortSignal },
) => Promise<ProbeOutcome>;

/** Grace past a probe's own timeout before the runner gives up on a prober that failed to cut itself. */
const RUNNER_GRACE_MS = 1_000;

/**
 * Runs one attempt of a probe and turns its outcome into a stored result. Probers cut themselves at
 * the probe's timeout; this also guards against one that does not, so a hanging target can never
 * stall the scheduler, and turns an unexpected throw into a structured `error` result.
 */
export async function runProbe(definition: ProbeDefinition, attempt: ProbeAttempt, clock: Clock): Promise<ProbeResult> {
  const startedAt = clock.now();
  const controller = new AbortController();
  let guard: NodeJS.Timeout | undefined;
  const deadline = new Promise<ProbeOutcome>((resolve) => {
    guard = setTimeout(() => {
      controller.abort();
      resolve({
        success: false,
        failure: { reason: 'timeout', message: `no answer within ${definition.timeoutMs} ms` },
        durationMs: clock.now() - startedAt,
        phases: {},
      });
    }, definition.timeoutMs + RUNNER_GRACE_MS);
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
    clearTimeout(guard);
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

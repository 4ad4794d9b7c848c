import type { ProbeDefinition } from '../domain/config/model.js';
import type { ProbeResult } from '../domain/probe-result.js';
import type { Clock } from '../domain/ports.js';
import { proberFor } from '../probes/registry.js';
import type { ProbeKindName } from '../probes/settings.js';
import { runProbeChecked, type CheckedRun, type RunnerLag } from '../services/run-probe.js';
import type { ScheduledTask } from './scheduler.js';

/** What one scheduled probe run produced, as the runner reports it to the runtime. */
export interface ProbeRunReport {
  readonly task: string;
  /** The result to store; absent when the attempt's timeout was the runner's doing. */
  readonly result?: ProbeResult;
  readonly startLateMs: number;
  readonly stalledMs: number;
  readonly retried: boolean;
  /** Why the discarded attempt failed, when a result was discarded. */
  readonly discarded?: { readonly reason: string; readonly message: string };
}

export function probeTaskName(probe: ProbeDefinition): string {
  return `probe:${probe.site}/${probe.id}`;
}

/**
 * The scheduled tasks of the configured probes, the same wherever they run (the probe worker, or
 * in process): each run is checked against the runner's own lateness and reported to `report`.
 */
export function probeTasks(
  probes: readonly ProbeDefinition[],
  clock: Clock,
  lag: RunnerLag,
  report: (run: ProbeRunReport) => void,
): ScheduledTask[] {
  return probes.map((probe, index) => {
    const attempt = proberFor(probe.kind as ProbeKindName);
    const task = probeTaskName(probe);
    return {
      name: task,
      intervalMs: probe.intervalMs,
      // Spread probes over their interval so they don't all start in the same millisecond.
      initialDelayMs: Math.floor((index * probe.intervalMs) / Math.max(1, probes.length)) % probe.intervalMs,
      run: async ({ lateMs }) => {
        const run: CheckedRun = await runProbeChecked(probe, attempt, clock, {
          lag,
          startLateMs: lateMs,
          budgetMs: probe.intervalMs - lateMs,
        });
        report({
          task,
          ...(run.result ? { result: run.result } : {}),
          startLateMs: run.startLateMs,
          stalledMs: run.stalledMs,
          retried: run.retried,
          ...(run.discarded?.failure ? { discarded: run.discarded.failure } : {}),
        });
      },
    };
  });
}

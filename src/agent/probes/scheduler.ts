import type { ProbeDefinition } from '../../domain/config/model.js';
import type { Clock, Logger, Timers } from '../../domain/ports.js';
import type { ProbeResult } from '../../domain/probe-result.js';
import { proberFor } from '../../probes/registry.js';
import type { ProbeKindName } from '../../probes/settings.js';
import { runProbe, type ProbeAttempt } from '../../services/run-probe.js';
import { FixedGridLoops, stableOffset } from '../fixed-grid.js';

export interface ProbeSchedulerDeps {
  readonly clock: Clock;
  readonly timers: Timers;
  /** Receives every result in the order the probes finish (the agent appends them to its buffer). */
  onResult(result: ProbeResult): void;
  /** The prober of a kind; default: the probe registry, as the local runtime and the probe Lambda use. */
  readonly attemptFor?: (kind: string) => ProbeAttempt;
  readonly logger?: Logger;
}

/**
 * Runs the agent's probes, each on its own interval, through `runProbe` (the same service the
 * local runtime and the probe Lambda run probes with). As the scrape scheduler does, each probe
 * starts at a fixed offset inside its interval (from a hash of its id: a restart keeps the spread)
 * on a grid of the monotonic clock, so the interval does not drift by the time a probe takes. Every
 * probe is its own loop: a target that hangs holds only its own probe, which `runProbe` cuts at
 * its timeout (shorter than the interval, which the config ensures); a turn that finds the
 * previous run still going is skipped and logged.
 */
export class ProbeScheduler {
  private readonly loops: FixedGridLoops;
  private failures = 0;

  constructor(
    private readonly definitions: readonly ProbeDefinition[],
    private readonly deps: ProbeSchedulerDeps,
  ) {
    this.loops = new FixedGridLoops(deps);
  }

  /** Failed probe runs since start. */
  get failuresTotal(): number {
    return this.failures;
  }

  start(): void {
    const attemptFor = this.deps.attemptFor ?? ((kind: string) => proberFor(kind as ProbeKindName));
    for (const definition of this.definitions) {
      const attempt = attemptFor(definition.kind);
      this.loops.add({
        intervalMs: definition.intervalMs,
        offsetMs: probeOffset(definition),
        run: () => this.run(definition, attempt),
        skipped: () =>
          this.deps.logger?.warn('probe skipped: the previous run is still going', { probe: definition.id }),
      });
    }
  }

  /** Stops scheduling and waits for the probes under way (each ends by its own timeout). */
  stop(): Promise<void> {
    return this.loops.stop();
  }

  private async run(definition: ProbeDefinition, attempt: ProbeAttempt): Promise<void> {
    const result = await runProbe(definition, attempt, this.deps.clock, this.deps.timers);
    if (!result.success) this.failures += 1;
    this.deps.onResult(result);
  }
}

/** A probe's offset inside its interval, stable across restarts. */
export function probeOffset(definition: Pick<ProbeDefinition, 'id' | 'intervalMs'>): number {
  return stableOffset(definition.id, definition.intervalMs);
}

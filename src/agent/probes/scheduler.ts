import { createHash } from 'node:crypto';
import type { ProbeDefinition } from '../../domain/config/model.js';
import { monotonicNow, type Clock, type Logger, type Timers } from '../../domain/ports.js';
import type { ProbeResult } from '../../domain/probe-result.js';
import { proberFor } from '../../probes/registry.js';
import type { ProbeKindName } from '../../probes/settings.js';
import { runProbe, type ProbeAttempt } from '../../services/run-probe.js';

export interface ProbeSchedulerDeps {
  readonly clock: Clock;
  readonly timers: Timers;
  /** Receives every result in the order the probes finish (the agent appends them to its buffer). */
  onResult(result: ProbeResult): void;
  /** The prober of a kind; default: the probe registry, as the local runtime and the probe Lambda use. */
  readonly attemptFor?: (kind: string) => ProbeAttempt;
  readonly logger?: Logger;
}

interface ProbeLoop {
  readonly definition: ProbeDefinition;
  readonly attempt: ProbeAttempt;
  /** Monotonic ms of the next run. */
  next: number;
  timer: unknown;
  running: Promise<void> | undefined;
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
  private readonly loops: ProbeLoop[] = [];
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly definitions: readonly ProbeDefinition[],
    private readonly deps: ProbeSchedulerDeps,
  ) {}

  /** Failed probe runs since start. */
  get failuresTotal(): number {
    return this.failures;
  }

  start(): void {
    const now = monotonicNow(this.deps.clock);
    const attemptFor = this.deps.attemptFor ?? ((kind: string) => proberFor(kind as ProbeKindName));
    for (const definition of this.definitions) {
      const loop: ProbeLoop = {
        definition,
        attempt: attemptFor(definition.kind),
        next: now + probeOffset(definition),
        timer: undefined,
        running: undefined,
      };
      this.loops.push(loop);
      this.arm(loop);
    }
  }

  /** Stops scheduling and waits for the probes under way (each ends by its own timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const loop of this.loops) this.deps.timers.clearTimeout(loop.timer);
    await Promise.all(this.loops.map((loop) => loop.running));
  }

  private arm(loop: ProbeLoop): void {
    if (this.stopped) return;
    const delay = Math.max(0, loop.next - monotonicNow(this.deps.clock));
    loop.timer = this.deps.timers.setTimeout(() => this.fire(loop), delay);
  }

  private fire(loop: ProbeLoop): void {
    if (this.stopped) return;
    const interval = loop.definition.intervalMs;
    const now = monotonicNow(this.deps.clock);
    // The next slot on this probe's grid after now: turns missed (a suspended machine) are not caught up.
    loop.next += interval * Math.max(1, Math.floor((now - loop.next) / interval) + 1);
    if (loop.running === undefined) {
      loop.running = this.run(loop).finally(() => {
        loop.running = undefined;
      });
    } else {
      this.deps.logger?.warn('probe skipped: the previous run is still going', { probe: loop.definition.id });
    }
    this.arm(loop);
  }

  private async run(loop: ProbeLoop): Promise<void> {
    const result = await runProbe(loop.definition, loop.attempt, this.deps.clock, this.deps.timers);
    if (!result.success) this.failures += 1;
    this.deps.onResult(result);
  }
}

/** A probe's offset inside its interval, stable across restarts. */
export function probeOffset(definition: Pick<ProbeDefinition, 'id' | 'intervalMs'>): number {
  const digest = createHash('sha256').update(definition.id).digest();
  return digest.readUInt32BE(0) % definition.intervalMs;
}

import { monotonicNow, type Clock, type Logger } from '../domain/ports.js';

export interface ClockJump {
  /** Wall time (ISO) when the jump was noticed, read after the jump. */
  readonly detectedAt: string;
  /** How far the wall clock moved relative to the monotonic clock; negative is backwards. */
  readonly byMs: number;
}

export interface ClockWatchStats {
  readonly jumps: number;
  readonly lastJump: ClockJump | null;
}

/**
 * Notices when the wall clock steps (an NTP correction, a VM resumed from a snapshot, an operator
 * setting the date) by comparing it with the monotonic clock: the two advance together, so a change
 * in their difference beyond `thresholdMs` is a jump. Schedules run on the monotonic clock and do not
 * care; the jump is logged and shown in /api/health because results stamped around it, and windows
 * that span it, are off by that much.
 */
export class ClockWatch {
  private offset: number;
  private jumps = 0;
  private lastJump: ClockJump | null = null;
  private lastJumpMonotonic = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Smaller steps are left alone: NTP slews those, and timer callbacks run a little late anyway. */
    private readonly thresholdMs = 1_000,
  ) {
    this.offset = clock.now() - monotonicNow(clock);
  }

  /** Compares the clocks now; cheap enough to call on every scheduler tick. */
  check(): ClockJump | null {
    const wall = this.clock.now();
    const offset = wall - monotonicNow(this.clock);
    const byMs = Math.round(offset - this.offset);
    if (Math.abs(byMs) < this.thresholdMs) return null;
    // Re-baseline: one step is one jump, not a warning on every later tick.
    this.offset = offset;
    this.jumps++;
    this.lastJumpMonotonic = monotonicNow(this.clock);
    this.lastJump = { detectedAt: new Date(wall).toISOString(), byMs };
    this.logger.warn(`wall clock jumped ${byMs < 0 ? 'backwards' : 'forwards'} by ${Math.abs(byMs)} ms`, {
      byMs,
      detectedAt: this.lastJump.detectedAt,
      effect: 'schedules keep running on the monotonic clock; result times follow the new wall clock',
    });
    return this.lastJump;
  }

  /** Whether a jump was seen in the last `withinMs` (monotonic), for the health status. */
  jumpedWithin(withinMs: number): boolean {
    return monotonicNow(this.clock) - this.lastJumpMonotonic <= withinMs;
  }

  stats(): ClockWatchStats {
    return { jumps: this.jumps, lastJump: this.lastJump };
  }
}

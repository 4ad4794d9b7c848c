import type { Clock, Logger } from '../domain/ports.js';

export interface ProgressLogOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Lines per channel per window before the rest are only counted; default 5. */
  readonly burst?: number;
  /** Window length, ms; default 60 s. */
  readonly windowMs?: number;
}

/**
 * Retry outcomes at info level, so an operator sees a failing channel being worked on without
 * turning on debug — but a storm (a receiver down under a thousand alerts) must not bury the log.
 * Each channel gets `burst` lines per window; beyond that, outcomes are counted and the next line
 * the channel is allowed says how many were left out, so nothing is silently unaccounted for.
 * Fixed windows rather than a token bucket: the summary then reads "N more in the last minute".
 */
export class ProgressLog {
  private readonly burst: number;
  private readonly windowMs: number;
  private readonly windows = new Map<string, { start: number; lines: number; suppressed: number }>();

  constructor(private readonly options: ProgressLogOptions) {
    this.burst = options.burst ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
  }

  info(channel: string, message: string, fields: Record<string, unknown>): void {
    const now = this.options.clock.now();
    let window = this.windows.get(channel);
    if (window === undefined || now - window.start >= this.windowMs) {
      const suppressed = window?.suppressed ?? 0;
      window = { start: now, lines: 0, suppressed: 0 };
      this.windows.set(channel, window);
      if (suppressed > 0) {
        this.options.logger.info('more delivery retry outcomes were not logged', {
          channel,
          notLogged: suppressed,
          windowSeconds: this.windowMs / 1000,
        });
      }
    }
    if (window.lines >= this.burst) {
      window.suppressed++;
      return;
    }
    window.lines++;
    this.options.logger.info(message, { channel, ...fields });
  }
}

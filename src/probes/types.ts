import type { ZodType } from 'zod';
import type { ProbeOutcome } from '../domain/probe-result.js';

export interface ProbeContext {
  readonly timeoutMs: number;
  /** Aborted when the scheduler gives up on the attempt (shutdown). */
  readonly signal?: AbortSignal;
}

/** The pure half of a probe kind, used by config validation: its settings schema and target check. */
export interface ProbeKindSettings<Settings> {
  readonly schema: ZodType<Settings>;
  /** Checks a probe's `target` for this kind; returns an error message, or undefined when valid. */
  validateTarget(target: string): string | undefined;
}

/** The I/O half: runs one attempt and returns a structured outcome (it never throws for a failed target). */
export type Prober<Settings> = (target: string, settings: Settings, context: ProbeContext) => Promise<ProbeOutcome>;

import type { TagEvent } from '../domain/assets/tag-event.js';

/** Where an input hands the events it read: the agent's buffer, or the local runtime's tag store. */
export type TagEventSink = (events: readonly TagEvent[]) => Promise<void>;

/** Why something an input received was not taken (counted per reason in the input's stats). */
export const REJECT_REASONS = [
  'not_json',
  'not_events',
  'bad_event',
  'too_large',
  'unauthorized',
  'sink_failed',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

const KEEP_LAST = 10;

export interface InputStatsSnapshot {
  readonly messages: number;
  readonly accepted: number;
  readonly rejected: Readonly<Partial<Record<RejectReason, number>>>;
  /** The newest few rejections with their reason, newest last: what an operator needs to fix a mapping. */
  readonly lastRejections: readonly { readonly at: string; readonly reason: RejectReason; readonly error: string }[];
}

/** Counts what an input took and what it refused, and keeps the last reasons to show on /api/health. */
export class InputStats {
  private messages = 0;
  private accepted = 0;
  private readonly rejected: Partial<Record<RejectReason, number>> = {};
  private readonly last: { at: string; reason: RejectReason; error: string }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  message(): void {
    this.messages += 1;
  }

  accept(count: number): void {
    this.accepted += count;
  }

  reject(reason: RejectReason, error: string, count = 1): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + count;
    this.last.push({ at: new Date(this.now()).toISOString(), reason, error });
    if (this.last.length > KEEP_LAST) this.last.shift();
  }

  snapshot(): InputStatsSnapshot {
    return {
      messages: this.messages,
      accepted: this.accepted,
      rejected: { ...this.rejected },
      lastRejections: [...this.last],
    };
  }
}

/** What the console's store queries return: plain rows, shaped into views by the pure code beside. */

/** A probe's up/down state and the time of the first result of its current run of equal outcomes. */
export interface ProbeStateRow {
  readonly site: string;
  readonly probe: string;
  readonly up: boolean;
  readonly since: number;
  readonly lastTime: number;
}

/** Phase name → [sum of ms, number of results that went through the phase]. */
export type PhaseSums = Readonly<
  Record<'dns' | 'connect' | 'tls' | 'firstByte' | 'transfer', readonly [sum: number, count: number]>
>;

/** Results of one probe in one time bucket (or one raw result: n = 1). */
export interface ProbeBucketRow {
  /** Bucket start, epoch ms. */
  readonly t: number;
  readonly n: number;
  readonly ok: number;
  readonly durationSum: number;
  readonly durationMax: number;
  readonly phases: PhaseSums;
}

export interface HourlyRow {
  readonly t: number;
  readonly n: number;
  readonly ok: number;
  readonly durationSum: number;
}

export interface StatusCodeCount {
  readonly code: number;
  readonly count: number;
}

export interface FailureReasonCount {
  readonly reason: string;
  readonly count: number;
  /** Epoch ms of the latest failure with this reason. */
  readonly last: number;
}

export interface ProbeFailureRow {
  readonly time: number;
  readonly reason: string;
  readonly message: string;
  readonly statusCode: number | null;
  readonly durationMs: number;
}

/** What became of one event's notification on one channel. */
export interface DeliveryRecord {
  readonly eventId: string;
  readonly channel: string;
  readonly outcome: 'delivered' | 'retrying' | 'dead_letter';
  /** Delivered at, next retry at, or failed at (epoch ms). */
  readonly at: number;
  readonly detail: string;
}

export interface ChannelTotals {
  readonly channel: string;
  readonly delivered: number;
  readonly retrying: number;
  readonly deadLetters: number;
}

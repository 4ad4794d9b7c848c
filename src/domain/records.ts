import type { Labels } from './labels.js';

/** Tables, mirroring the Timestream model (docs/contracts.md, "Records and tables"). */
export type SeriesTable = 'probes' | 'metrics';

/** One scraped or pushed sample for the `metrics` table; `labels` always include `site`. */
export interface MetricSample {
  readonly name: string;
  readonly labels: Labels;
  readonly time: number;
  readonly value: number;
}

export interface SeriesPoint {
  /** Epoch ms. */
  readonly t: number;
  readonly v: number;
}

/** The points of one series (a table, a measure and a full dimension set) within a window, oldest first. */
export interface SeriesWindow {
  readonly table: SeriesTable;
  readonly measure: string;
  /** All dimensions, `site` included. */
  readonly labels: Labels;
  readonly points: readonly SeriesPoint[];
}

/**
 * What one evaluation cycle asks the store for: every series of these measures in a table since a
 * time. One query per table per cycle, however many rules share it — this keeps the cloud bill flat.
 */
export interface WindowQuery {
  readonly table: SeriesTable;
  readonly measures: readonly string[];
  /** Epoch ms, inclusive. */
  readonly since: number;
  /** Epoch ms, inclusive. */
  readonly until: number;
  /** Restrict to these sites; all when absent. */
  readonly sites?: readonly string[];
}

import { describe, expect, it } from 'vitest';
import { withPendingRecords } from '../../../src/adapters/local/pending-windows.js';
import { probeDimensions, type ProbeResult } from '../../../src/domain/probe-result.js';
import type { MetricSample, SeriesWindow } from '../../../src/domain/records.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');

function result(probe: string, time: number, success: boolean, site = 'site-a'): ProbeResult {
  return {
    site,
    probe,
    kind: 'http',
    target: `https://${probe}.example/`,
    labels: { team: 'apps' },
    time,
    success,
    durationMs: 40,
    phases: {},
  };
}

describe('withPendingRecords: held records merged into the windows a rule cycle reads', () => {
  it('adds held probe results to the stored series they belong to, and new series for the others', () => {
    // Arrange: the store has portal at T0; memory holds portal at T0 (written while the read ran) and later.
    const portal = probeDimensions(result('portal', T0, true));
    const stored: SeriesWindow[] = [{ table: 'probes', measure: 'success', labels: portal, points: [{ t: T0, v: 1 }] }];
    const pending = [
      result('portal', T0 + 2_000, false),
      result('portal', T0, true),
      result('epd', T0 + 1_000, true),
      result('epd', T0 - 60_000, false),
      result('pacs', T0 + 1_000, true, 'site-b'),
    ];

    // Act: twice, as consecutive rule cycles read the same held records.
    const query = {
      table: 'probes' as const,
      measures: ['success'],
      since: T0 - 10_000,
      until: T0 + 10_000,
      sites: ['site-a'],
    };
    const first = withPendingRecords(stored, query, { probes: pending, samples: [] });
    const again = withPendingRecords(stored, query, { probes: pending, samples: [] });

    // Assert
    const expected = [
      {
        table: 'probes',
        measure: 'success',
        labels: portal,
        points: [
          { t: T0, v: 1 },
          { t: T0 + 2_000, v: 0 },
        ],
      },
      {
        table: 'probes',
        measure: 'success',
        labels: probeDimensions(result('epd', T0, true)),
        points: [{ t: T0 + 1_000, v: 1 }],
      },
    ];
    expect(first).toEqual(expected);
    expect(again).toEqual(expected);
    expect(stored[0]!.points).toHaveLength(1);
  });

  it('merges held metric samples by name and labels, whatever order their labels are in', () => {
    const labels = { site: 'site-a', zone: 'ok-3', tag: 't1' };
    const stored: SeriesWindow[] = [{ table: 'metrics', measure: 'battery', labels, points: [{ t: T0, v: 80 }] }];
    const samples: MetricSample[] = [
      { name: 'battery', labels: { tag: 't1', zone: 'ok-3', site: 'site-a' }, time: T0 + 1_000, value: 79 },
      { name: 'temperature', labels, time: T0 + 1_000, value: 21 },
    ];

    const windows = withPendingRecords(
      stored,
      { table: 'metrics', measures: ['battery'], since: T0, until: T0 + 5_000 },
      { probes: [], samples },
    );

    expect(windows).toEqual([
      {
        table: 'metrics',
        measure: 'battery',
        labels,
        points: [
          { t: T0, v: 80 },
          { t: T0 + 1_000, v: 79 },
        ],
      },
    ]);
  });
});

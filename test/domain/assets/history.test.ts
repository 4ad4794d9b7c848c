import { describe, expect, it } from 'vitest';
import { percentile, stageFlow, stagesOf, utilization, visitsOf } from '../../../src/domain/assets/history.js';
import { index, MIN, S, T0 } from './fixtures.js';

const opts = { minDwellMs: 10 * S, maxGapMs: 5 * MIN };

describe('visitsOf', () => {
  it('turns readings into stays, ending each at the first reading elsewhere', () => {
    const visits = visitsOf(
      [
        { t: T0, zone: 'store-3' },
        { t: T0 + MIN, zone: 'store-3' },
        { t: T0 + 2 * MIN, zone: 'room-301' },
        { t: T0 + 3 * MIN, zone: 'room-301' },
      ],
      { ...opts, until: T0 + 4 * MIN },
    );
    expect(visits).toEqual([
      { zone: 'store-3', from: T0, to: T0 + 2 * MIN },
      { zone: 'room-301', from: T0 + 2 * MIN, to: T0 + 4 * MIN },
    ]);
  });

  it('drops a flicker and joins the stay around it; sorts late readings in', () => {
    const visits = visitsOf(
      [
        { t: T0 + 500, zone: 'room-302' },
        { t: T0, zone: 'room-301' },
        { t: T0 + 900, zone: 'room-301' },
        { t: T0 + MIN, zone: 'room-301' },
      ],
      { ...opts, until: T0 + MIN },
    );
    expect(visits).toEqual([{ zone: 'room-301', from: T0, to: T0 + MIN }]);
  });

  it('ends a stay at the last reading when the tag fell silent', () => {
    const visits = visitsOf(
      [
        { t: T0, zone: 'store-3' },
        { t: T0 + MIN, zone: 'store-3' },
        { t: T0 + 20 * MIN, zone: 'room-301' },
      ],
      { ...opts, until: T0 + 30 * MIN },
    );
    expect(visits).toEqual([{ zone: 'store-3', from: T0, to: T0 + MIN }]);
    // room-301: last reading 10 min before `until`, longer than the gap: it ends at its only reading (0 ms, dropped).
  });
});

describe('utilization', () => {
  it('splits seen time into clinical and storage shares', () => {
    const use = utilization(
      [
        { zone: 'store-3', from: T0, to: T0 + 30 * MIN },
        { zone: 'room-301', from: T0 + 30 * MIN, to: T0 + 120 * MIN },
      ],
      'a',
      index,
    );
    expect(use).toEqual({
      byKind: { storage: 30 * MIN, clinical: 90 * MIN },
      seenMs: 120 * MIN,
      clinicalShare: 0.75,
      storageShare: 0.25,
    });
  });
});

describe('patient flow', () => {
  // Hand-checked timeline of one patient tag: waits 20 min, triage 10 min, corridor, waits 35 min, CT 15 min, leaves.
  const visits = [
    { zone: 'wait', from: T0, to: T0 + 20 * MIN },
    { zone: 'triage', from: T0 + 20 * MIN, to: T0 + 30 * MIN },
    { zone: 'corridor', from: T0 + 30 * MIN, to: T0 + 32 * MIN },
    { zone: 'wait', from: T0 + 32 * MIN, to: T0 + 67 * MIN },
    { zone: 'ct', from: T0 + 67 * MIN, to: T0 + 82 * MIN },
    { zone: 'exit-main', from: T0 + 82 * MIN, to: T0 + 83 * MIN },
  ];

  it('charges each wait to the stage that follows it', () => {
    expect(stagesOf('P-1', visits, 'a', index)).toEqual([
      { tag: 'P-1', stage: 'triage', from: T0 + 20 * MIN, to: T0 + 30 * MIN, waitMs: 20 * MIN },
      { tag: 'P-1', stage: 'imaging', from: T0 + 67 * MIN, to: T0 + 82 * MIN, waitMs: 35 * MIN },
    ]);
  });

  it('gives per-stage percentiles and throughput over a stretch', () => {
    const stages = [
      ...stagesOf('P-1', visits, 'a', index),
      { tag: 'P-2', stage: 'triage', from: T0 + 40 * MIN, to: T0 + 45 * MIN, waitMs: 5 * MIN },
      { tag: 'P-3', stage: 'triage', from: T0 + 50 * MIN, to: T0 + 70 * MIN, waitMs: 50 * MIN },
    ];
    expect(stageFlow(stages, T0, T0 + 2 * 60 * MIN)).toEqual([
      {
        stage: 'imaging',
        visits: 1,
        stayP50Ms: 15 * MIN,
        stayP90Ms: 15 * MIN,
        waitP50Ms: 35 * MIN,
        waitP90Ms: 35 * MIN,
        throughputPerHour: 0.5,
      },
      // triage waits 5, 20, 50 → p50 20 (rank 2 of 3), p90 50 (rank 3)
      {
        stage: 'triage',
        visits: 3,
        stayP50Ms: 10 * MIN,
        stayP90Ms: 20 * MIN,
        waitP50Ms: 20 * MIN,
        waitP90Ms: 50 * MIN,
        throughputPerHour: 1.5,
      },
    ]);
  });

  it('uses nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 91)).toBe(10);
    expect(percentile([7], 50)).toBe(7);
  });
});

import { describe, expect, it } from 'vitest';
import { computeDigest, type ProbeBucket } from '../../../src/domain/report/digest.js';
import { reportWindow } from '../../../src/domain/report/window.js';
import { springInput, springWindow } from './fixtures.js';

const HOUR = 3_600_000;
const MIN = 60_000;

describe('computeDigest on the hand-checked spring-forward day (23 hours)', () => {
  const digest = computeDigest(springInput);

  it('covers local midnight to local midnight: 23 hours, the week from Monday 23 March', () => {
    expect(digest.window).toEqual({
      dayStart: '2026-03-28T23:00:00.000Z',
      dayEnd: '2026-03-29T22:00:00.000Z',
      weekStart: '2026-03-22T23:00:00.000Z',
      hours: 23,
    });
    expect(digest.hourly).toHaveLength(23);
  });

  it('computes availability per probe for the day and the week, worst first, no data last', () => {
    expect(digest.availability.map((r) => [r.probe, r.day, r.week])).toEqual([
      ['api', { ratio: 1350 / 1380, results: 1380, failed: 30 }, { ratio: 9990 / 10020, results: 10020, failed: 30 }],
      ['db', { ratio: 1, results: 1380, failed: 0 }, { ratio: 1, results: 10020, failed: 0 }],
      ['dns', { ratio: null, results: 0, failed: 0 }, { ratio: null, results: 0, failed: 0 }],
    ]);
    expect(digest.overall.day).toEqual({ ratio: 2730 / 2760, results: 2760, failed: 30 });
  });

  it('puts the failed hour on its local hour in the chart', () => {
    expect(digest.hourly[5]).toEqual({ t: springWindow.dayStart + 5 * HOUR, availability: 90 / 120, results: 120 });
    expect(digest.hourly.filter((p) => p.availability !== 1)).toHaveLength(1);
  });

  it('lists alerts that fired during the day with durations and who acknowledged them first; reminders, ack updates and the day before are not alerts', () => {
    expect(
      digest.alerts.map((a) => [
        a.rule.id,
        a.startsAt,
        a.endsAt,
        a.durationMs / MIN,
        a.acknowledgedBy,
        a.acknowledgedAt,
      ]),
    ).toEqual([
      ['api-down', '2026-03-29T04:01:00.000Z', '2026-03-29T04:31:00.000Z', 30, 'c.jones', '2026-03-29T04:10:00.000Z'],
      ['cert-soon', '2026-03-29T19:00:00.000Z', null, 180, null, null],
    ]);
  });

  it('ranks the slowest probes by their average over the day', () => {
    expect(digest.slowest.map((s) => [s.probe, s.avgMs, s.maxMs, s.results])).toEqual([
      ['api', (22 * 6000 + 60_000) / 1380, 5000, 1380],
      ['db', 20, 40, 1380],
    ]);
  });

  it('lists certificates expiring within 30 days of the end of the day, soonest (expired) first', () => {
    expect(digest.certificates.map((c) => [c.probe, c.daysLeft, c.expiresAt])).toEqual([
      ['dns', -3, '2026-03-27T15:12:00.000Z'],
      ['api', 12, '2026-04-11T09:00:00.000Z'],
    ]);
  });

  it('finds silent agents: gaps longer than 5 minutes, and silence at the end of the day', () => {
    expect(digest.agents.known).toBe(2);
    expect(digest.agents.silent).toEqual([
      {
        agent: 'ward-server-2',
        silentMs: 60 * MIN,
        longestGapMs: 60 * MIN,
        lastSeen: '2026-03-29T21:00:00.000Z',
        silentAtEnd: true,
      },
      {
        agent: 'ward-server-1',
        silentMs: 21 * MIN,
        longestGapMs: 21 * MIN,
        lastSeen: '2026-03-29T21:59:00.000Z',
        silentAtEnd: false,
      },
    ]);
  });

  it('passes the asset figures through, and has none for a site without assets', () => {
    expect(digest.assets?.shortages).toEqual([
      { zone: 'Ward A store', type: 'infusion-pump', min: 4, available: 2, shortBy: 2 },
    ]);
    const { assets: _assets, ...withoutAssets } = springInput;
    expect(computeDigest(withoutAssets).assets).toBeNull();
  });

  it('is plain JSON (it travels in the delivery queue)', () => {
    expect(JSON.parse(JSON.stringify(digest))).toEqual(digest);
  });
});

describe('computeDigest on other days', () => {
  it('a fall-back day has 25 hourly points and 25 hours of results', () => {
    const window = reportWindow('2026-10-25', 'Europe/Berlin');
    expect(window.hours).toBe(25);
    const buckets: ProbeBucket[] = [];
    for (let t = window.weekStart; t < window.dayEnd; t += HOUR)
      buckets.push({ t, n: 10, ok: t >= window.dayStart ? 9 : 10, durationSum: 10, durationMax: 1 });
    const digest = computeDigest({
      site: { id: 's', name: 'S' },
      window,
      generatedAt: window.dayEnd,
      probes: [{ id: 'p', kind: 'http', target: 'http://x' }],
      buckets: new Map([['p', buckets]]),
      certs: [],
      alertEvents: [],
      agents: [],
    });
    expect(digest.hourly).toHaveLength(25);
    expect(digest.availability[0]!.day).toEqual({ ratio: 225 / 250, results: 250, failed: 25 });
    // 6 × 24 + 25 = 169 hours in the week.
    expect(digest.availability[0]!.week).toEqual({ ratio: (1690 - 25) / 1690, results: 1690, failed: 25 });
    expect(digest.agents).toEqual({ known: 0, silent: [] });
  });

  it('an agent first heard of during the day is not silent before it started', () => {
    const window = reportWindow('2026-06-01', 'UTC');
    const times = [window.dayStart + 10 * HOUR, window.dayStart + 10 * HOUR + MIN, window.dayEnd - MIN];
    const digest = computeDigest({
      site: { id: 's', name: 'S' },
      window,
      generatedAt: window.dayEnd,
      probes: [],
      buckets: new Map(),
      certs: [],
      alertEvents: [],
      agents: [{ agent: 'new', times }],
    });
    // Silent only between 10:01 and 23:59.
    expect(digest.agents.silent.map((a) => a.silentMs)).toEqual([14 * HOUR - 2 * MIN]);
  });
});

import { describe, expect, it } from 'vitest';
import { matchesAll, parseMatcher } from '../../../src/domain/labels.js';
import type { SeriesWindow } from '../../../src/domain/records.js';
import { SeriesIndex } from '../../../src/domain/rules/index.js';

/** 400 series over two tables and two measures, with labels that repeat at different rates. */
const WINDOWS: SeriesWindow[] = Array.from({ length: 400 }, (_, i) => ({
  table: i % 4 === 0 ? 'metrics' : 'probes',
  measure: i % 3 === 0 ? 'duration_ms' : 'success',
  labels: {
    site: `site-${i % 5}`,
    probe: `probe-${i % 20}`,
    target: `https://host-${i}.example/`,
    ...(i % 7 === 0 ? {} : { zone: `zone-${i % 3}` }),
  },
  points: [],
}));

describe('SeriesIndex.select', () => {
  it.each([
    [['probe="probe-3"']],
    [['probe="probe-3"', 'site="site-3"']],
    [['site="site-1"', 'probe=~"probe-1.*"']],
    [['target=~"https://host-1[0-9]\\\\..*"']],
    [['probe=~"probe-(1|2)"']],
    [['zone=""']],
    [['zone!="zone-1"', 'site!~"site-[01]"']],
    [['probe="no-such-probe"']],
    [[]],
  ])('selects exactly what a full scan with %j selects', (texts) => {
    const matchers = texts.map(parseMatcher);
    const index = new SeriesIndex(WINDOWS);
    for (const table of ['probes', 'metrics'] as const) {
      for (const measure of ['success', 'duration_ms', 'absent']) {
        const expected = WINDOWS.filter(
          (w) => w.table === table && w.measure === measure && matchesAll(matchers, w.labels),
        );
        const selected = index.select({ table, measure, matchers }).map((s) => s.window);
        expect(new Set(selected)).toEqual(new Set(expected));
        expect(selected).toHaveLength(expected.length);
      }
    }
  });

  it('selects the same series before and after a shared matcher gets its per-value verdict table', () => {
    // Each site has ~20 candidates per bucket and ~100 distinct targets: the first few selections
    // test the regex per candidate, later ones read the table built once enough were tested.
    const index = new SeriesIndex(WINDOWS);
    for (let round = 0; round < 3; round++) {
      for (let site = 0; site < 5; site++) {
        const matchers = [`site="site-${site}"`, 'target=~"https://host-1.*"'].map(parseMatcher);
        const expected = WINDOWS.filter(
          (w) => w.table === 'probes' && w.measure === 'success' && matchesAll(matchers, w.labels),
        );
        expect(expected.length).toBeGreaterThan(0);
        const selected = index.select({ table: 'probes', measure: 'success', matchers }).map((s) => s.window);
        expect(new Set(selected)).toEqual(new Set(expected));
      }
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricStoreReportReads } from '../../src/adapters/metric-store-report-reads.js';
import { SqliteConsoleQueries } from '../../src/adapters/local/sqlite-console.js';
import { SqliteReportReads } from '../../src/adapters/local/sqlite-report-reads.js';
import { SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import type { ProbeResult } from '../../src/domain/probe-result.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('MetricStoreReportReads', () => {
  it('sums raw window reads into the same 5-minute buckets as the local rollup', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pflow-report-reads-'));
    const T0 = Date.parse('2026-03-29T00:00:00.000Z');
    const store = new SqliteStore({
      database: join(dir, 'pflow.db'),
      clock: { now: () => T0 },
      retentionMs: 86_400_000 * 30,
    });
    const queries = new SqliteConsoleQueries(store.db);
    const results: ProbeResult[] = [];
    for (let i = 0; i < 120; i++) {
      const time = T0 + i * 30_000;
      for (const probe of ['api', 'db'])
        results.push({
          site: 'ward-a',
          probe,
          kind: 'http',
          target: `https://${probe}.example`,
          labels: {},
          time,
          success: !(probe === 'api' && i % 7 === 0),
          durationMs: 10 + (i % 13),
          phases: {},
        });
    }
    await store.writeProbeResults(results);
    const since = T0;
    const until = T0 + 3_600_000 - 1;
    const generic = await new MetricStoreReportReads(store).probeBuckets('ward-a', ['api', 'db', 'none'], since, until);
    const local = await new SqliteReportReads(store, queries).probeBuckets(
      'ward-a',
      ['api', 'db', 'none'],
      since,
      until,
    );
    expect(generic.get('api')).toHaveLength(12);
    expect(generic).toEqual(local);
    expect(generic.get('none')).toEqual([]);
    store.close();
  });
});

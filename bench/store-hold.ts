/**
 * What holding results in memory costs while the store refuses writes (a locked database, a full
 * disk): heap per held probe result, and the time a rule cycle's read takes to merge the held ones
 * into its windows. The store here refuses every write with SQLITE_BUSY and returns no stored
 * windows, so every figure is the buffer's own. Prints figures; asserts nothing.
 *
 *   npx tsx bench/store-hold.ts [held results, default 1000000]
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WriteBuffer } from '../src/adapters/local/write-buffer.js';
import type { Logger } from '../src/domain/ports.js';
import type { ProbeResult } from '../src/domain/probe-result.js';

const HELD = Number(process.argv[2] ?? 1_000_000);
const PROBES = 200;
const INTERVAL_MS = 2_000;
const T0 = Date.parse('2026-11-24T10:00:00Z');
const END = T0 + (HELD / PROBES) * INTERVAL_MS;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const locked = async () => {
  throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
};
let now = T0;
const buffer = new WriteBuffer({
  store: {
    writeProbeResults: locked,
    writeMetricSamples: locked,
    writeAlertEvents: locked,
    fetchWindows: async () => [],
  },
  logger: quiet,
  clock: { now: () => now },
  // No timer fires during the run: the retries are not what is measured.
  timers: { setTimeout: () => 0, clearTimeout: () => {} },
  capacity: HELD,
});

/** An HTTP probe's successful result, as the runtime stores it (the probe's labels included). */
function result(i: number, time: number): ProbeResult {
  return {
    site: `site-${i % 4}`,
    probe: `probe-${i}`,
    kind: 'http',
    target: `https://app-${i}.st-anna.example/health`,
    labels: { service: `svc-${i % 20}`, team: 'applications' },
    time,
    success: true,
    durationMs: 41.7,
    phases: { dnsMs: 1.2, connectMs: 3.4, tlsMs: 9.8, firstByteMs: 24.1, transferMs: 3.2 },
    statusCode: 200,
    tlsVersion: 'TLSv1.3',
    certNotAfter: T0 + 90 * 86_400_000,
    certDaysLeft: 90,
  };
}

const before = heapMb();
for (let slot = 0; slot * PROBES < HELD; slot++) {
  now = T0 + slot * INTERVAL_MS;
  const batch: ProbeResult[] = [];
  for (let i = 0; i < PROBES && slot * PROBES + i < HELD; i++) batch.push(result(i, now));
  await buffer.writeProbeResults(batch);
}
const after = heapMb();
const held = buffer.stats().pending['probe results'];
const perResult = ((after - before) * 1e6) / held;
const minutes = (END - T0) / 60_000;

console.log(
  `held probe results: ${held.toLocaleString('en-US')} (${PROBES} probes every ${INTERVAL_MS / 1000} s: ${minutes.toFixed(0)} min of results)`,
);
console.log(`heap: ${(after - before).toFixed(0)} MB more, ${perResult.toFixed(0)} bytes per held result`);

// A rule cycle's read: a 5-minute window of two measures, merged with everything held.
now = END;
for (const windowMinutes of [5, 60]) {
  const times: number[] = [];
  let series = 0;
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    const windows = await buffer.fetchWindows({
      table: 'probes',
      measures: ['success', 'duration_ms'],
      since: END - windowMinutes * 60_000,
      until: END,
    });
    times.push(performance.now() - start);
    series = windows.length;
  }
  times.sort((a, b) => a - b);
  console.log(
    `rule-cycle read, ${windowMinutes}-minute window over ${held.toLocaleString('en-US')} held results: median ${times[2]!.toFixed(0)} ms (${series} series windows)`,
  );
}

// The reads keep each held result's series labels, JSON and measures with it (weakly), for the next cycle.
const afterReads = heapMb();
console.log(
  `heap after the reads: ${(afterReads - before).toFixed(0)} MB more than before holding, ${(((afterReads - before) * 1e6) / held).toFixed(0)} bytes per held result`,
);

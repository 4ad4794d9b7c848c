/**
 * Probe timing with and without API load (issue 13, item 1), through the real local runtime: a
 * loopback target that answers in about 1 ms (its own process) is probed by N probes, while 32 HTTP
 * clients (another process) read `/api/probes` and `/api/events?limit=1000` over 1,000 stored events,
 * or nobody does. The figures are the durations and failures the runtime STORED for the window,
 * read back from its SQLite file. Probes run in the worker thread (the default) and, for reference,
 * on the main event loop as before (`in-process`).
 *
 * Run: `npx tsx bench/probe-timing.ts [--seconds 15] [--probes 100] [--interval 1000] [--timeout 500]
 * [--clients 32] [--only worker|in-process]`. Prints figures; asserts nothing.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { ProbeIsolation } from '../src/runtime/probe-runner.js';
import { measureProbeTiming, type ProbeTimingReport } from '../test/support/probe-timing.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    probes: { type: 'string', default: '100' },
    interval: { type: 'string', default: '1000' },
    timeout: { type: 'string', default: '500' },
    clients: { type: 'string', default: '32' },
    only: { type: 'string' },
  },
});
const SECONDS = Number(args.seconds);
const PROBES = Number(args.probes);
const INTERVAL_MS = Number(args.interval);
const TIMEOUT_MS = Number(args.timeout);
const CLIENTS = Number(args.clients);
const ISOLATIONS: ProbeIsolation[] = args.only ? [args.only as ProbeIsolation] : ['worker', 'in-process'];

const fmt = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '—');

function row(isolation: string, load: string, report: ProbeTimingReport): string {
  const failures = Object.entries(report.failures)
    .map(([reason, count]) => `${count} ${reason}`)
    .join(', ');
  const late = report.runner?.runnerLate ?? {};
  const apiRate = report.api ? (report.api.requests / SECONDS).toFixed(0) : '—';
  return [
    isolation.padEnd(10),
    load.padEnd(16),
    String(report.results).padStart(7),
    (failures || '0').padEnd(14),
    fmt(report.avg).padStart(7),
    fmt(report.p50).padStart(7),
    fmt(report.p95).padStart(7),
    fmt(report.max).padStart(7),
    String(report.runnerLate).padStart(7),
    `${late.retried ?? 0}/${late.discarded ?? 0}`.padStart(9),
    apiRate.padStart(7),
  ].join(' │ ');
}

console.log(
  `probe timing: ${cpus().length} CPU(s), Node ${process.version}, ${PROBES} probes at ${INTERVAL_MS} ms ` +
    `(timeout ${TIMEOUT_MS} ms), ${SECONDS} s windows, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
);
console.log(
  [
    'isolation ',
    'API load        ',
    'results',
    'failures      ',
    'avg ms ',
    'p50 ms ',
    'p95 ms ',
    'max ms ',
    '  late ',
    'retry/dsc',
    'API r/s',
  ].join(' │ '),
);
for (const isolation of ISOLATIONS) {
  for (const clients of [0, CLIENTS]) {
    const report = await measureProbeTiming({
      probes: PROBES,
      intervalMs: INTERVAL_MS,
      timeoutMs: TIMEOUT_MS,
      windowMs: SECONDS * 1_000,
      apiClients: clients,
      runtime: { probeIsolation: isolation },
    });
    console.log(row(isolation, clients === 0 ? 'none' : `${clients} clients`, report));
  }
}
console.log(
  'late = stored results flagged runnerStartLateMs/runnerStalledMs; retry/dsc = stalled attempts run again / ' +
    'timeouts not stored as the target failing (from /api/health).',
);

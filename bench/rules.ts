/**
 * Rule evaluation benchmark: 10,000 rules over 100,000 series windows of ~10 points, one full
 * evaluate() per cycle with states carried from cycle to cycle as the runtime does.
 * Goal (issue 2): a full cycle under 1 s on one core. Run: `npx tsx bench/rules.ts [cycles]`.
 */
import { parseMatcher, type Labels } from '../src/domain/labels.js';
import type { SeriesWindow } from '../src/domain/records.js';
import {
  evaluate,
  REDUCERS,
  SeriesIndex,
  type AlertInstanceState,
  type Reducer,
  type RuleDefinition,
} from '../src/domain/rules/index.js';
import type { Threshold } from '../src/domain/alerts/event.js';

const RULES = 10_000;
const SITES = 20;
const PROBE_TARGETS = 15_000; // × 4 probe measures = 60,000 series
const PROBE_MEASURES = ['success', 'duration_ms', 'status_code', 'cert_days_left'] as const;
const NODES = 5_000; // × 8 metric names = 40,000 series
const METRICS = [
  'node_load1',
  'node_memory_available_ratio',
  'node_filesystem_free_ratio',
  'node_network_errors_total',
  'windows_process_up',
  'container_cpu_usage_seconds_total',
  'container_restarts_total',
  'rtls_tag_battery_percent',
] as const;
const POINTS = 10;
const STEP_MS = 60_000;
const CYCLES = Number(process.argv[2] ?? 8);

/** mulberry32: a seeded generator, so every run measures the same workload. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SeriesShape {
  readonly table: 'probes' | 'metrics';
  readonly measure: string;
  readonly labels: Labels;
  readonly base: number;
  readonly counter: boolean;
}

function buildShapes(): SeriesShape[] {
  const rnd = random(1);
  const shapes: SeriesShape[] = [];
  for (let i = 0; i < PROBE_TARGETS; i++) {
    const labels = {
      site: `site-${i % SITES}`,
      probe: `probe-${i % 3_000}`,
      target: `https://host-${i}.site-${i % SITES}.example/health`,
    };
    const bases = { success: 1, duration_ms: 50 + rnd() * 400, status_code: 200, cert_days_left: 5 + rnd() * 360 };
    for (const measure of PROBE_MEASURES)
      shapes.push({ table: 'probes', measure, labels, base: bases[measure], counter: false });
  }
  for (let i = 0; i < NODES; i++) {
    const labels = {
      site: `site-${i % SITES}`,
      job: i % 5 === 0 ? 'windows' : 'node',
      instance: `10.${i % SITES}.${Math.floor(i / 250)}.${i % 250}:9100`,
    };
    for (const measure of METRICS) {
      shapes.push({ table: 'metrics', measure, labels, base: rnd() * 100, counter: measure.endsWith('_total') });
    }
  }
  return shapes;
}

/** ~10 points per series ending at `now`; about 2% of series misbehave in any given cycle. */
function windowsAt(shapes: readonly SeriesShape[], now: number, cycle: number): SeriesWindow[] {
  const rnd = random(1000 + cycle);
  return shapes.map((shape) => {
    const bad = rnd() < 0.02;
    const points = [];
    for (let p = POINTS - 1; p >= 0; p--) {
      const t = now - p * STEP_MS;
      const noise = 1 + (rnd() - 0.5) * 0.1;
      let v = shape.counter ? shape.base * 100 + (POINTS - p) * shape.base * noise : shape.base * noise;
      if (shape.measure === 'success' || shape.measure === 'windows_process_up') v = bad && p < 3 ? 0 : 1;
      else if (shape.measure === 'status_code') v = bad ? 503 : 200;
      else if (bad) v *= 4;
      points.push({ t, v });
    }
    return { table: shape.table, measure: shape.measure, labels: shape.labels, points };
  });
}

function buildRules(): RuleDefinition[] {
  const rnd = random(2);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const rules: RuleDefinition[] = [];
  for (let i = 0; i < RULES; i++) {
    const kind = rnd();
    let table: 'probes' | 'metrics';
    let measure: string;
    let matchers: string[];
    let reducer: Reducer;
    let threshold: Threshold;
    if (kind < 0.45) {
      // One probe (five targets): success, status or latency.
      table = 'probes';
      measure = pick(['success', 'status_code', 'duration_ms']);
      matchers = [`probe="probe-${Math.floor(rnd() * 3_000)}"`];
      reducer = measure === 'duration_ms' ? pick(['avg', 'max', 'last']) : pick(['last', 'min']);
      threshold =
        measure === 'success'
          ? { op: '<', value: 1 }
          : measure === 'status_code'
            ? { op: 'outside_range', min: 200, max: 399 }
            : { op: '>', value: 1_000 };
    } else if (kind < 0.65) {
      // One target, pinned to its site.
      const target = Math.floor(rnd() * PROBE_TARGETS);
      table = 'probes';
      measure = pick(['cert_days_left', 'duration_ms']);
      matchers = [
        `site="site-${target % SITES}"`,
        `target="https://host-${target}.site-${target % SITES}.example/health"`,
      ];
      reducer = measure === 'cert_days_left' ? 'min' : pick(['avg', 'max']);
      threshold = measure === 'cert_days_left' ? { op: '<', value: 14 } : { op: '>=', value: 1_200 };
    } else if (kind < 0.8) {
      // A site's probes narrowed by a regex on the target.
      table = 'probes';
      measure = pick(['success', 'duration_ms']);
      matchers = [`site="site-${Math.floor(rnd() * SITES)}"`, `target=~"https://host-${Math.floor(rnd() * 9) + 1}.*"`];
      reducer = measure === 'success' ? 'avg' : 'max';
      threshold = measure === 'success' ? { op: '<', value: 0.9 } : { op: '>', value: 1_500 };
    } else if (kind < 0.995) {
      // One node's metric.
      const node = Math.floor(rnd() * NODES);
      table = 'metrics';
      measure = pick(METRICS);
      matchers = [`instance="10.${node % SITES}.${Math.floor(node / 250)}.${node % 250}:9100"`];
      reducer = measure.endsWith('_total') ? pick(['rate', 'delta']) : pick(REDUCERS.filter((r) => r !== 'rate'));
      threshold = reducer === 'count' ? { op: '<', value: 5 } : { op: '>', value: 300 };
    } else {
      // Fleet-wide, regex only (50 rules): scans its measure's series.
      table = 'metrics';
      measure = pick(METRICS);
      matchers = [`job=~"node|windows"`, `site!~"site-1[0-9]"`];
      reducer = measure.endsWith('_total') ? 'rate' : 'last';
      threshold = measure === 'windows_process_up' ? { op: '==', value: 0 } : { op: '>', value: 350 };
    }
    rules.push({
      id: `rule-${i}`,
      name: `Rule ${i}`,
      group: `group-${i % 50}`,
      severity: pick(['critical', 'major', 'warning', 'info']),
      table,
      measure,
      matchers: matchers.map(parseMatcher),
      windowMs: pick([5, 10]) * STEP_MS,
      reducer,
      threshold,
      forMs: pick([0, 0, 2, 5]) * STEP_MS,
      keepFiringForMs: pick([0, 0, 3]) * STEP_MS,
      noData: pick(['nodata', 'ok', 'keep_last']),
      onError: 'error',
      repeatIntervalMs: pick([0, 60]) * STEP_MS,
      sendResolved: rnd() < 0.8,
      labels: { team: pick(['infra', 'apps', 'rtls']) },
      annotations: { summary: '{{ $labels.target }}{{ $labels.instance }} is at {{ $value }}' },
      links: [],
    });
  }
  return rules;
}

/** Rule × series pairs evaluated: the work a cycle does beyond selecting series. */
let pairs = 0;
function matchedInstances(_: unknown): string {
  return pairs.toLocaleString('en-US');
}

function main(): void {
  const shapes = buildShapes();
  const rules = buildRules();
  {
    const index = new SeriesIndex(windowsAt(shapes, 0, 0));
    for (const rule of rules) pairs += index.select(rule).length;
  }
  const states = new Map<string, AlertInstanceState>();
  const start = Date.parse('2026-11-24T10:00:00Z');
  console.log(
    `rules: ${rules.length}, series windows: ${shapes.length}, points per window: ${POINTS}, cycles: ${CYCLES}`,
  );
  console.log(`node ${process.version}, single thread`);
  const timings: number[] = [];
  // CPU time as well as wall time: on a shared machine wall time also counts other processes' turns.
  const cpuTimings: number[] = [];
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const now = start + cycle * STEP_MS;
    const windows = windowsAt(shapes, now, cycle);
    const cpuBefore = process.cpuUsage();
    const began = performance.now();
    const output = evaluate({ rules, windows, states, now, silences: [], maintenanceWindows: [] });
    const ms = performance.now() - began;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    timings.push(ms);
    cpuTimings.push(cpuMs);
    for (const write of output.writes) states.set(write.next.key, write.next);
    for (const key of output.deletes) states.delete(key);
    console.log(
      `cycle ${cycle}: ${ms.toFixed(1)} ms wall, ${cpuMs.toFixed(1)} ms CPU  instances ${matchedInstances(output)}  writes ${output.writes.length}  deletes ${output.deletes.length}  ` +
        `notifications ${output.notifications.length}  history ${output.history.length}  states held ${states.size}`,
    );
  }
  // The first cycle includes JIT warm-up; report the rest.
  const steady = timings.slice(1).sort((a, b) => a - b);
  const median = steady[Math.floor(steady.length / 2)] ?? timings[0]!;
  const worst = steady[steady.length - 1] ?? timings[0]!;
  console.log('');
  console.log(
    `full cycle: median ${median.toFixed(1)} ms, worst ${worst.toFixed(1)} ms, first (cold) ${timings[0]!.toFixed(1)} ms`,
  );
  console.log(`cycles/s: ${(1000 / median).toFixed(2)}`);
  console.log(`rules/s: ${Math.round((rules.length * 1000) / median).toLocaleString('en-US')}`);
  console.log(`series windows/s: ${Math.round((shapes.length * 1000) / median).toLocaleString('en-US')}`);
  console.log(`goal (< 1000 ms per full cycle): ${median < 1000 ? 'met' : 'NOT met'}`);
}

main();

import type { AlertEvent } from '../../domain/alerts/event.js';
import type { Labels } from '../../domain/labels.js';
import type { ProbeResult } from '../../domain/probe-result.js';
import type { MetricSample, SeriesTable, SeriesWindow } from '../../domain/records.js';

/**
 * How the store's tables become Prometheus series and back (README, "Prometheus series").
 *
 * Probe results are written under blackbox_exporter's names so its dashboards and habits carry over;
 * the reverse mapping turns them back into the `probes` table's measures with exactly the labels the
 * SQLite store returns (`site`, `probe`, `kind`, `target` + the probe's labels), so an alert
 * instance's fingerprint does not change with the backend.
 */

/** One sample bound for remote write: sorted label pairs (with `__name__`), time, value. */
export interface OutSample {
  readonly labels: string[];
  readonly time: number;
  readonly value: number;
}

/** Samples that cannot be written, with why; counted as rejected, never sent. */
export interface Invalid {
  readonly reason: string;
  readonly count: number;
  readonly example: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `{a: '1', b: '2'}` → `['a', '1', 'b', '2']`, sorted by name; empty values dropped (Prometheus: empty = absent). */
export function sortedLabelPairs(labels: Readonly<Record<string, string>>): string[] {
  const names = Object.keys(labels);
  // Insertion sort with `<`: label sets are small, and Array#sort's default comparator converts and
  // allocates. Names are ASCII, so UTF-16 order is the byte order Prometheus sorts by.
  for (let i = 1; i < names.length; i++) {
    const name = names[i]!;
    let j = i - 1;
    while (j >= 0 && names[j]! > name) {
      names[j + 1] = names[j]!;
      j--;
    }
    names[j + 1] = name;
  }
  const pairs: string[] = [];
  for (const name of names) {
    const value = labels[name]!;
    if (value !== '') pairs.push(name, value);
  }
  return pairs;
}

// --- probes ---------------------------------------------------------------------------------------

type PhaseMeasure = 'dns_ms' | 'connect_ms' | 'tls_ms' | 'first_byte_ms' | 'transfer_ms';
interface SeriesName {
  readonly name: string;
  readonly phase?: string;
}

/** Per-phase durations by probe kind: blackbox_exporter's names where it has one. */
const PHASE_SERIES: Readonly<Record<string, Readonly<Record<PhaseMeasure, SeriesName>>>> = {
  http: {
    dns_ms: { name: 'probe_http_duration_seconds', phase: 'resolve' },
    connect_ms: { name: 'probe_http_duration_seconds', phase: 'connect' },
    tls_ms: { name: 'probe_http_duration_seconds', phase: 'tls' },
    first_byte_ms: { name: 'probe_http_duration_seconds', phase: 'processing' },
    transfer_ms: { name: 'probe_http_duration_seconds', phase: 'transfer' },
  },
  // blackbox's dns prober splits resolve/connect/request; ours times the whole query as `request`.
  dns: {
    dns_ms: { name: 'probe_dns_duration_seconds', phase: 'request' },
    connect_ms: { name: 'probe_dns_duration_seconds', phase: 'connect' },
    tls_ms: { name: 'probe_dns_duration_seconds', phase: 'tls' },
    first_byte_ms: { name: 'probe_dns_duration_seconds', phase: 'processing' },
    transfer_ms: { name: 'probe_dns_duration_seconds', phase: 'transfer' },
  },
  // blackbox's tcp prober only reports the lookup time; the other phases follow the http naming.
  tcp: {
    dns_ms: { name: 'probe_dns_lookup_time_seconds' },
    connect_ms: { name: 'probe_tcp_duration_seconds', phase: 'connect' },
    tls_ms: { name: 'probe_tcp_duration_seconds', phase: 'tls' },
    first_byte_ms: { name: 'probe_tcp_duration_seconds', phase: 'processing' },
    transfer_ms: { name: 'probe_tcp_duration_seconds', phase: 'transfer' },
  },
};
/** For a kind added later without its own entry. */
const GENERIC_PHASE_SERIES: Readonly<Record<PhaseMeasure, SeriesName>> = {
  dns_ms: { name: 'probe_dns_lookup_time_seconds' },
  connect_ms: { name: 'probe_phase_duration_seconds', phase: 'connect' },
  tls_ms: { name: 'probe_phase_duration_seconds', phase: 'tls' },
  first_byte_ms: { name: 'probe_phase_duration_seconds', phase: 'processing' },
  transfer_ms: { name: 'probe_phase_duration_seconds', phase: 'transfer' },
};

const SUCCESS = 'probe_success';
const DURATION = 'probe_duration_seconds';
const STATUS_CODE = 'probe_http_status_code';
const CERT_EXPIRY = 'probe_ssl_earliest_cert_expiry';
const TLS_VERSION = 'probe_tls_version_info';

/** The `probes` measures and the series that carry them (a measure may live under several names by kind). */
const MEASURE_SERIES: ReadonlyMap<string, readonly SeriesName[]> = (() => {
  const map = new Map<string, SeriesName[]>([
    ['success', [{ name: SUCCESS }]],
    ['duration_ms', [{ name: DURATION }]],
    ['status_code', [{ name: STATUS_CODE }]],
    ['cert_days_left', [{ name: CERT_EXPIRY }]],
  ]);
  for (const table of [...Object.values(PHASE_SERIES), GENERIC_PHASE_SERIES]) {
    for (const [measure, series] of Object.entries(table)) {
      const list = map.get(measure) ?? [];
      if (!list.some((s) => s.name === series.name && s.phase === series.phase)) list.push(series);
      map.set(measure, list);
    }
  }
  return map;
})();

/** `name\0phase` → measure, for reading back. */
const SERIES_MEASURE: ReadonlyMap<string, string> = new Map(
  [...MEASURE_SERIES].flatMap(([measure, list]) => list.map((s) => [`${s.name}\u0000${s.phase ?? ''}`, measure])),
);

/** Labels the series mapping itself sets; a probe label of that name is kept as `exported_<name>`. */
const PROBE_RESERVED = new Set(['instance', 'phase', 'version']);
/** Probe labels the probe's own dimensions replace, as probeDimensions does. */
const PROBE_DIMENSIONS = new Set(['site', 'probe', 'kind', 'target']);
const EXPORTED = 'exported_';

function exportedName(name: string): string {
  return PROBE_RESERVED.has(name) || name.startsWith('__') ? EXPORTED + name : name;
}

/** blackbox writes `TLS 1.3` where Node says `TLSv1.3`. */
function tlsVersionLabel(version: string): string {
  return version.replace(/^TLSv/, 'TLS ');
}

const DAY_MS = 86_400_000;
const toSeconds = (ms: number) => ms / 1000;
/** Seconds back to ms, rounded to the nanosecond so 0.0123 s reads back as 12.3 ms, not 12.299999999999999. */
const toMs = (seconds: number) => (Number.isFinite(seconds) ? Math.round(seconds * 1e9) / 1e6 : seconds * 1000);

/** The series one probe result becomes. */
export function probeResultSamples(result: ProbeResult): OutSample[] {
  const base: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(result.labels)) {
    if (!PROBE_DIMENSIONS.has(name)) base[exportedName(name)] = value;
  }
  base.site = result.site;
  base.probe = result.probe;
  base.kind = result.kind;
  base.instance = result.target;
  const out: OutSample[] = [];
  const add = (series: SeriesName, value: number, extra?: Record<string, string>) => {
    const labels: Record<string, string> = { ...base, __name__: series.name, ...extra };
    if (series.phase !== undefined) labels.phase = series.phase;
    out.push({ labels: sortedLabelPairs(labels), time: result.time, value });
  };
  add({ name: SUCCESS }, result.success ? 1 : 0);
  add({ name: DURATION }, toSeconds(result.durationMs));
  const phases = PHASE_SERIES[result.kind] ?? GENERIC_PHASE_SERIES;
  const p = result.phases;
  if (p.dnsMs !== undefined) add(phases.dns_ms, toSeconds(p.dnsMs));
  if (p.connectMs !== undefined) add(phases.connect_ms, toSeconds(p.connectMs));
  if (p.tlsMs !== undefined) add(phases.tls_ms, toSeconds(p.tlsMs));
  if (p.firstByteMs !== undefined) add(phases.first_byte_ms, toSeconds(p.firstByteMs));
  if (p.transferMs !== undefined) add(phases.transfer_ms, toSeconds(p.transferMs));
  if (result.statusCode !== undefined) add({ name: STATUS_CODE }, result.statusCode);
  if (result.certNotAfter !== undefined) add({ name: CERT_EXPIRY }, toSeconds(result.certNotAfter));
  if (result.tlsVersion !== undefined) add({ name: TLS_VERSION }, 1, { version: tlsVersionLabel(result.tlsVersion) });
  return out;
}

// --- metrics --------------------------------------------------------------------------------------

/** A scraped or pushed sample keeps its name and labels (`site`, `agent`, `job`, `instance`, …). */
export function metricSampleToOut(sample: MetricSample): OutSample | Invalid {
  if (!METRIC_NAME.test(sample.name)) {
    return { reason: 'invalid_name', count: 1, example: `metric name ${JSON.stringify(sample.name)}` };
  }
  for (const name of Object.keys(sample.labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      return { reason: 'invalid_name', count: 1, example: `label name ${JSON.stringify(name)} on ${sample.name}` };
    }
  }
  return {
    labels: sortedLabelPairs({ ...sample.labels, __name__: sample.name }),
    time: sample.time,
    value: sample.value,
  };
}

// --- alert history --------------------------------------------------------------------------------

/** Instance states an ALERTS series exists for (an `ok` instance has none, as in Prometheus). */
const ALERT_SERIES_STATES = new Set(['pending', 'firing', 'nodata', 'error']);

/**
 * An alert event as Prometheus's own `ALERTS` series: `ALERTS{alertname, alertstate, …labels} 1`
 * when an instance enters a state, and 0 for the state it left, so `ALERTS == 1` over time is the
 * state history. A probe's `target` label is written as `instance`, as on the probe series.
 */
export function alertEventSamples(event: AlertEvent): OutSample[] {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(event.labels)) {
    if (name === 'target' && event.labels.instance === undefined) labels.instance = value;
    else if (!name.startsWith('__') && name !== 'alertstate') labels[name] = value;
  }
  labels.__name__ = 'ALERTS';
  labels.alertname = event.rule.name;
  labels.rule = event.rule.id;
  labels.severity = event.rule.severity;
  labels.site = event.site;
  const time = Date.parse(event.evaluatedAt);
  const out: OutSample[] = [];
  if (ALERT_SERIES_STATES.has(event.previousState) && event.previousState !== event.state) {
    out.push({ labels: sortedLabelPairs({ ...labels, alertstate: event.previousState }), time, value: 0 });
  }
  if (ALERT_SERIES_STATES.has(event.state)) {
    out.push({ labels: sortedLabelPairs({ ...labels, alertstate: event.state }), time, value: 1 });
  }
  return out;
}

// --- reads ----------------------------------------------------------------------------------------

/** A PromQL double-quoted string. */
function quote(text: string): string {
  return JSON.stringify(text);
}

/** Regex-escapes a literal for an RE2 alternation (PromQL regexes are fully anchored). */
function regexLiteral(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * The one PromQL expression that fetches every window of a cycle's query: a range selector over all
 * its measures' series (a `__name__` regex), at the query's end time. `rangeMs` is one ms wider than
 * the window so that both Prometheus 2 (closed range) and 3 (left-open range) include `since`; the
 * reader drops the extra millisecond.
 */
export function windowSelector(query: {
  readonly table: SeriesTable;
  readonly measures: readonly string[];
  readonly since: number;
  readonly until: number;
  readonly sites?: readonly string[];
}): string | undefined {
  const matchers: string[] = [];
  if (query.table === 'probes') {
    const names = new Set<string>();
    const phases = new Set<string>();
    for (const measure of query.measures) {
      for (const series of MEASURE_SERIES.get(measure) ?? []) {
        names.add(series.name);
        phases.add(series.phase ?? '');
      }
    }
    if (names.size === 0) return undefined;
    matchers.push(`__name__=~${quote([...names].sort().map(regexLiteral).join('|'))}`);
    // Only this store's probe series (a real blackbox_exporter's in the same workspace has no kind).
    matchers.push('probe!=""', 'kind!=""');
    if (!phases.has('') || phases.size > 1) {
      matchers.push(`phase=~${quote([...phases].sort().map(regexLiteral).join('|'))}`);
    }
  } else {
    const names = [...new Set(query.measures)].filter((name) => METRIC_NAME.test(name));
    if (names.length === 0) return undefined;
    matchers.push(`__name__=~${quote(names.sort().map(regexLiteral).join('|'))}`);
  }
  if (query.sites !== undefined) matchers.push(`site=~${quote(query.sites.map(regexLiteral).join('|'))}`);
  const rangeMs = Math.max(1, query.until - query.since + 1);
  return `{${matchers.join(', ')}}[${rangeMs}ms]`;
}

/** One series of a matrix result, as Prometheus's JSON API returns it. */
export interface MatrixSeries {
  readonly metric: Record<string, string>;
  readonly values: ReadonlyArray<readonly [number, string]>;
}

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return Number.NaN;
    default:
      return Number(text);
  }
}

/** Turns a matrix into the evaluator's windows, keeping points in [since, until] and only wanted measures. */
export function matrixToWindows(
  table: SeriesTable,
  measures: readonly string[],
  since: number,
  until: number,
  matrix: readonly MatrixSeries[],
): SeriesWindow[] {
  const wanted = new Set(measures);
  const windows: SeriesWindow[] = [];
  for (const series of matrix) {
    const { __name__: name = '', ...rest } = series.metric;
    let measure: string | undefined;
    let labels: Labels;
    let convert: (seconds: number, t: number) => number;
    if (table === 'probes') {
      const { phase, instance, ...others } = rest;
      measure = SERIES_MEASURE.get(`${name}\u0000${phase ?? ''}`);
      if (measure === undefined || !wanted.has(measure)) continue;
      const plain: Record<string, string> = {};
      for (const [key, value] of Object.entries(others)) {
        const original = key.startsWith(EXPORTED) ? key.slice(EXPORTED.length) : undefined;
        plain[original !== undefined && exportedName(original) === key ? original : key] = value;
      }
      labels = { ...plain, target: instance ?? '' };
      convert =
        measure === 'cert_days_left'
          ? (expiry, t) => Math.round(((expiry * 1000 - t) / DAY_MS) * 100) / 100
          : name.endsWith('_seconds')
            ? toMs
            : (v) => v;
    } else {
      measure = name;
      if (!wanted.has(measure)) continue;
      labels = rest;
      convert = (v) => v;
    }
    const points: Array<{ t: number; v: number }> = [];
    for (const [seconds, text] of series.values) {
      const t = Math.round(seconds * 1000);
      if (t < since || t > until) continue;
      points.push({ t, v: convert(parseValue(text), t) });
    }
    if (points.length > 0) windows.push({ table, measure, labels, points });
  }
  return windows;
}

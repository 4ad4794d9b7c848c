import { matchesAll, type LabelMatcher, type Labels } from '../labels.js';
import { displayTarget, PROBE_RUNNER_GRACE_MS, probeDimensions } from '../probe-result.js';
import { samplesNeeded, type Reducer } from '../rules/types.js';

/** What config says about a probe's series: enough to know which rules read it. */
export interface ProbeSeriesSource {
  readonly id: string;
  readonly site: string;
  readonly kind: string;
  readonly target: string;
  readonly labels: Labels;
}

/** A probe's cadence, durations in ms. */
export interface ProbeCadence {
  readonly id: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** The labels every series of this probe carries, as the prober stores them. */
export function probeSeriesLabels(probe: ProbeSeriesSource): Labels {
  return probeDimensions({ ...probe, probe: probe.id, target: displayTarget(probe.target) });
}

/** The probes whose series a `table: probes` rule's matchers select. */
export function probesReadBy<P extends ProbeSeriesSource>(
  matchers: readonly LabelMatcher[],
  probes: readonly P[],
): P[] {
  return probes.filter((probe) => matchesAll(matchers, probeSeriesLabels(probe)));
}

/**
 * The labels all the given probes' series share (site included when they are all in one site):
 * what an alert about "none of these series has data" can honestly say about where it is.
 */
export function sharedProbeLabels(probes: readonly ProbeSeriesSource[]): Labels {
  if (probes.length === 0) return {};
  const shared: Record<string, string> = { ...probeSeriesLabels(probes[0]!) };
  for (const probe of probes.slice(1)) {
    const labels = probeSeriesLabels(probe);
    for (const name of Object.keys(shared)) if (labels[name] !== shared[name]) delete shared[name];
  }
  return shared;
}

/**
 * The shortest window a rule may have over probes with this interval. A healthy probe's newest
 * result is stamped when its attempt started, and can be stored up to its timeout later (less than
 * an interval, validation makes sure), so the newest stored result may be almost two intervals old;
 * the one before it, almost three. A window shorter than that is empty now and then for a healthy
 * target (`last`, `avg`, …: one result needed) or holds a single result (`delta`, `increase`,
 * `rate`: two needed): the rule flaps between nodata and resolved.
 */
export function shortestWindowMs(reducer: Reducer, longestIntervalMs: number): number {
  return (samplesNeeded(reducer) + 1) * longestIntervalMs;
}

/** The probe whose interval bounds a rule's window: the slowest of those it reads. */
export function slowestProbe<P extends ProbeCadence>(probes: readonly P[]): P | undefined {
  let slowest: P | undefined;
  for (const probe of probes) if (slowest === undefined || probe.intervalMs > slowest.intervalMs) slowest = probe;
  return slowest;
}

/**
 * How long after probing starts healthy probes have stored the results a reducer needs: each probe's
 * first run comes within one interval of the start (the runner spreads them over it), the next
 * ones an interval apart, and each result is stored at the latest its timeout plus the runner's
 * grace after its run began. Undefined when no probe is known to feed the rule.
 */
export function noDataGraceMs(reducer: Reducer, probes: readonly ProbeCadence[]): number | undefined {
  if (probes.length === 0) return undefined;
  const interval = Math.max(...probes.map((probe) => probe.intervalMs));
  const timeout = Math.max(...probes.map((probe) => probe.timeoutMs));
  return samplesNeeded(reducer) * interval + timeout + PROBE_RUNNER_GRACE_MS;
}

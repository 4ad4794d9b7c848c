import type { Labels } from './labels.js';

/** Why a probe failed; a probe never reports a bare false. */
export const PROBE_FAILURE_REASONS = [
  'timeout',
  'refused',
  'dns',
  'tls',
  'connection',
  'status_mismatch',
  'body_mismatch',
  'answer_mismatch',
  'cert_expiring',
  'packet_loss',
  'error',
] as const;
export type ProbeFailureReason = (typeof PROBE_FAILURE_REASONS)[number];

/** Per-phase timings in milliseconds; a phase a probe did not go through is absent. */
export interface ProbePhases {
  readonly dnsMs?: number;
  readonly connectMs?: number;
  readonly tlsMs?: number;
  readonly firstByteMs?: number;
  readonly transferMs?: number;
}

/** What a prober returns for one attempt, before the runtime adds site, probe id and labels. */
export interface ProbeOutcome {
  readonly success: boolean;
  readonly failure?: { readonly reason: ProbeFailureReason; readonly message: string };
  readonly durationMs: number;
  readonly phases: ProbePhases;
  readonly statusCode?: number;
  readonly tlsVersion?: string;
  /** Epoch ms when the leaf certificate expires. */
  readonly certNotAfter?: number;
  readonly certDaysLeft?: number;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/** One stored probe result: a row of the `probes` table (multi-measure, like Timestream's). */
export interface ProbeResult extends ProbeOutcome {
  readonly site: string;
  readonly probe: string;
  readonly kind: string;
  readonly target: string;
  readonly labels: Labels;
  /** Epoch ms when the attempt started. */
  readonly time: number;
}

/**
 * Grace past a probe's own timeout before the runner gives up on a prober that failed to cut itself:
 * a result is stored at the latest this long after its timeout.
 */
export const PROBE_RUNNER_GRACE_MS = 1_000;

/** The numeric measures of a probe result, as rules see them. */
export const PROBE_MEASURES = [
  'success',
  'duration_ms',
  'dns_ms',
  'connect_ms',
  'tls_ms',
  'first_byte_ms',
  'transfer_ms',
  'status_code',
  'cert_days_left',
] as const;
export type ProbeMeasure = (typeof PROBE_MEASURES)[number];

export function probeMeasures(result: ProbeOutcome): Partial<Record<ProbeMeasure, number>> {
  const measures: Partial<Record<ProbeMeasure, number>> = {
    success: result.success ? 1 : 0,
    duration_ms: result.durationMs,
  };
  if (result.phases.dnsMs !== undefined) measures.dns_ms = result.phases.dnsMs;
  if (result.phases.connectMs !== undefined) measures.connect_ms = result.phases.connectMs;
  if (result.phases.tlsMs !== undefined) measures.tls_ms = result.phases.tlsMs;
  if (result.phases.firstByteMs !== undefined) measures.first_byte_ms = result.phases.firstByteMs;
  if (result.phases.transferMs !== undefined) measures.transfer_ms = result.phases.transferMs;
  if (result.statusCode !== undefined) measures.status_code = result.statusCode;
  if (result.certDaysLeft !== undefined) measures.cert_days_left = result.certDaysLeft;
  return measures;
}

/** The dimensions a probe result's series carry: site, probe, kind, target, then the probe's labels. */
export function probeDimensions(result: Pick<ProbeResult, 'site' | 'probe' | 'kind' | 'target' | 'labels'>): Labels {
  return { ...result.labels, site: result.site, probe: result.probe, kind: result.kind, target: result.target };
}

/**
 * A probe target as it may be stored, shown and sent: an http(s) target may carry basic-auth
 * credentials (`https://user:secret@host/`), and the target becomes a label on every record and
 * alert, so its password is replaced before it leaves the prober.
 */
export function displayTarget(target: string): string {
  if (!target.includes('@')) return target;
  try {
    const url = new URL(target);
    if (url.password === '') return target;
    url.password = 'REDACTED';
    return url.toString();
  } catch {
    return target;
  }
}

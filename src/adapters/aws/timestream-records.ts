import type { _Record, Dimension, MeasureValue } from '@aws-sdk/client-timestream-write';
import type { AlertEvent } from '../../domain/alerts/event.js';
import { probeDimensions, probeMeasures, type ProbeResult } from '../../domain/probe-result.js';
import type { MetricSample } from '../../domain/records.js';

/**
 * How the domain's records become Timestream records (the table layout in README "AWS functions"):
 * - `probes`: one multi-measure record `probe` per result; dimensions site, probe, kind, target and
 *   the probe's labels; numeric measures as DOUBLE, failure facts as VARCHAR.
 * - `metrics`: one DOUBLE record per sample, measure name = metric name, dimensions = its labels.
 * - `alerts`: one multi-measure record `alert` per state change; dimensions site, rule, severity and
 *   the instance fingerprint (two instances of a rule change state in the same evaluation).
 */

export const PROBE_RECORD_MEASURE = 'probe';
export const ALERT_RECORD_MEASURE = 'alert';

/** Timestream's per-value and per-record ceiling (2 KB); longer text is cut, never rejected for length. */
const MAX_VARCHAR_BYTES = 2048;
/** Kept well under the record limit so dimensions and numeric measures still fit beside the text. */
const MAX_MESSAGE_BYTES = 512;

/** A record plus where it came from, so a rejection can name the result or sample it belongs to. */
export interface SourcedRecord {
  readonly record: _Record;
  /** Human-readable origin, e.g. `probe site-a/web at 2026-12-01T08:00:00.000Z`. */
  readonly source: string;
}

export function probeRecord(result: ProbeResult): SourcedRecord {
  const values: MeasureValue[] = [];
  for (const [name, value] of Object.entries(probeMeasures(result))) {
    values.push({ Name: name, Value: String(value), Type: 'DOUBLE' });
  }
  if (result.certNotAfter !== undefined)
    values.push({ Name: 'cert_not_after', Value: String(result.certNotAfter), Type: 'BIGINT' });
  if (result.tlsVersion !== undefined)
    values.push({ Name: 'tls_version', Value: cut(result.tlsVersion, 64), Type: 'VARCHAR' });
  if (result.failure !== undefined) {
    values.push({ Name: 'failure_reason', Value: result.failure.reason, Type: 'VARCHAR' });
    if (result.failure.message !== '')
      values.push({ Name: 'failure_message', Value: cut(result.failure.message, MAX_MESSAGE_BYTES), Type: 'VARCHAR' });
  }
  return {
    record: {
      Dimensions: dimensions(probeDimensions(result)),
      MeasureName: PROBE_RECORD_MEASURE,
      MeasureValueType: 'MULTI',
      MeasureValues: values,
      Time: String(result.time),
      TimeUnit: 'MILLISECONDS',
    },
    source: `probe ${result.site}/${result.probe} at ${new Date(result.time).toISOString()}`,
  };
}

/** Undefined for a value Timestream cannot hold (NaN, ±Infinity): the caller reports it as unwritable. */
export function metricRecord(sample: MetricSample): SourcedRecord | undefined {
  if (!Number.isFinite(sample.value)) return undefined;
  return {
    record: {
      Dimensions: dimensions(sample.labels),
      MeasureName: sample.name,
      MeasureValueType: 'DOUBLE',
      MeasureValue: String(sample.value),
      Time: String(sample.time),
      TimeUnit: 'MILLISECONDS',
    },
    source: metricSource(sample),
  };
}

export function metricSource(sample: MetricSample): string {
  return `sample ${sample.name}${JSON.stringify(sample.labels)} at ${new Date(sample.time).toISOString()}`;
}

export function alertRecord(event: AlertEvent): SourcedRecord {
  const [, , fingerprint = ''] = event.id.split('/');
  const values: MeasureValue[] = [
    { Name: 'state', Value: event.state, Type: 'VARCHAR' },
    { Name: 'previous_state', Value: event.previousState, Type: 'VARCHAR' },
    { Name: 'event_id', Value: cut(event.id, MAX_MESSAGE_BYTES), Type: 'VARCHAR' },
  ];
  if (event.value !== null && Number.isFinite(event.value))
    values.push({ Name: 'value', Value: String(event.value), Type: 'DOUBLE' });
  const summary = event.annotations.summary;
  if (summary) values.push({ Name: 'summary', Value: cut(summary, MAX_MESSAGE_BYTES), Type: 'VARCHAR' });
  return {
    record: {
      Dimensions: dimensions({ site: event.site, rule: event.rule.id, severity: event.rule.severity, fingerprint }),
      MeasureName: ALERT_RECORD_MEASURE,
      MeasureValueType: 'MULTI',
      MeasureValues: values,
      Time: String(Date.parse(event.evaluatedAt)),
      TimeUnit: 'MILLISECONDS',
    },
    source: `alert event ${event.id}`,
  };
}

/** Dimensions in name order, so equal label sets give equal records (and hoisting finds them). */
function dimensions(labels: Readonly<Record<string, string>>): Dimension[] {
  return Object.keys(labels)
    .sort()
    .filter((name) => labels[name] !== '') // Timestream rejects an empty dimension value; absent reads the same
    .map((name) => ({ Name: name, Value: cut(labels[name]!, MAX_VARCHAR_BYTES / 2), DimensionValueType: 'VARCHAR' }));
}

/** Cuts to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function cut(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes - 3) break;
    out += char;
    bytes += size;
  }
  return `${out}…`;
}

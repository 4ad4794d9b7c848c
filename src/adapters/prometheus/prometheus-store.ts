import type { AlertEvent } from '../../domain/alerts/event.js';
import type { Logger, MetricStore, Timers } from '../../domain/ports.js';
import type { ProbeResult } from '../../domain/probe-result.js';
import type { MetricSample, SeriesWindow, WindowQuery } from '../../domain/records.js';
import { authenticator, type PrometheusAuth } from './auth.js';
import { queryMatrix } from './query.js';
import { RemoteWriter, type RemoteWriteStats, type WriteReport } from './remote-write.js';
import {
  alertEventSamples,
  matrixToWindows,
  metricSampleToOut,
  probeResultSamples,
  windowSelector,
  type Invalid,
  type MatrixSeries,
  type OutSample,
} from './series-mapping.js';

/**
 * The MetricStore on Amazon Managed Service for Prometheus or any Prometheus-compatible server
 * (Prometheus with --web.enable-remote-write-receiver, Mimir, VictoriaMetrics): writes go out as
 * remote-write 1.0, and a rule cycle's windows come back from one PromQL range-selector query per
 * table (README, "Prometheus series").
 */

export interface PrometheusEndpoints {
  /** The remote-write URL. */
  readonly writeUrl: string;
  /** The instant-query URL (`…/api/v1/query`). */
  readonly queryUrl: string;
}

/** A Prometheus-compatible server's endpoints under its base URL (e.g. http://127.0.0.1:9090). */
export function prometheusEndpoints(baseUrl: string): PrometheusEndpoints {
  const base = baseUrl.replace(/\/+$/, '');
  return { writeUrl: `${base}/api/v1/write`, queryUrl: `${base}/api/v1/query` };
}

/** An AMP workspace's endpoints under its workspace URL (https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/). */
export function ampEndpoints(workspaceUrl: string): PrometheusEndpoints {
  const base = workspaceUrl.replace(/\/+$/, '');
  return { writeUrl: `${base}/api/v1/remote_write`, queryUrl: `${base}/api/v1/query` };
}

/** The region in an AMP workspace URL, for signing. */
export function ampRegion(workspaceUrl: string): string {
  const match = /^aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(workspaceUrl).hostname);
  if (match === null) throw new Error(`not an AMP workspace URL: ${workspaceUrl}`);
  return match[1]!;
}

export interface PrometheusStoreOptions extends PrometheusEndpoints {
  readonly auth?: PrometheusAuth;
  readonly logger: Logger;
  readonly timers?: Timers;
  readonly fetch?: typeof fetch;
  /** Most samples one rule-cycle query may process before it fails (AMP's QSP error threshold). */
  readonly maxSamplesProcessed?: number;
  readonly maxSamplesPerRequest?: number;
  readonly maxBytesPerRequest?: number;
  readonly maxAttempts?: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  readonly timeoutMs?: number;
  /** Called with each PromQL expression sent (the rule cycle's query count). */
  readonly onQuery?: (expression: string) => void;
}

export interface QueryStats {
  readonly queries: number;
  readonly samples: number;
}

export class PrometheusStore implements MetricStore {
  private readonly writer: RemoteWriter;
  private readonly queryOptions: Parameters<typeof queryMatrix>[0];
  private readonly logger: Logger;
  private readonly onQuery: ((expression: string) => void) | undefined;
  private queries = 0;
  private queriedSamples = 0;

  constructor(options: PrometheusStoreOptions) {
    const authenticate = authenticator(options.auth ?? { kind: 'none' });
    this.logger = options.logger;
    this.onQuery = options.onQuery;
    this.writer = new RemoteWriter({
      url: options.writeUrl,
      authenticate,
      logger: options.logger,
      ...(options.timers && { timers: options.timers }),
      ...(options.fetch && { fetch: options.fetch }),
      ...(options.maxSamplesPerRequest && { maxSamplesPerRequest: options.maxSamplesPerRequest }),
      ...(options.maxBytesPerRequest && { maxBytesPerRequest: options.maxBytesPerRequest }),
      ...(options.maxAttempts && { maxAttempts: options.maxAttempts }),
      ...(options.retryInitialMs !== undefined && { retryInitialMs: options.retryInitialMs }),
      ...(options.retryMaxMs !== undefined && { retryMaxMs: options.retryMaxMs }),
      ...(options.timeoutMs && { timeoutMs: options.timeoutMs }),
    });
    this.queryOptions = {
      url: options.queryUrl,
      authenticate,
      maxSamplesProcessed: options.maxSamplesProcessed ?? 10_000_000,
      ...(options.fetch && { fetch: options.fetch }),
      ...(options.timeoutMs && { timeoutMs: options.timeoutMs }),
    };
  }

  /** Remote-write counters: requests, samples written, samples rejected by reason, retries. */
  writeStats(): RemoteWriteStats {
    return this.writer.stats();
  }

  queryStats(): QueryStats {
    return { queries: this.queries, samples: this.queriedSamples };
  }

  async writeProbeResults(results: readonly ProbeResult[]): Promise<void> {
    await this.sendProbeResults(results);
  }

  async writeMetricSamples(samples: readonly MetricSample[]): Promise<void> {
    await this.sendMetricSamples(samples);
  }

  /** Idempotent: a replayed event writes the same samples at the same time, which Prometheus keeps once. */
  async writeAlertEvents(events: readonly AlertEvent[]): Promise<void> {
    await this.sendAlertEvents(events);
  }

  // The same writes, answering how many samples were written and how many permanently rejected.

  sendProbeResults(results: readonly ProbeResult[]): Promise<WriteReport> {
    return this.writer.write(results.flatMap(probeResultSamples));
  }

  sendMetricSamples(samples: readonly MetricSample[]): Promise<WriteReport> {
    const out: OutSample[] = [];
    const invalid: Invalid[] = [];
    for (const sample of samples) {
      const mapped = metricSampleToOut(sample);
      if ('reason' in mapped) invalid.push(mapped);
      else out.push(mapped);
    }
    return this.writer.write(out, invalid);
  }

  sendAlertEvents(events: readonly AlertEvent[]): Promise<WriteReport> {
    return this.writer.write(events.flatMap(alertEventSamples));
  }

  /**
   * One PromQL expression evaluated at `time` that must return a matrix (a range selector), under
   * the same samples-processed guard as the rule cycle's queries.
   */
  async queryMatrix(expression: string, time: number): Promise<MatrixSeries[]> {
    this.queries++;
    this.onQuery?.(expression);
    const result = await queryMatrix(this.queryOptions, expression, time);
    this.queriedSamples += result.samples;
    for (const warning of result.warnings) this.logger.warn('metric store query warning', { warning });
    return result.matrix;
  }

  /** Every window of the query in one PromQL request (none when no measure maps to a series). */
  async fetchWindows(query: WindowQuery): Promise<SeriesWindow[]> {
    if (query.measures.length === 0 || (query.sites !== undefined && query.sites.length === 0)) return [];
    const selector = windowSelector(query);
    if (selector === undefined) return [];
    this.queries++;
    this.onQuery?.(selector);
    const result = await queryMatrix(this.queryOptions, selector, query.until);
    this.queriedSamples += result.samples;
    for (const warning of result.warnings)
      this.logger.warn('metric store query warning', { table: query.table, warning });
    return matrixToWindows(query.table, query.measures, query.since, query.until, result.matrix);
  }
}

import { systemTimers, type Logger, type Timers } from '../../domain/ports.js';
import type { RequestAuthenticator } from './auth.js';
import type { Invalid, OutSample } from './series-mapping.js';
import { compress } from './snappy.js';
import { encodeWriteRequest, type EncodableSeries } from './write-request.js';

/**
 * Remote-write 1.0 sender: groups samples into series (labels sorted, samples oldest first, a
 * re-sent identical sample kept once), cuts them into requests by sample count and encoded bytes,
 * and posts them one after another so a series' samples arrive in time order across requests.
 *
 * Failures, by what retrying can do about them:
 * - 429 and 5xx (and a connection that fails) are retried with exponential backoff, honouring
 *   Retry-After; after `maxAttempts` the write rejects with a `transient` error, nothing counted.
 * - A 4xx, or a 5xx whose body says the sample is too old / out of bounds / out of order
 *   (Prometheus answers a too-old sample with 500), is a permanent rejection of the data. Prometheus
 *   rolls back the whole request on one bad sample, so the request is split in halves and re-sent
 *   until the bad samples are isolated (a bounded number of extra requests per write); the
 *   rejected samples are counted by reason in stats() and logged, never retried again and never
 *   dropped silently. Re-sending the accepted part is harmless: an identical sample is a no-op.
 * - 401/403/404 mean the endpoint or credentials are wrong, not the data: the write rejects.
 */

export interface RemoteWriteOptions {
  readonly url: string;
  readonly authenticate: RequestAuthenticator;
  readonly logger: Logger;
  readonly timers?: Timers;
  readonly fetch?: typeof fetch;
  /** Samples per request (Prometheus's own sender defaults to 2,000). */
  readonly maxSamplesPerRequest?: number;
  /** Uncompressed protobuf bytes per request. */
  readonly maxBytesPerRequest?: number;
  readonly maxAttempts?: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  readonly timeoutMs?: number;
  /** Extra requests one write may spend isolating rejected samples before rejecting the rest wholesale. */
  readonly isolationBudget?: number;
}

export type RejectionReason = 'out_of_order' | 'too_old' | 'duplicate' | 'invalid' | 'invalid_name' | 'limit';

export interface RemoteWriteStats {
  readonly requests: number;
  readonly samplesWritten: number;
  readonly samplesRejected: Readonly<Partial<Record<RejectionReason, number>>>;
  readonly retries: number;
  readonly lastRejection?: { readonly reason: RejectionReason; readonly status: number; readonly message: string };
}

export interface WriteReport {
  readonly written: number;
  readonly rejected: number;
}

/** Thrown when the endpoint stayed unavailable through every attempt; the samples were not written. */
export class RemoteWriteUnavailableError extends Error {
  readonly transient = true;
  readonly code = 'PFLOW_METRIC_STORE_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'RemoteWriteUnavailableError';
  }
}

/** Thrown for 401/403/404: the endpoint or the credentials are wrong. */
export class RemoteWriteConfigError extends Error {
  readonly code = 'PFLOW_METRIC_STORE_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'RemoteWriteConfigError';
  }
}

interface Series {
  readonly labels: string[];
  times: number[];
  values: number[];
}

type Outcome = { ok: true } | { ok: false; permanent: true; status: number; reason: RejectionReason; message: string };

const PERMANENT_5XX = /too old|out of bounds|out of order|duplicate sample/i;

function classify(status: number, body: string): RejectionReason {
  if (/out of order/i.test(body)) return 'out_of_order';
  if (/too old|out of bounds/i.test(body)) return 'too_old';
  if (/duplicate sample/i.test(body)) return 'duplicate';
  if (/limit/i.test(body) || status === 413) return 'limit';
  return 'invalid';
}

function sampleCount(series: readonly Series[]): number {
  let n = 0;
  for (const s of series) n += s.times.length;
  return n;
}

function describeLabels(labels: readonly string[]): string {
  const pairs: string[] = [];
  let name = '';
  for (let i = 0; i < labels.length; i += 2) {
    if (labels[i] === '__name__') name = labels[i + 1]!;
    else pairs.push(`${labels[i]}=${JSON.stringify(labels[i + 1])}`);
  }
  return `${name}{${pairs.join(', ')}}`;
}

export class RemoteWriter {
  private readonly url: URL;
  private readonly authenticate: RequestAuthenticator;
  private readonly logger: Logger;
  private readonly timers: Timers;
  private readonly fetch: typeof fetch;
  private readonly maxSamples: number;
  private readonly maxBytes: number;
  private readonly maxAttempts: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly timeoutMs: number;
  private readonly isolationBudget: number;
  private requests = 0;
  private written = 0;
  private retries = 0;
  private readonly rejected: Partial<Record<RejectionReason, number>> = {};
  private lastRejection: RemoteWriteStats['lastRejection'];

  constructor(options: RemoteWriteOptions) {
    this.url = new URL(options.url);
    this.authenticate = options.authenticate;
    this.logger = options.logger;
    this.timers = options.timers ?? systemTimers;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.maxSamples = options.maxSamplesPerRequest ?? 2_000;
    this.maxBytes = options.maxBytesPerRequest ?? 1_000_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryInitialMs = options.retryInitialMs ?? 250;
    this.retryMaxMs = options.retryMaxMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.isolationBudget = options.isolationBudget ?? 32;
  }

  stats(): RemoteWriteStats {
    return {
      requests: this.requests,
      samplesWritten: this.written,
      samplesRejected: { ...this.rejected },
      retries: this.retries,
      ...(this.lastRejection === undefined ? {} : { lastRejection: this.lastRejection }),
    };
  }

  /** Writes the samples; resolves with what was written and what was permanently rejected. */
  async write(samples: readonly OutSample[], invalid: readonly Invalid[] = []): Promise<WriteReport> {
    let rejected = 0;
    for (const bad of invalid) {
      this.reject(bad.count, 'invalid_name', 0, `not sent: ${bad.example}`);
      rejected += bad.count;
    }
    const requests = this.requestsOf(this.seriesOf(samples));
    let written = 0;
    const budget = { left: this.isolationBudget };
    for (const request of requests) {
      const report = await this.sendIsolating(request, budget);
      written += report.written;
      rejected += report.rejected;
    }
    return { written, rejected };
  }

  private seriesOf(samples: readonly OutSample[]): Series[] {
    const byKey = new Map<string, Series>();
    let unordered = false;
    for (const sample of samples) {
      const key = sample.labels.join('\u0000');
      let series = byKey.get(key);
      if (series === undefined) {
        byKey.set(key, (series = { labels: sample.labels, times: [], values: [] }));
      } else if (sample.time <= series.times[series.times.length - 1]!) {
        unordered = true;
      }
      series.times.push(sample.time);
      series.values.push(sample.value);
    }
    if (unordered) {
      for (const series of byKey.values()) {
        // Stable sort by time; of samples sharing a timestamp the last written wins, as in the SQLite store.
        const order = series.times.map((_, i) => i).sort((a, b) => series.times[a]! - series.times[b]! || a - b);
        const times: number[] = [];
        const values: number[] = [];
        for (const i of order) {
          if (times.length > 0 && times[times.length - 1] === series.times[i])
            values[values.length - 1] = series.values[i]!;
          else {
            times.push(series.times[i]!);
            values.push(series.values[i]!);
          }
        }
        series.times = times;
        series.values = values;
      }
    }
    return [...byKey.values()];
  }

  /** Cuts series into requests of at most maxSamples samples and about maxBytes bytes, in order. */
  private requestsOf(all: readonly Series[]): Series[][] {
    const requests: Series[][] = [];
    let current: Series[] = [];
    let samples = 0;
    let bytes = 0;
    const flush = () => {
      if (current.length > 0) requests.push(current);
      current = [];
      samples = 0;
      bytes = 0;
    };
    for (const series of all) {
      let labelBytes = 4;
      for (const text of series.labels) labelBytes += text.length + 4;
      let from = 0;
      while (from < series.times.length) {
        const roomBySamples = this.maxSamples - samples;
        const roomByBytes = Math.floor((this.maxBytes - bytes - labelBytes) / 18);
        const take = Math.min(series.times.length - from, roomBySamples, roomByBytes);
        if (take <= 0) {
          if (current.length === 0) throw new RangeError('maxBytesPerRequest is too small for one series');
          flush();
          continue;
        }
        current.push({
          labels: series.labels,
          times: series.times.slice(from, from + take),
          values: series.values.slice(from, from + take),
        });
        samples += take;
        bytes += labelBytes + take * 18;
        from += take;
      }
    }
    flush();
    return requests;
  }

  private async sendIsolating(request: Series[], budget: { left: number }): Promise<WriteReport> {
    const count = sampleCount(request);
    const outcome = await this.send(request);
    if (outcome.ok) {
      this.written += count;
      return { written: count, rejected: 0 };
    }
    const halves = split(request);
    if (halves !== undefined && budget.left >= 2) {
      budget.left -= 2;
      const first = await this.sendIsolating(halves[0], budget);
      const second = await this.sendIsolating(halves[1], budget);
      return { written: first.written + second.written, rejected: first.rejected + second.rejected };
    }
    const example = describeLabels(request[0]!.labels);
    this.reject(count, outcome.reason, outcome.status, `${outcome.message} (${example}, ${count} sample(s))`);
    return { written: 0, rejected: count };
  }

  private reject(count: number, reason: RejectionReason, status: number, message: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + count;
    this.lastRejection = { reason, status, message: message.slice(0, 500) };
    this.logger.warn('metric store rejected samples; they are not retried', {
      samples: count,
      reason,
      status,
      message: message.slice(0, 500),
    });
  }

  private async send(request: readonly EncodableSeries[]): Promise<Outcome> {
    const body = compress(encodeWriteRequest(request));
    let backoff = this.retryInitialMs;
    let wait = 0;
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) {
        this.retries++;
        await this.sleep(wait);
      }
      // The next wait if this attempt fails: the backoff, unless the server names one (Retry-After).
      wait = backoff;
      backoff = Math.min(backoff * 2, this.retryMaxMs);
      this.requests++;
      let response: Response;
      try {
        const headers = await this.authenticate({
          method: 'POST',
          url: this.url,
          headers: {
            'content-type': 'application/x-protobuf',
            'content-encoding': 'snappy',
            'x-prometheus-remote-write-version': '0.1.0',
          },
          body,
        });
        response = await this.fetch(this.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        lastProblem = describeFetchError(error);
        continue;
      }
      const text = await response.text().catch(() => '');
      if (response.ok) return { ok: true };
      const status = response.status;
      if (status === 401 || status === 403 || status === 404) {
        throw new RemoteWriteConfigError(
          `remote write to ${this.url.origin}${this.url.pathname} refused with ${status}: ${text.slice(0, 200)}`,
        );
      }
      if (status === 429 || (status >= 500 && !PERMANENT_5XX.test(text))) {
        lastProblem = `${status} ${text.slice(0, 200)}`;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (Number.isFinite(retryAfter) && retryAfter > 0) wait = Math.min(retryAfter * 1000, this.retryMaxMs);
        continue;
      }
      return { ok: false, permanent: true, status, reason: classify(status, text), message: text.trim() };
    }
    throw new RemoteWriteUnavailableError(
      `remote write to ${this.url.origin}${this.url.pathname} failed after ${this.maxAttempts} attempts: ${lastProblem}`,
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.setTimeout(resolve, ms));
  }
}

function split(request: readonly Series[]): [Series[], Series[]] | undefined {
  if (request.length > 1) {
    const middle = Math.ceil(request.length / 2);
    return [request.slice(0, middle), request.slice(middle)];
  }
  const only = request[0]!;
  if (only.times.length < 2) return undefined;
  const middle = Math.ceil(only.times.length / 2);
  return [
    [{ labels: only.labels, times: only.times.slice(0, middle), values: only.values.slice(0, middle) }],
    [{ labels: only.labels, times: only.times.slice(middle), values: only.values.slice(middle) }],
  ];
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause?.code !== undefined ? `${cause.code}: ${cause.message ?? message}` : message;
}

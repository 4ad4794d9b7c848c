import type { RequestAuthenticator } from './auth.js';
import type { MatrixSeries } from './series-mapping.js';

/**
 * One PromQL instant query (`/api/v1/query`, POSTed as a form so long selectors never hit URL
 * limits), guarded by AMP's Query-Samples-Processed thresholds: AMP rejects, without billing, a
 * query over `max_samples_processed_error_threshold`. Prometheus ignores the parameter, so the
 * same limit is also applied here to the samples returned, and a runaway query fails loudly on
 * every backend.
 */

export interface QueryOptions {
  readonly url: string;
  readonly authenticate: RequestAuthenticator;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  /** Most samples one query may process; also sends the AMP warning threshold at half of it. */
  readonly maxSamplesProcessed: number;
}

export interface QueryResult {
  readonly matrix: MatrixSeries[];
  readonly samples: number;
  readonly warnings: readonly string[];
}

export class QueryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

interface ApiResponse {
  status: 'success' | 'error';
  data?: { resultType: string; result: MatrixSeries[] };
  errorType?: string;
  error?: string;
  warnings?: string[];
}

export async function queryMatrix(options: QueryOptions, expression: string, time: number): Promise<QueryResult> {
  const url = new URL(options.url);
  const form = new URLSearchParams({
    query: expression,
    time: (time / 1000).toFixed(3),
    max_samples_processed_warning_threshold: String(Math.max(1, Math.floor(options.maxSamplesProcessed / 2))),
    max_samples_processed_error_threshold: String(options.maxSamplesProcessed),
  });
  const body = new TextEncoder().encode(form.toString());
  const headers = await options.authenticate({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  let response: Response;
  try {
    response = await (options.fetch ?? globalThis.fetch)(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new QueryError(
      `query to ${url.origin}${url.pathname} failed: ${cause ?? (error instanceof Error ? error.message : String(error))}`,
    );
  }
  const text = await response.text();
  let parsed: ApiResponse | undefined;
  try {
    parsed = JSON.parse(text) as ApiResponse;
  } catch {
    parsed = undefined;
  }
  if (!response.ok || parsed?.status !== 'success') {
    const reason = parsed?.error ?? text.slice(0, 300);
    throw new QueryError(
      `query to ${url.origin}${url.pathname} failed with ${response.status}: ${reason}`,
      response.status,
    );
  }
  if (parsed.data?.resultType !== 'matrix') {
    throw new QueryError(`query returned a ${parsed.data?.resultType ?? 'missing'} result, expected a matrix`);
  }
  const matrix = parsed.data.result;
  let samples = 0;
  for (const series of matrix) samples += series.values.length;
  if (samples > options.maxSamplesProcessed) {
    throw new QueryError(
      `query processed ${samples} samples, over the limit of ${options.maxSamplesProcessed} (max_samples_processed); narrow the rules' windows or raise the limit`,
    );
  }
  return { matrix, samples, warnings: parsed.warnings ?? [] };
}

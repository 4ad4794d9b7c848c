import type { PullPage, PullSource } from '../../ingest/pull-collector.js';

export interface HttpPullSourceOptions {
  /** The agent's pull listener, e.g. `http://10.20.0.15:9465`. */
  readonly url: string;
  readonly token: string;
  /** Asked per page; the agent answers at most its own `pull.max_bytes` (and always one batch). */
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

/** Most bytes of one answer read: the agent's 8 MiB cap plus one batch that may exceed what was asked. */
const MAX_ANSWER_BYTES = 24 * 1024 * 1024;

/**
 * `GET <url>/v1/pull?ack=&max_bytes=` with the pull token. Each batch of the answer is handed on
 * as its own JSON text. Errors name the status or the shape, never the token.
 */
export class HttpPullSource implements PullSource {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HttpPullSourceOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async pull(ack: string | undefined): Promise<PullPage> {
    const url = new URL('/v1/pull', this.options.url);
    if (ack !== undefined) url.searchParams.set('ack', ack);
    url.searchParams.set('max_bytes', String(this.options.maxBytes));
    const response = await this.fetch(url, {
      headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) {
      const detail = (await response.text()).slice(0, 200);
      throw new Error(`${url.origin}/v1/pull answered ${String(response.status)}: ${detail}`);
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_ANSWER_BYTES) throw new Error(`answer of ${String(declared)} bytes is over the collector's cap`);
    const text = await response.text();
    if (text.length > MAX_ANSWER_BYTES)
      throw new Error(`answer over the collector's cap of ${String(MAX_ANSWER_BYTES)} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error('answer is not JSON');
    }
    const { batches, cursor } = (body ?? {}) as { batches?: unknown; cursor?: unknown };
    if (!Array.isArray(batches) || typeof cursor !== 'string' || !/^[0-9]{1,15}$/.test(cursor)) {
      throw new Error('answer is not {"batches":[…],"cursor":"<n>"}');
    }
    return { batches: batches.map((batch) => JSON.stringify(batch)), cursor };
  }
}

import { request, type Dispatcher } from 'undici';
import { eventsUrl } from '../../domain/agent/agent-config.js';
import { agentDispatcher, describe, type AgentHttpOptions } from '../forward/transport.js';

/** One `GET /v1/events` answer: a page of the site's alert events, or why there is none. */
export type EventsOutcome =
  | { readonly kind: 'page'; readonly events: readonly unknown[]; readonly next: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly status?: number };

export interface EventsSource {
  fetch(after: string | undefined, limit: number, signal?: AbortSignal): Promise<EventsOutcome>;
  close(): Promise<void>;
}

export interface HttpEventsClientOptions extends AgentHttpOptions {
  /** ingest.url (`…/v1/ingest`): the events endpoint is its sibling `…/v1/events`. */
  readonly ingestUrl: string;
  readonly token: string;
  readonly userAgent: string;
}

// 1,000 events (the endpoint's largest page) of a few KiB each stay far below this.
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/**
 * The log drop's side of the ingest API: the same token, proxy and CA handling as the forwarder
 * (agentDispatcher). Every answer that is not a well-formed page is a failure with a reason the
 * writer logs; the token never appears in one.
 */
export class HttpEventsClient implements EventsSource {
  private readonly dispatcher: Dispatcher;
  private readonly url: string;

  constructor(private readonly opts: HttpEventsClientOptions) {
    this.dispatcher = agentDispatcher(opts);
    this.url = eventsUrl(opts.ingestUrl);
  }

  async fetch(after: string | undefined, limit: number, signal?: AbortSignal): Promise<EventsOutcome> {
    const url = new URL(this.url);
    if (after !== undefined) url.searchParams.set('after', after);
    url.searchParams.set('limit', String(limit));
    let status: number;
    let text: string;
    try {
      const timeout = AbortSignal.timeout(this.opts.timeoutMs);
      const response = await request(url, {
        method: 'GET',
        dispatcher: this.dispatcher,
        headers: { authorization: `Bearer ${this.opts.token}`, 'user-agent': this.opts.userAgent },
        signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
      });
      status = response.statusCode;
      text = await readCapped(response.body);
    } catch (error) {
      return { kind: 'failed', reason: describe(error) };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      const head = text.slice(0, 200) || '(empty body)';
      return { kind: 'failed', status, reason: `HTTP ${String(status)}: not JSON: ${head}` };
    }
    if (status < 200 || status >= 300) {
      const error = (parsed as { error?: unknown } | null)?.error;
      return {
        kind: 'failed',
        status,
        reason: `HTTP ${String(status)}: ${typeof error === 'string' ? error.slice(0, 500) : text.slice(0, 200)}`,
      };
    }
    const page = parsed as { events?: unknown; next?: unknown } | null;
    if (!Array.isArray(page?.events) || typeof page.next !== 'string') {
      return { kind: 'failed', status, reason: 'the answer is not {"events":[…],"next":"…"}' };
    }
    return { kind: 'page', events: page.events as unknown[], next: page.next };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy?: () => void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) throw new Error(`the answer passed ${String(MAX_ANSWER_BYTES)} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';

/** What one POST of a batch came to. */
export type SendOutcome =
  | { readonly kind: 'accepted'; readonly status: number }
  /** The ingest refused the batch itself (malformed, too large): sending it again cannot help. */
  | {
      readonly kind: 'rejected';
      readonly status: number;
      readonly error: string;
      /** The answer's machine-readable `code`, when it has one (TAG_EVENTS_NOT_KEPT). */
      readonly code?: string;
    }
  /** Anything else: the batch stays and is sent again after a backoff. */
  | { readonly kind: 'retry'; readonly reason: string; readonly status?: number };

export interface IngestTransport {
  send(body: Buffer, gzipped: boolean): Promise<SendOutcome>;
  close(): Promise<void>;
}

/**
 * Statuses that are about the batch: it is dropped (counted, logged), never sent again. Every other
 * 4xx is about the agent's setup (401/403 a wrong or revoked token, 404/405 a wrong URL, 408/429 a
 * busy endpoint) and would drop the whole backlog if treated so: those are retried, and logged.
 */
const REJECTED_STATUSES = new Set([400, 413, 415, 422]);
const MAX_ERROR_BYTES = 4096;

export interface HttpTransportOptions extends AgentHttpOptions {
  readonly url: string;
  readonly token: string;
  readonly userAgent: string;
}

/** What the agent's HTTP clients (the forwarder, the log drop's events client) share. */
export interface AgentHttpOptions {
  readonly timeoutMs: number;
  /** PEM file of extra CAs the ingest's certificate may chain to (the system ones stay trusted). */
  readonly caFile?: string;
  /** HTTPS_PROXY, HTTP_PROXY, NO_PROXY (either case) are read from here. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * undici's EnvHttpProxyAgent, which goes through HTTPS_PROXY / HTTP_PROXY with CONNECT unless
 * NO_PROXY names the host, as curl does, trusting the system CAs plus `caFile`.
 */
export function agentDispatcher(opts: AgentHttpOptions): Dispatcher {
  const ca = opts.caFile === undefined ? undefined : [...rootCertificates, readFileSync(opts.caFile, 'utf8')];
  const pick = (name: string): string | undefined => opts.env[name] ?? opts.env[name.toLowerCase()];
  const httpsProxy = pick('HTTPS_PROXY');
  const httpProxy = pick('HTTP_PROXY');
  const noProxy = pick('NO_PROXY');
  return new EnvHttpProxyAgent({
    ...(httpProxy !== undefined ? { httpProxy } : {}),
    ...(httpsProxy !== undefined ? { httpsProxy } : {}),
    // An empty NO_PROXY keeps undici from reading process.env behind our back.
    noProxy: noProxy ?? '',
    ...(ca !== undefined ? { connect: { ca }, requestTls: { ca } } : {}),
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
  });
}

/** The forwarder's HTTP client (agentDispatcher). Keep-alive is on, so a backlog is sent over one connection. */
export class HttpTransport implements IngestTransport {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly opts: HttpTransportOptions) {
    this.dispatcher = agentDispatcher(opts);
  }

  async send(body: Buffer, gzipped: boolean): Promise<SendOutcome> {
    let status: number;
    let text: string;
    try {
      const response = await request(this.opts.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          'content-type': 'application/json',
          'user-agent': this.opts.userAgent,
          ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
        },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      status = response.statusCode;
      text = await readCapped(response.body);
    } catch (error) {
      return { kind: 'retry', reason: describe(error) };
    }
    if (status >= 200 && status < 300) return { kind: 'accepted', status };
    const error = errorOf(text);
    if (REJECTED_STATUSES.has(status)) {
      const code = codeOf(text);
      return { kind: 'rejected', status, error, ...(code !== undefined && { code }) };
    }
    return { kind: 'retry', status, reason: `HTTP ${String(status)}: ${error}` };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_ERROR_BYTES) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BYTES).toString('utf8');
}

function codeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** `invalid batch: samples[12].v: …` from the contract's `{error, problems}` answer. */
function errorOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown; problems?: unknown };
    const problems = Array.isArray(parsed.problems) ? `: ${parsed.problems.map(String).join('; ')}` : '';
    if (typeof parsed.error === 'string') return `${parsed.error}${problems}`.slice(0, 1000);
  } catch {
    // not the contract's JSON: show the start of it
  }
  return text.slice(0, 200) || '(empty body)';
}

export function describe(error: unknown): string {
  const err = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  const code = err.code ?? err.cause?.code;
  const message = err.cause?.message ?? err.message ?? String(error);
  return code === undefined ? message : `${code}: ${message}`;
}

import { classifyHttpStatus, type DeliveryOutcome } from '../../domain/notification/outcome.js';
import type { Redactor } from '../../domain/redact.js';

export interface HttpPostRequest {
  readonly url: string;
  /** The exact bytes to send: callers that sign the body must sign these. */
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Scrubs the channel's secrets from everything that leaves this function. */
  readonly redact: Redactor;
  readonly fetch?: typeof fetch;
  /** For Retry-After given as an HTTP date. */
  readonly now?: () => number;
  /**
   * Lets a channel read its receiver's own success signal (Slack answers `ok`) or error text;
   * returning undefined falls back to the shared status policy.
   */
  readonly interpret?: (response: HttpResponseSummary) => DeliveryOutcome | undefined;
}

export interface HttpResponseSummary {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
}

/** Bodies beyond this are not read: error texts are short and a runaway receiver must not cost memory. */
const MAX_BODY_CHARS = 64 * 1024;

/**
 * POSTs one JSON body and classifies the result with the one shared status policy. Never
 * throws and never retries: network failures become retryable outcomes (`connection`,
 * `timeout`), and every reason and detail is passed through the channel's redactor.
 */
export async function postJson(request: HttpPostRequest): Promise<DeliveryOutcome> {
  const fetchImpl = request.fetch ?? globalThis.fetch;
  const now = request.now ?? Date.now;
  let outcome: DeliveryOutcome;
  try {
    const response = await fetchImpl(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...request.headers },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const body = (await response.text()).slice(0, MAX_BODY_CHARS);
    const summary: HttpResponseSummary = { status: response.status, body, headers: response.headers };
    outcome =
      request.interpret?.(summary) ??
      classifyHttpStatus(response.status, body.trim(), response.headers.get('retry-after'), now());
  } catch (error) {
    outcome = classifyNetworkError(error, request.timeoutMs);
  }
  return redactOutcome(outcome, request.redact);
}

/** Maps what fetch throws to an outcome; the cause chain carries the system error code. */
export function classifyNetworkError(error: unknown, timeoutMs: number): DeliveryOutcome {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { status: 'retryable', reason: 'timeout', detail: `no response within ${timeoutMs} ms` };
  }
  const code = errorCode(error);
  const message = describe(error);
  if (code && TIMEOUT_CODES.has(code)) return { status: 'retryable', reason: 'timeout', detail: message };
  if (code && CONNECTION_CODES.has(code)) return { status: 'retryable', reason: 'connection', detail: message };
  if (code === 'ERR_INVALID_URL' || /invalid url|failed to parse url/i.test(message)) {
    return { status: 'permanent', reason: 'invalid_url', detail: message };
  }
  // An unknown transport failure is more likely transient than a broken destination.
  return { status: 'retryable', reason: 'connection', detail: message };
}

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ESOCKETTIMEDOUT',
]);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:9` — the outer message alone says nothing. */
function describe(error: unknown): string {
  const messages: string[] = [];
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !messages.includes(message)) messages.push(message);
    current = (current as { cause?: unknown }).cause;
  }
  return messages.join(': ') || 'unknown error';
}

export function redactOutcome(outcome: DeliveryOutcome, redact: Redactor): DeliveryOutcome {
  switch (outcome.status) {
    case 'delivered':
      return outcome.detail === undefined ? outcome : { ...outcome, detail: redact(outcome.detail) };
    case 'retryable':
    case 'permanent':
      return {
        ...outcome,
        reason: redact(outcome.reason),
        ...(outcome.detail !== undefined ? { detail: redact(outcome.detail) } : {}),
      };
  }
}

/**
 * A real HTTP receiver on 127.0.0.1 that stands in for Slack, Teams and generic webhooks.
 *
 * API
 *   const receiver = await startHttpReceiver({ validate: validateSlackPayload });
 *   receiver.urlFor('/services/T0/B0/token')  → 'http://127.0.0.1:PORT/services/T0/B0/token'
 *   receiver.requests                         → every request: method, path, headers, body, json, problems
 *   receiver.problems()                       → all validation problems, each prefixed with the request number
 *   receiver.replyWith(reply | (request, index) => reply)   default for every request (initially 200 'ok')
 *   receiver.replyOnce(reply, ...)            queue one-shot replies, used before the default
 *   receiver.failRandomly({ fraction: 0.3, seed: 42, reply? })  seeded (reproducible) failures, default 500
 *   receiver.throttle({ burst: 25, perSecond: 1, retryAfterSeconds: 1 })  token bucket answering 429
 *   await receiver.waitForRequests(n)         resolves once n requests arrived (rejects after a timeout)
 *   await receiver.close()                    closes the server and every connection, hung ones included
 *
 * Replies: `{ status, body?, headers? }`, `{ hang: true }` (never answers; the client's timeout
 * fires), or `{ reset: true }` (destroys the socket: the client sees ECONNRESET). Order of
 * precedence per request: throttle → one-shot queue → random failure → default reply.
 *
 * Validators (`validateSlackPayload`, `validateTeamsPayload`, `validateJsonPayload`) return a
 * list of problems; a receiver records them on the request and still replies as told, so a
 * test asserts `receiver.problems()` is empty.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ReceiverReply =
  | { readonly status: number; readonly body?: string; readonly headers?: Readonly<Record<string, string>> }
  | { readonly hang: true }
  | { readonly reset: true };

export type ReplyPlan = ReceiverReply | ((request: ReceivedRequest, index: number) => ReceiverReply);

export interface ReceivedRequest {
  /** 0-based arrival order. */
  readonly index: number;
  readonly method: string;
  /** Path and query as sent. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The parsed body, or undefined when it was not JSON. */
  readonly json: unknown;
  readonly receivedAt: number;
  /** What the validator found wrong with this payload. */
  readonly problems: readonly string[];
  /** The status the receiver answered, or 'hang' / 'reset'. */
  readonly answeredWith: number | 'hang' | 'reset';
}

export type PayloadValidator = (json: unknown, rawBody: string, headers: IncomingHttpHeaders) => string[];

export interface HttpReceiverOptions {
  readonly validate?: PayloadValidator;
  readonly reply?: ReplyPlan;
  /** Clock for the throttle; defaults to Date.now. */
  readonly now?: () => number;
}

export interface RandomFailure {
  /** Fraction of requests (0..1) that fail. */
  readonly fraction: number;
  readonly seed: number;
  readonly reply?: ReceiverReply;
}

export interface Throttle {
  readonly burst: number;
  readonly perSecond: number;
  readonly retryAfterSeconds?: number;
}

export interface HttpReceiver {
  readonly url: string;
  readonly port: number;
  readonly requests: readonly ReceivedRequest[];
  urlFor(path: string): string;
  problems(): string[];
  replyWith(plan: ReplyPlan): void;
  replyOnce(...replies: ReceiverReply[]): void;
  failRandomly(failure: RandomFailure | undefined): void;
  throttle(throttle: Throttle | undefined): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpReceiver(options: HttpReceiverOptions = {}): Promise<HttpReceiver> {
  const now = options.now ?? Date.now;
  const requests: ReceivedRequest[] = [];
  const once: ReceiverReply[] = [];
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let plan: ReplyPlan = options.reply ?? { status: 200, body: 'ok' };
  let random: { fraction: number; next: () => number; reply: ReceiverReply } | undefined;
  let bucket: { throttle: Throttle; tokens: number; last: number } | undefined;

  const takeToken = (): boolean => {
    if (!bucket) return true;
    const at = now();
    bucket.tokens = Math.min(
      bucket.throttle.burst,
      bucket.tokens + ((at - bucket.last) / 1000) * bucket.throttle.perSecond,
    );
    bucket.last = at;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const choose = (request: Omit<ReceivedRequest, 'answeredWith'>): ReceiverReply => {
    if (!takeToken()) {
      return {
        status: 429,
        body: JSON.stringify({ ok: false, error: 'rate_limited' }),
        headers: { 'retry-after': String(bucket?.throttle.retryAfterSeconds ?? 1) },
      };
    }
    const queued = once.shift();
    if (queued) return queued;
    if (random && random.next() < random.fraction) return random.reply;
    return typeof plan === 'function' ? plan(request as ReceivedRequest, request.index) : plan;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const base = {
        index: requests.length,
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
        json,
        receivedAt: now(),
        problems: options.validate ? options.validate(json, body, req.headers) : [],
      };
      const reply = choose(base);
      const answeredWith = 'hang' in reply ? 'hang' : 'reset' in reply ? 'reset' : reply.status;
      requests.push({ ...base, answeredWith });
      for (const waiter of [...waiters]) {
        if (requests.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      if ('hang' in reply) {
        hung.add(res);
        return;
      }
      if ('reset' in reply) {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    requests,
    urlFor: (path) => `${url}${path.startsWith('/') ? path : `/${path}`}`,
    problems: () => requests.flatMap((request) => request.problems.map((problem) => `#${request.index}: ${problem}`)),
    replyWith: (next) => {
      plan = next;
    },
    replyOnce: (...replies) => {
      once.push(...replies);
    },
    failRandomly: (failure) => {
      random = failure && {
        fraction: failure.fraction,
        next: mulberry32(failure.seed),
        reply: failure.reply ?? { status: 500, body: 'injected failure' },
      };
    },
    throttle: (throttle) => {
      bucket = throttle && { throttle, tokens: throttle.burst, last: now() };
    },
    waitForRequests: (count, timeoutMs = 5_000) =>
      new Promise<void>((resolve, reject) => {
        if (requests.length >= count) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`receiver got ${requests.length} of ${count} requests`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    close: async () => {
      for (const res of hung) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Re-exported: the HTTP tests' connection-refused cases take it from here.
export { closedPort } from './closed-port.js';

/** Small seeded PRNG so "fail 30% at random" is the same 30% on every run. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// Payload validators

export const validateJsonPayload: PayloadValidator = (json, _raw, headers) => {
  const problems: string[] = [];
  if (json === undefined) problems.push('body is not JSON');
  if (!String(headers['content-type'] ?? '').startsWith('application/json')) {
    problems.push(`content-type is ${String(headers['content-type'])}, expected application/json`);
  }
  return problems;
};

/**
 * Slack Block Kit limits (docs/limits.md, Slack): 50 blocks, section
 * text 3000, 10 fields of 2000, header 150, button text 75, URL 3000, block_id 255, and a
 * practical 13,000-character ceiling on all block text together (`msg_blocks_too_long`).
 */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  url: 3000,
  actionsElements: 25,
  contextElements: 10,
  blockId: 255,
  totalBlockText: 13_000,
  topLevelText: 40_000,
} as const;

const SLACK_BLOCK_TYPES = new Set([
  'section',
  'header',
  'context',
  'actions',
  'divider',
  'rich_text',
  'image',
  'markdown',
]);

export const validateSlackPayload: PayloadValidator = (json, raw, headers) => {
  const problems = validateJsonPayload(json, raw, headers);
  if (!isObject(json)) return problems;
  const attachments = Array.isArray(json.attachments) ? json.attachments : [];
  const blocks = [
    ...(Array.isArray(json.blocks) ? json.blocks : []),
    ...attachments.flatMap((attachment) =>
      isObject(attachment) && Array.isArray(attachment.blocks) ? attachment.blocks : [],
    ),
  ];
  if (typeof json.text !== 'string' || json.text.trim() === '') {
    problems.push('no top-level text: Slack needs it as the notification fallback');
  } else if (json.text.length > SLACK_LIMITS.topLevelText) {
    problems.push(`text is ${json.text.length} chars (> ${SLACK_LIMITS.topLevelText})`);
  }
  if (blocks.length === 0) problems.push('no blocks');
  if (blocks.length > SLACK_LIMITS.blocks) problems.push(`${blocks.length} blocks (> ${SLACK_LIMITS.blocks})`);
  for (const attachment of attachments) {
    if (!isObject(attachment)) problems.push('attachment is not an object');
    else if (
      attachment.color !== undefined &&
      !/^(good|warning|danger|#[0-9a-fA-F]{6})$/.test(String(attachment.color))
    ) {
      problems.push(`attachment color ${String(attachment.color)} is not good|warning|danger|#rrggbb`);
    }
  }
  let totalText = 0;
  const text = (where: string, value: unknown, max: number, types = ['mrkdwn', 'plain_text']): void => {
    if (!isObject(value) || !types.includes(String(value.type)) || typeof value.text !== 'string') {
      problems.push(`${where}: not a text object of type ${types.join('|')}`);
      return;
    }
    totalText += value.text.length;
    if (value.text.length === 0) problems.push(`${where}: empty text`);
    if (value.text.length > max) problems.push(`${where}: ${value.text.length} chars (> ${max})`);
  };
  blocks.forEach((block, i) => {
    const at = `block ${i}`;
    if (!isObject(block) || !SLACK_BLOCK_TYPES.has(String(block.type))) {
      problems.push(`${at}: unknown block type ${isObject(block) ? String(block.type) : typeof block}`);
      return;
    }
    if (typeof block.block_id === 'string' && block.block_id.length > SLACK_LIMITS.blockId) {
      problems.push(`${at}: block_id too long`);
    }
    switch (block.type) {
      case 'header':
        text(`${at} header`, block.text, SLACK_LIMITS.headerText, ['plain_text']);
        break;
      case 'section': {
        if (block.text === undefined && block.fields === undefined)
          problems.push(`${at}: section without text or fields`);
        if (block.text !== undefined) text(`${at} text`, block.text, SLACK_LIMITS.sectionText);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields)) problems.push(`${at}: fields is not an array`);
          else {
            if (block.fields.length > SLACK_LIMITS.fields) {
              problems.push(`${at}: ${block.fields.length} fields (> ${SLACK_LIMITS.fields})`);
            }
            block.fields.forEach((field, j) => text(`${at} field ${j}`, field, SLACK_LIMITS.fieldText));
          }
        }
        break;
      }
      case 'context': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0 || elements.length > SLACK_LIMITS.contextElements) {
          problems.push(`${at}: context has ${elements.length} elements (1..${SLACK_LIMITS.contextElements})`);
        }
        elements.forEach((element, j) => text(`${at} element ${j}`, element, SLACK_LIMITS.sectionText));
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0 || elements.length > SLACK_LIMITS.actionsElements) {
          problems.push(`${at}: actions has ${elements.length} elements (1..${SLACK_LIMITS.actionsElements})`);
        }
        elements.forEach((element, j) => {
          if (!isObject(element) || element.type !== 'button') {
            problems.push(`${at} element ${j}: not a button`);
            return;
          }
          text(`${at} button ${j}`, element.text, SLACK_LIMITS.buttonText, ['plain_text']);
          if (
            typeof element.url !== 'string' ||
            !/^https?:\/\//.test(element.url) ||
            element.url.length > SLACK_LIMITS.url
          ) {
            problems.push(`${at} button ${j}: bad url`);
          }
        });
        break;
      }
    }
  });
  if (totalText > SLACK_LIMITS.totalBlockText) {
    problems.push(`blocks carry ${totalText} chars of text (> ${SLACK_LIMITS.totalBlockText})`);
  }
  return problems;
};

/**
 * Teams Workflows envelope (docs/limits.md, Teams): `type: message`, exactly one Adaptive
 * Card attachment, card version at most 1.5, wrap on TextBlocks, only actions webhook cards
 * support, and the whole request under the 20 KB budget (Teams rejects about 28 KB).
 */
export const TEAMS_MAX_BYTES = 20 * 1024;
const ADAPTIVE_ELEMENTS = new Set([
  'TextBlock',
  'FactSet',
  'Container',
  'ColumnSet',
  'Column',
  'ActionSet',
  'Image',
  'RichTextBlock',
]);
const WEBHOOK_ACTIONS = new Set(['Action.OpenUrl', 'Action.ShowCard', 'Action.ToggleVisibility']);

export const validateTeamsPayload: PayloadValidator = (json, raw, headers) => {
  const problems = validateJsonPayload(json, raw, headers);
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes > TEAMS_MAX_BYTES) problems.push(`payload is ${bytes} bytes (> ${TEAMS_MAX_BYTES})`);
  if (!isObject(json)) return problems;
  if (json.type !== 'message') problems.push(`type is ${String(json.type)}, expected "message"`);
  if (!Array.isArray(json.attachments) || json.attachments.length !== 1) {
    problems.push('attachments must hold exactly one card (the Workflows template posts the first)');
    return problems;
  }
  const attachment: unknown = json.attachments[0];
  if (!isObject(attachment) || attachment.contentType !== 'application/vnd.microsoft.card.adaptive') {
    problems.push('attachment contentType is not application/vnd.microsoft.card.adaptive');
    return problems;
  }
  const card = attachment.content;
  if (!isObject(card) || card.type !== 'AdaptiveCard') {
    problems.push('attachment content is not an AdaptiveCard');
    return problems;
  }
  if (!['1.0', '1.1', '1.2', '1.3', '1.4', '1.5'].includes(String(card.version))) {
    problems.push(`card version ${String(card.version)} is not 1.0..1.5 (Teams supports up to 1.5)`);
  }
  if (card.$schema !== 'http://adaptivecards.io/schemas/adaptive-card.json') problems.push('missing card $schema');
  if (!Array.isArray(card.body) || card.body.length === 0) problems.push('card body is empty');
  const visit = (element: unknown, at: string): void => {
    if (!isObject(element) || !ADAPTIVE_ELEMENTS.has(String(element.type))) {
      problems.push(`${at}: unknown element ${isObject(element) ? String(element.type) : typeof element}`);
      return;
    }
    if (element.type === 'TextBlock') {
      if (typeof element.text !== 'string' || element.text === '') problems.push(`${at}: TextBlock without text`);
      if (element.wrap !== true) problems.push(`${at}: TextBlock without wrap: true (Teams cuts it)`);
    }
    if (element.type === 'FactSet') {
      const facts = Array.isArray(element.facts) ? element.facts : [];
      if (facts.length === 0) problems.push(`${at}: empty FactSet`);
      for (const fact of facts) {
        if (!isObject(fact) || typeof fact.title !== 'string' || typeof fact.value !== 'string') {
          problems.push(`${at}: fact without string title and value`);
        }
      }
    }
    if (element.type === 'ActionSet') visitActions(element.actions, `${at} actions`);
    for (const key of ['items', 'columns'] as const) {
      if (Array.isArray(element[key]))
        (element[key] as unknown[]).forEach((child, i) => visit(child, `${at}.${key}[${i}]`));
    }
  };
  const visitActions = (actions: unknown, at: string): void => {
    if (actions === undefined) return;
    if (!Array.isArray(actions)) {
      problems.push(`${at}: not an array`);
      return;
    }
    actions.forEach((action, i) => {
      if (!isObject(action) || !WEBHOOK_ACTIONS.has(String(action.type))) {
        problems.push(
          `${at}[${i}]: ${isObject(action) ? String(action.type) : typeof action} is not supported on webhook cards`,
        );
      } else if (
        action.type === 'Action.OpenUrl' &&
        (typeof action.url !== 'string' || !/^https?:\/\//.test(action.url))
      ) {
        problems.push(`${at}[${i}]: Action.OpenUrl without an http(s) url`);
      }
    });
  };
  if (Array.isArray(card.body)) card.body.forEach((element, i) => visit(element, `body[${i}]`));
  visitActions(card.actions, 'actions');
  return problems;
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

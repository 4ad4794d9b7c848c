/**
 * The contract every channel passes (STYLE.md, "Tests"): golden payloads, a secret-leak check,
 * and — for HTTP channels — the status-code → outcome table against a real loopback receiver.
 *
 *   describeChannelContract({
 *     kind: 'slack',
 *     golden: { dir: new URL('./golden/', import.meta.url), render: (n) => renderSlack(n, { timezoneFor }) },
 *     http: {
 *       validate: validateSlackPayload,
 *       secretPath: '/services/T0001/B0001/SeCrEtToKeN123',
 *       createSender: ({ url, timeoutMs, deps }) => createSlackSender('ops', { url, timeout: `${timeoutMs}ms` }, deps),
 *     },
 *   });
 *
 * Non-HTTP channels (email, log drop, console) leave out `http` and may pass `leaks`: named
 * scenarios that exercise their failure paths; every outcome, thrown error and log line they
 * produce is searched for each secret.
 *
 * Golden files: `<dir>/<firing|resolved|grouped|test>.<ext>`. `UPDATE_GOLDEN=1 npx vitest run …`
 * rewrites them; a missing file fails with that hint.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelDeps } from '../../src/channels/types.js';
import type { ChannelSender, Logger } from '../../src/domain/ports.js';
import type { DeliveryOutcome, Notification } from '../../src/domain/notification/outcome.js';
import {
  closedPort,
  startHttpReceiver,
  type HttpReceiver,
  type PayloadValidator,
  type ReceiverReply,
} from '../support/http-receiver.js';
import { firingNotification, goldenNotifications, timezoneFor } from './common/fixtures.js';

export { goldenNotifications, timezoneFor } from './common/fixtures.js';

export interface CapturedLogger extends Logger {
  readonly lines: string[];
}

/** A Logger that keeps every call as one line of text, for leak checks and assertions. */
export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push(`${level} ${message}${fields ? ` ${safeJson(fields)}` : ''}`);
    };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export function contractDeps(logger: Logger, overrides: Partial<ChannelDeps> = {}): ChannelDeps {
  return {
    clock: { now: () => Date.parse('2026-03-02T08:15:30.000Z') },
    logger,
    dataDir: '/nonexistent-contract-data-dir',
    timezoneFor,
    ...overrides,
  };
}

export interface GoldenOptions {
  /** Folder of the golden files (a file URL or a path). */
  readonly dir: URL | string;
  /** The pure render step: notification → payload. Objects are compared as pretty JSON. */
  readonly render: (notification: Notification) => unknown;
  /** File extension; `json` by default, e.g. `txt` or `html` for string payloads. */
  readonly extension?: string;
}

export interface StatusCase {
  readonly name: string;
  readonly reply: ReceiverReply;
  readonly expect: {
    readonly status: DeliveryOutcome['status'];
    readonly reason?: string | RegExp;
    readonly retryAfterMs?: number;
    /** Text the outcome's detail must contain (the receiver's error text). */
    readonly detailContains?: string;
  };
}

export interface HttpContractOptions {
  readonly validate?: PayloadValidator;
  /** Path (with the token) the webhook URL points at; it is the secret that must never leak. */
  readonly secretPath: string;
  readonly createSender: (input: { url: string; timeoutMs: number; deps: ChannelDeps }) => ChannelSender;
  /** Replaces rows of the standard table by name, or adds rows (e.g. Slack's 200-with-error). */
  readonly cases?: readonly StatusCase[];
  /** The body of a 2xx the receiver answers with by default (Slack: `ok`). */
  readonly okBody?: string;
}

export interface LeakScenarioResult {
  readonly outcomes?: readonly DeliveryOutcome[];
}

export interface ChannelContractOptions {
  readonly kind: string;
  readonly golden?: GoldenOptions;
  readonly http?: HttpContractOptions;
  /** For non-HTTP channels: secrets, and scenarios (each gets a capturing logger) that exercise failures. */
  readonly leaks?: {
    readonly secrets: readonly string[];
    readonly scenarios: Readonly<Record<string, (logger: CapturedLogger) => Promise<LeakScenarioResult | void>>>;
  };
}

/** Generous for answers (a loaded CI machine can be slow to the first byte); short where the receiver hangs. */
const CONTRACT_TIMEOUT_MS = 5_000;
const HANG_TIMEOUT_MS = 300;

export function standardStatusCases(okBody = 'ok'): StatusCase[] {
  return [
    { name: '200 delivered', reply: { status: 200, body: okBody }, expect: { status: 'delivered' } },
    { name: '202 delivered', reply: { status: 202, body: '' }, expect: { status: 'delivered' } },
    {
      name: '400 permanent with the receiver text',
      reply: { status: 400, body: 'invalid_payload' },
      expect: { status: 'permanent', detailContains: 'invalid_payload' },
    },
    {
      name: '404 permanent',
      reply: { status: 404, body: 'no_service' },
      expect: { status: 'permanent', detailContains: 'no_service' },
    },
    {
      name: '410 permanent',
      reply: { status: 410, body: 'channel_is_archived' },
      expect: { status: 'permanent', detailContains: 'channel_is_archived' },
    },
    {
      name: '429 retryable after Retry-After',
      reply: { status: 429, body: '{"ok":false,"error":"rate_limited"}', headers: { 'retry-after': '7' } },
      expect: { status: 'retryable', reason: 'rate_limited', retryAfterMs: 7000 },
    },
    {
      name: '500 retryable',
      reply: { status: 500, body: 'rollup_error' },
      expect: { status: 'retryable', reason: 'http_500' },
    },
    {
      name: '503 retryable',
      reply: { status: 503, body: 'unavailable' },
      expect: { status: 'retryable', reason: 'http_503' },
    },
    { name: 'hang → retryable timeout', reply: { hang: true }, expect: { status: 'retryable', reason: 'timeout' } },
    {
      name: 'reset → retryable connection',
      reply: { reset: true },
      expect: { status: 'retryable', reason: 'connection' },
    },
  ];
}

export function describeChannelContract(options: ChannelContractOptions): void {
  describe(`channel contract: ${options.kind}`, () => {
    if (options.golden) describeGolden(options.golden);
    if (options.http) describeHttp(options.http);
    if (options.leaks) describeLeakScenarios(options.leaks);
  });
}

function describeGolden(golden: GoldenOptions): void {
  const dir = typeof golden.dir === 'string' ? golden.dir : fileURLToPath(golden.dir);
  const extension = golden.extension ?? 'json';
  describe('golden payloads', () => {
    for (const [name, notification] of Object.entries(goldenNotifications)) {
      it(`renders the ${name} notification as in ${name}.${extension}`, () => {
        const rendered = golden.render(notification);
        const text = typeof rendered === 'string' ? rendered : `${JSON.stringify(rendered, null, 2)}\n`;
        const file = join(dir, `${name}.${extension}`);
        if (process.env.UPDATE_GOLDEN === '1') {
          mkdirSync(dir, { recursive: true });
          writeFileSync(file, text);
        }
        if (!existsSync(file)) throw new Error(`missing golden file ${file}: run with UPDATE_GOLDEN=1 to create it`);
        expect(text).toBe(readFileSync(file, 'utf8'));
      });
    }
    it('renders deterministically (same input, same bytes)', () => {
      for (const notification of Object.values(goldenNotifications)) {
        expect(safeJson(golden.render(notification))).toBe(safeJson(golden.render(notification)));
      }
    });
  });
}

function describeHttp(http: HttpContractOptions): void {
  const cases = mergeCases(standardStatusCases(http.okBody), http.cases ?? []);
  let receiver: HttpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  const secret = http.secretPath;
  const expectNoSecret = (logger: CapturedLogger, outcome: unknown, label: string): void => {
    const haystack = [safeJson(outcome), ...logger.lines].join('\n');
    for (const form of secretForms(secret)) {
      expect(haystack.includes(form), `${label}: secret ${form} leaked into ${haystack}`).toBe(false);
    }
  };

  describe('status → outcome', () => {
    for (const row of cases) {
      it(row.name, async () => {
        receiver = await startHttpReceiver({ reply: row.reply, ...(http.validate ? { validate: http.validate } : {}) });
        const logger = captureLogger();
        const sender = http.createSender({
          url: receiver.urlFor(secret),
          timeoutMs: 'hang' in row.reply ? HANG_TIMEOUT_MS : CONTRACT_TIMEOUT_MS,
          deps: contractDeps(logger),
        });

        const outcome = await sender.send(firingNotification);

        expect(outcome.status).toBe(row.expect.status);
        if (row.expect.reason !== undefined && outcome.status !== 'delivered') {
          if (typeof row.expect.reason === 'string') expect(outcome.reason).toBe(row.expect.reason);
          else expect(outcome.reason).toMatch(row.expect.reason);
        }
        if (row.expect.retryAfterMs !== undefined) {
          expect(outcome.status === 'retryable' ? outcome.retryAfterMs : undefined).toBe(row.expect.retryAfterMs);
        }
        if (row.expect.detailContains !== undefined) expect(outcome.detail ?? '').toContain(row.expect.detailContains);
        expect(receiver.requests).toHaveLength(1);
        expect(receiver.requests[0]!.path).toBe(secret);
        expect(receiver.problems()).toEqual([]);
        expectNoSecret(logger, outcome, row.name);
        await sender.close?.();
      });
    }

    it('connection refused → retryable connection', async () => {
      const logger = captureLogger();
      const port = await closedPort();
      const sender = http.createSender({
        url: `http://127.0.0.1:${port}${secret}`,
        timeoutMs: CONTRACT_TIMEOUT_MS,
        deps: contractDeps(logger),
      });
      const outcome = await sender.send(firingNotification);
      expect(outcome).toMatchObject({ status: 'retryable', reason: 'connection' });
      expectNoSecret(logger, outcome, 'connection refused');
    });
  });

  describe('secrets', () => {
    it('never puts the webhook URL or its token in an outcome or log line, even when the receiver echoes it', async () => {
      receiver = await startHttpReceiver();
      const echo = (request: { path: string }): ReceiverReply => ({
        status: 400,
        body: `invalid_token for ${receiver!.url}${request.path} (${request.path})`,
      });
      receiver.replyWith(echo);
      const logger = captureLogger();
      const sender = http.createSender({
        url: receiver.urlFor(secret),
        timeoutMs: CONTRACT_TIMEOUT_MS,
        deps: contractDeps(logger),
      });

      const outcome = await sender.send(firingNotification);

      expect(outcome.status).toBe('permanent');
      expect(outcome.detail).toContain('[REDACTED]');
      expectNoSecret(logger, outcome, 'echoing receiver');
    });

    it('does not throw with the URL in the message when the URL cannot be used', async () => {
      const logger = captureLogger();
      const sender = http.createSender({
        url: `http://[::1${secret}`,
        timeoutMs: CONTRACT_TIMEOUT_MS,
        deps: contractDeps(logger),
      });
      let outcome: unknown;
      try {
        outcome = await sender.send(firingNotification);
      } catch (error) {
        outcome = { thrown: (error as Error).message, stack: (error as Error).stack };
      }
      expectNoSecret(logger, outcome, 'unusable URL');
    });
  });
}

function describeLeakScenarios(leaks: NonNullable<ChannelContractOptions['leaks']>): void {
  describe('secrets', () => {
    for (const [name, scenario] of Object.entries(leaks.scenarios)) {
      it(`leaks no secret: ${name}`, async () => {
        const logger = captureLogger();
        let captured: unknown;
        try {
          captured = await scenario(logger);
        } catch (error) {
          captured = { thrown: (error as Error).message, stack: (error as Error).stack };
        }
        const haystack = [safeJson(captured), ...logger.lines].join('\n');
        for (const secret of leaks.secrets) {
          for (const form of secretForms(secret)) {
            expect(haystack.includes(form), `${name}: secret leaked into ${haystack}`).toBe(false);
          }
        }
      });
    }
  });
}

/** The token part of a secret path must not appear on its own either. */
function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  for (const part of secret.split(/[/?&=]/)) if (part.length >= 12) forms.add(part);
  return [...forms];
}

function mergeCases(standard: StatusCase[], overrides: readonly StatusCase[]): StatusCase[] {
  const byName = new Map(standard.map((row) => [row.name, row]));
  for (const row of overrides) byName.set(row.name, row);
  return [...byName.values()];
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

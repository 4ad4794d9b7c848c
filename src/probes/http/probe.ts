import http from 'node:http';
import https from 'node:https';
import { connect as netConnect, isIP, type NetConnectOpts, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { ProbeOutcome, ProbePhases } from '../../domain/probe-result.js';
import type { ProbeContext, Prober } from '../types.js';
import {
  certExpiring,
  classifyNetworkError,
  describeNetworkError,
  loadCaFile,
  lookupFamily,
  tlsFacts,
  verificationFailure,
  type CaBundle,
  type ConnectionStage,
  type TlsFacts,
} from '../common/network.js';
import { runAttempt, type AttemptResult } from '../common/attempt.js';
import { ms } from '../common/outcome.js';
import { MAX_REDIRECTS } from './limits.js';
import type { HttpSettings } from './settings.js';

/** An http probe's settings turned into what the hot path needs: regexes compiled, body encoded, CA read. */
export interface PreparedHttpSettings {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  readonly validStatusCodes: ReadonlySet<number>;
  readonly bodyMatch: RegExp | undefined;
  readonly bodyNotMatch: RegExp | undefined;
  readonly followRedirects: boolean;
  readonly tlsVerify: boolean;
  readonly ca: CaBundle;
  readonly certExpiryWarningDays: number | undefined;
  readonly family: 4 | 6 | undefined;
  readonly maxBodyBytes: number;
  /** The last target parsed with these settings: a probe definition has one target, so it is parsed once. */
  lastTarget?: { readonly text: string; readonly url: URL };
}

// Keyed by the validated settings object, which the runtime keeps for the probe definition's lifetime:
// each definition is prepared once, and dropped with it.
const preparedBySettings = new WeakMap<HttpSettings, PreparedHttpSettings>();

export function prepareHttpSettings(settings: HttpSettings): PreparedHttpSettings {
  let prepared = preparedBySettings.get(settings);
  if (prepared === undefined) {
    prepared = {
      method: settings.method,
      headers: settings.headers,
      body: settings.body === undefined ? undefined : Buffer.from(settings.body),
      validStatusCodes: new Set(settings.valid_status_codes),
      bodyMatch: settings.body_match === undefined ? undefined : new RegExp(settings.body_match),
      bodyNotMatch: settings.body_not_match === undefined ? undefined : new RegExp(settings.body_not_match),
      followRedirects: settings.follow_redirects,
      tlsVerify: settings.tls_verify,
      ca: loadCaFile(settings.ca_file, rootCertificates),
      certExpiryWarningDays: settings.cert_expiry_warning_days,
      family: lookupFamily(settings.ip_protocol),
      maxBodyBytes: settings.max_body_bytes,
    };
    preparedBySettings.set(settings, prepared);
  }
  return prepared;
}

export const httpProber: Prober<HttpSettings> = (target, settings, context) =>
  probeHttp(target, prepareHttpSettings(settings), context);

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

interface MutablePhases {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  firstByteMs?: number;
  transferMs?: number;
}

/**
 * One http(s) probe: a new connection per request (as blackbox_exporter makes), redirects followed
 * by hand so each hop's phases can be timed and summed, and one deadline for the whole attempt.
 * It resolves with a structured outcome and never rejects.
 */
export function probeHttp(
  target: string,
  prepared: PreparedHttpSettings,
  context: ProbeContext,
): Promise<ProbeOutcome> {
  return runAttempt(context, prepared.ca, (attempt) => {
    const { fail } = attempt;
    const phases: MutablePhases = {};
    let currentRequest: http.ClientRequest | undefined;
    let redirects = 0;
    // Adds the running hop's connection phases to the totals; also called when the deadline cuts a hop short.
    let recordCurrentHop: () => void = noop;

    const finish = (result: AttemptResult, destroyWith: Error | undefined): Omit<ProbeOutcome, 'durationMs'> => {
      recordCurrentHop();
      if (destroyWith !== undefined) currentRequest?.destroy(destroyWith);
      const details = redirects > 0 ? { ...result.details, redirects } : result.details;
      return { ...result, ...(details ? { details } : {}), phases: roundPhases(phases) };
    };

    const runHop = (hopUrl: URL, method: string, body: Buffer | undefined): void => {
      const secure = hopUrl.protocol === 'https:';
      // URL keeps IPv6 literals in brackets; sockets want them bare.
      const host = hopUrl.hostname.startsWith('[') ? hopUrl.hostname.slice(1, -1) : hopUrl.hostname;
      const literal = isIP(host) !== 0;
      const hopStart = performance.now();
      let stage: ConnectionStage = literal ? 'connect' : 'dns';
      let lookupAt: number | undefined;
      let connectAt: number | undefined;
      let secureAt: number | undefined;
      let responseAt: number | undefined;
      let tls: TlsFacts | undefined;

      let hopRecorded = false;
      const recordConnectionPhases = (): void => {
        if (hopRecorded) return;
        hopRecorded = true;
        if (lookupAt !== undefined) phases.dnsMs = (phases.dnsMs ?? 0) + (lookupAt - hopStart);
        if (connectAt !== undefined) phases.connectMs = (phases.connectMs ?? 0) + (connectAt - (lookupAt ?? hopStart));
        if (secureAt !== undefined && connectAt !== undefined)
          phases.tlsMs = (phases.tlsMs ?? 0) + (secureAt - connectAt);
        const readyAt = secureAt ?? connectAt;
        if (responseAt !== undefined && readyAt !== undefined) {
          phases.firstByteMs = (phases.firstByteMs ?? 0) + (responseAt - readyAt);
        }
      };

      const options: https.RequestOptions = {
        // A fresh socket per probe and no Agent at all: Node then sends `Connection: close`, and skips
        // building the throwaway Agent that `agent: false` would make for every request.
        createConnection: secure ? connectTls : connectTcp,
        method,
        host,
        port: hopUrl.port === '' ? (secure ? 443 : 80) : Number(hopUrl.port),
        path: hopUrl.pathname + hopUrl.search,
        headers: prepared.headers,
        ...(prepared.family !== undefined ? { family: prepared.family } : {}),
        ...(hopUrl.username !== ''
          ? { auth: `${decodeURIComponent(hopUrl.username)}:${decodeURIComponent(hopUrl.password)}` }
          : {}),
      };
      if (secure) {
        // Verified in 'secureConnect' below, so a rejected certificate's facts are still recorded.
        options.rejectUnauthorized = false;
        if (prepared.ca.ok && prepared.ca.ca !== undefined) options.ca = prepared.ca.ca;
        // SNI is for names only; Node warns when it is given an IP address.
        if (!literal) options.servername = host;
      }

      const request = (secure ? https : http).request(options);
      currentRequest = request;
      recordCurrentHop = recordConnectionPhases;

      request.on('socket', (socket: Socket) => {
        socket.once('lookup', () => {
          lookupAt = performance.now();
          stage = 'connect';
        });
        socket.once('connect', () => {
          connectAt = performance.now();
          stage = secure ? 'tls' : 'request';
        });
        if (secure) {
          socket.once('secureConnect', () => {
            secureAt = performance.now();
            tls = tlsFacts(socket as TLSSocket, Date.now());
            const rejected = prepared.tlsVerify ? verificationFailure(socket as TLSSocket, host) : undefined;
            if (rejected !== undefined) {
              attempt.settle(
                { success: false, failure: { reason: 'tls', message: rejected }, ...tls },
                new Error(rejected),
              );
              return;
            }
            stage = 'request';
          });
        }
      });

      request.on('error', (error) => {
        if (attempt.settled) return;
        recordConnectionPhases();
        fail(classifyNetworkError(error, stage), describeNetworkError(error), tls);
      });

      request.on('response', (response) => {
        responseAt = performance.now();
        stage = 'response';
        recordConnectionPhases();
        const statusCode = response.statusCode ?? 0;
        const location = response.headers.location;

        if (prepared.followRedirects && REDIRECT_STATUSES.has(statusCode) && location !== undefined) {
          // The hop's body is of no interest; the connection is not reused, so drop it at once.
          response.on('error', noop);
          response.destroy();
          if (attempt.settled) return;
          if (redirects >= MAX_REDIRECTS) {
            fail('status_mismatch', `stopped after ${MAX_REDIRECTS} redirects (last status ${statusCode})`, {
              statusCode,
              ...tls,
            });
            return;
          }
          let next: URL;
          try {
            next = new URL(location, hopUrl);
          } catch {
            fail('status_mismatch', `status ${statusCode} redirects to an invalid location`, { statusCode, ...tls });
            return;
          }
          if (next.protocol !== 'http:' && next.protocol !== 'https:') {
            fail('status_mismatch', `status ${statusCode} redirects to a non-http location`, { statusCode, ...tls });
            return;
          }
          redirects += 1;
          // As browsers and Go's client do: 303 always, and 301/302 after a POST, continue as a bodiless GET.
          const keepMethod = statusCode === 307 || statusCode === 308 || method === 'GET' || method === 'HEAD';
          runHop(next, keepMethod ? method : 'GET', keepMethod ? body : undefined);
          return;
        }

        const keepBody = prepared.bodyMatch !== undefined || prepared.bodyNotMatch !== undefined;
        const chunks: Buffer[] = [];
        let bodyBytes = 0;
        let truncated = false;
        let complete = false;

        const finishResponse = (): void => {
          if (complete) return;
          complete = true;
          phases.transferMs = (phases.transferMs ?? 0) + (performance.now() - (responseAt ?? hopStart));
          if (attempt.settled) return;
          const details: Record<string, number | boolean> = truncated
            ? { bodyBytes, bodyTruncated: true }
            : { bodyBytes };
          const facts = { statusCode, ...tls, details };
          const statusOk =
            prepared.validStatusCodes.size === 0
              ? statusCode >= 200 && statusCode < 300
              : prepared.validStatusCodes.has(statusCode);
          if (!statusOk) {
            const expected = prepared.validStatusCodes.size === 0 ? '2xx' : [...prepared.validStatusCodes].join(', ');
            fail('status_mismatch', `status ${statusCode}, expected ${expected}`, facts);
            return;
          }
          if (keepBody) {
            const text = Buffer.concat(chunks, bodyBytes).toString('utf8');
            if (prepared.bodyMatch !== undefined && !prepared.bodyMatch.test(text)) {
              fail('body_mismatch', `body does not match /${prepared.bodyMatch.source}/`, facts);
              return;
            }
            if (prepared.bodyNotMatch !== undefined && prepared.bodyNotMatch.test(text)) {
              fail('body_mismatch', `body matches /${prepared.bodyNotMatch.source}/`, facts);
              return;
            }
          }
          if (tls !== undefined) {
            const expiring = certExpiring(tls, prepared.certExpiryWarningDays, Date.now());
            if (expiring !== undefined) {
              fail('cert_expiring', expiring, facts);
              return;
            }
          }
          attempt.settle({ success: true, ...facts });
        };

        response.on('data', (chunk: Buffer) => {
          if (complete) return;
          if (bodyBytes + chunk.length > prepared.maxBodyBytes) {
            const room = prepared.maxBodyBytes - bodyBytes;
            if (keepBody) chunks.push(chunk.subarray(0, room));
            bodyBytes += room;
            truncated = true;
            finishResponse();
            response.destroy();
            return;
          }
          bodyBytes += chunk.length;
          if (keepBody) chunks.push(chunk);
        });
        response.on('end', finishResponse);
        response.on('error', noop);
        response.on('close', () => {
          if (complete || attempt.settled) return;
          complete = true;
          fail('connection', 'connection closed before the response body ended', { statusCode, ...tls });
        });
      });

      request.end(body);
    };

    const start = (): void => {
      const url = parseTarget(prepared, target);
      if (url === undefined) {
        fail('error', 'target is not a valid URL');
        return;
      }
      runHop(url, prepared.method, prepared.body);
    };

    return { timeoutMessage: () => `no complete response within ${context.timeoutMs} ms`, finish, start };
  });
}

function parseTarget(prepared: PreparedHttpSettings, target: string): URL | undefined {
  if (prepared.lastTarget?.text === target) return prepared.lastTarget.url;
  try {
    const url = new URL(target);
    prepared.lastTarget = { text: target, url };
    return url;
  } catch {
    return undefined;
  }
}

function noop(): void {}

// Wrapped so the request's socket-ready callback is not taken for a connect/secureConnect listener;
// the request options carry the host, port and TLS options these need.
type CreateConnection = NonNullable<http.RequestOptions['createConnection']>;
const connectTcp: CreateConnection = (options) => netConnect(options as NetConnectOpts);
const connectTls: CreateConnection = (options) => tlsConnect(options as ConnectionOptions);

function roundPhases(phases: MutablePhases): ProbePhases {
  const rounded: MutablePhases = {};
  if (phases.dnsMs !== undefined) rounded.dnsMs = ms(phases.dnsMs);
  if (phases.connectMs !== undefined) rounded.connectMs = ms(phases.connectMs);
  if (phases.tlsMs !== undefined) rounded.tlsMs = ms(phases.tlsMs);
  if (phases.firstByteMs !== undefined) rounded.firstByteMs = ms(phases.firstByteMs);
  if (phases.transferMs !== undefined) rounded.transferMs = ms(phases.transferMs);
  return rounded;
}

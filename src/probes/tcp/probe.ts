import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates, type TLSSocket } from 'node:tls';
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
import { parseHostPort } from '../common/address.js';
import type { TcpSettings } from './settings.js';

/** Bytes kept while waiting for `expect`; a banner or a one-line reply fits many times over. */
const MAX_EXPECT_BYTES = 65_536;

export interface PreparedTcpSettings {
  readonly tls: boolean;
  readonly tlsVerify: boolean;
  readonly serverName: string | undefined;
  readonly ca: CaBundle;
  readonly certExpiryWarningDays: number | undefined;
  readonly family: 4 | 6 | undefined;
  readonly send: Buffer | undefined;
  readonly expect: RegExp | undefined;
}

const preparedBySettings = new WeakMap<TcpSettings, PreparedTcpSettings>();

export function prepareTcpSettings(settings: TcpSettings): PreparedTcpSettings {
  let prepared = preparedBySettings.get(settings);
  if (prepared === undefined) {
    prepared = {
      tls: settings.tls,
      tlsVerify: settings.tls_verify,
      serverName: settings.server_name,
      ca: loadCaFile(settings.ca_file, rootCertificates),
      certExpiryWarningDays: settings.cert_expiry_warning_days,
      family: lookupFamily(settings.ip_protocol),
      send: settings.send === undefined ? undefined : Buffer.from(settings.send),
      expect: settings.expect === undefined ? undefined : new RegExp(settings.expect),
    };
    preparedBySettings.set(settings, prepared);
  }
  return prepared;
}

export const tcpProber: Prober<TcpSettings> = (target, settings, context) =>
  probeTcp(target, prepareTcpSettings(settings), context);

/**
 * One tcp probe: connect (optionally TLS), optionally send a line and wait for a reply matching
 * `expect`, then close. Like blackbox_exporter's tcp prober with a single query/response step.
 */
export function probeTcp(target: string, prepared: PreparedTcpSettings, context: ProbeContext): Promise<ProbeOutcome> {
  return runAttempt(context, prepared.ca, (attempt) => {
    const { fail } = attempt;
    let lookupAt: number | undefined;
    let connectAt: number | undefined;
    let secureAt: number | undefined;
    let firstDataAt: number | undefined;
    let tls: TlsFacts | undefined;
    let socket: Socket | undefined;
    /** When the connection became usable (connected, or TLS established); undefined before. */
    const readyAt = (): number | undefined => (prepared.tls ? secureAt : connectAt);

    const timeoutMessage = (): string => {
      const waiting = prepared.expect !== undefined && readyAt() !== undefined ? ' waiting for the expected reply' : '';
      return `timed out after ${context.timeoutMs} ms${waiting}`;
    };

    const finish = (result: AttemptResult, destroyWith: Error | undefined): Omit<ProbeOutcome, 'durationMs'> => {
      const { startedAt } = attempt;
      const phases: { -readonly [K in keyof ProbePhases]: ProbePhases[K] } = {};
      if (lookupAt !== undefined) phases.dnsMs = ms(lookupAt - startedAt);
      if (connectAt !== undefined) phases.connectMs = ms(connectAt - (lookupAt ?? startedAt));
      if (secureAt !== undefined && connectAt !== undefined) phases.tlsMs = ms(secureAt - connectAt);
      const readyTime = secureAt ?? connectAt;
      if (firstDataAt !== undefined && readyTime !== undefined) phases.firstByteMs = ms(firstDataAt - readyTime);
      socket?.destroy(destroyWith);
      return { ...result, ...tls, phases };
    };

    const start = (): void => {
      const address = parseHostPort(target);
      if (address === undefined) {
        fail('error', 'target is not host:port');
        return;
      }

      const literal = isIP(address.host) !== 0;
      let stage: ConnectionStage = literal ? 'connect' : 'dns';
      const family = prepared.family !== undefined ? { family: prepared.family } : {};
      const serverName = prepared.serverName ?? (literal ? undefined : address.host);
      if (prepared.tls) {
        socket = tlsConnect({
          host: address.host,
          port: address.port,
          ...family,
          // Verified in 'secureConnect' below, so a rejected certificate's facts are still recorded.
          rejectUnauthorized: false,
          ...(serverName !== undefined ? { servername: serverName } : {}),
          ...(prepared.ca.ok && prepared.ca.ca !== undefined ? { ca: prepared.ca.ca } : {}),
        });
      } else {
        socket = netConnect({ host: address.host, port: address.port, ...family });
      }
      const connection = socket;

      let received = '';
      const onReady = (): void => {
        stage = 'request';
        if (prepared.send !== undefined) connection.write(prepared.send);
        if (prepared.expect === undefined) succeed();
      };
      const succeed = (): void => {
        if (tls !== undefined) {
          const expiring = certExpiring(tls, prepared.certExpiryWarningDays, Date.now());
          if (expiring !== undefined) {
            fail('cert_expiring', expiring);
            return;
          }
        }
        attempt.settle({ success: true });
      };

      connection.once('lookup', () => {
        lookupAt = performance.now();
        stage = 'connect';
      });
      connection.once('connect', () => {
        connectAt = performance.now();
        stage = prepared.tls ? 'tls' : 'request';
        if (!prepared.tls) onReady();
      });
      if (prepared.tls) {
        connection.once('secureConnect', () => {
          secureAt = performance.now();
          tls = tlsFacts(connection as TLSSocket, Date.now());
          const rejected = prepared.tlsVerify
            ? verificationFailure(connection as TLSSocket, serverName ?? address.host)
            : undefined;
          if (rejected !== undefined) fail('tls', rejected);
          else onReady();
        });
      }
      connection.on('data', (chunk: Buffer) => {
        firstDataAt ??= performance.now();
        if (prepared.expect === undefined || attempt.settled) return;
        received = (received + chunk.toString('utf8')).slice(-MAX_EXPECT_BYTES);
        if (prepared.expect.test(received)) succeed();
      });
      connection.on('error', (error) => fail(classifyNetworkError(error, stage), describeNetworkError(error)));
      connection.on('close', () => {
        if (attempt.settled) return;
        if (readyAt() === undefined) fail(stage === 'tls' ? 'tls' : 'connection', 'connection closed during setup');
        else fail('answer_mismatch', `connection closed without a reply matching /${prepared.expect?.source ?? ''}/`);
      });
    };

    return { timeoutMessage, finish, start };
  });
}

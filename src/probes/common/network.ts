import { readFileSync } from 'node:fs';
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import type { ProbeFailureReason } from '../../domain/probe-result.js';
import { DAY_MS, daysLeft } from './outcome.js';

/** The stage a connection had reached when it failed; it decides what an otherwise generic error means. */
export type ConnectionStage = 'dns' | 'connect' | 'tls' | 'request' | 'response';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA']);
const REFUSED_CODES = new Set(['ECONNREFUSED']);
// OpenSSL's X509 verification codes as Node reports them (DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_VERIFY_LEAF_SIGNATURE…).
const OPENSSL_VERIFY_CODE = /CERT|^UNABLE_TO_|HOSTNAME_MISMATCH/;

/** Maps a socket error to a failure reason: by its code where that is unambiguous, else by the stage reached. */
export function classifyNetworkError(error: unknown, stage: ConnectionStage): ProbeFailureReason {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'PROBE_TIMEOUT') return 'timeout';
  if (code === 'PROBE_ABORTED') return 'error';
  if (typeof code === 'string') {
    if (DNS_CODES.has(code)) return 'dns';
    if (REFUSED_CODES.has(code)) return 'refused';
    if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || OPENSSL_VERIFY_CODE.test(code)) return 'tls';
  }
  if (stage === 'dns') return 'dns';
  if (stage === 'tls') return 'tls';
  return 'connection';
}

/** A short, secret-free description of a socket error: its code and Node's message (which names host and port only). */
export function describeNetworkError(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message.length > 0 ? message : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

export interface TlsFacts {
  readonly tlsVersion?: string;
  readonly certNotAfter?: number;
  readonly certDaysLeft?: number;
}

/** What a probe records about a TLS session: protocol version and the leaf certificate's expiry. */
export function tlsFacts(socket: TLSSocket, now: number): TlsFacts {
  const protocol = socket.getProtocol();
  // getPeerCertificate(false) gives the leaf only, without walking and converting the whole chain.
  const validTo = socket.getPeerCertificate(false)?.valid_to;
  const notAfter = validTo ? Date.parse(validTo) : NaN;
  return {
    ...(protocol ? { tlsVersion: protocol } : {}),
    ...(Number.isFinite(notAfter) ? { certNotAfter: notAfter, certDaysLeft: daysLeft(notAfter, now) } : {}),
  };
}

// OpenSSL's texts for the verification codes a probe meets in practice. A socket opened with
// `rejectUnauthorized: false` keeps only the code (`authorizationError`), so the probe words it as
// Node's rejection would have ("DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate").
const VERIFY_TEXT: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_REVOKED: 'certificate revoked',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  CERT_CHAIN_TOO_LONG: 'certificate chain too long',
  INVALID_CA: 'invalid CA certificate',
  INVALID_PURPOSE: 'unsupported certificate purpose',
};

/**
 * The verification verdict on a session the probe opened with `rejectUnauthorized: false`: undefined
 * when the certificate is trusted and matches `hostname`, else the failure message. Probes verify this
 * way, rather than letting Node reject the handshake, because a rejected socket is destroyed before
 * its certificate can be read, and a `cert_days_left` rule must still see the expiry that failed it.
 * Node runs the same checks either way and sends no request data before 'secureConnect'.
 */
export function verificationFailure(socket: TLSSocket, hostname: string): string | undefined {
  if (socket.authorized) return undefined;
  const code = String(socket.authorizationError ?? 'UNKNOWN');
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    // Node's own check again, for its message naming the host and the certificate's names.
    const mismatch = checkServerIdentity(hostname, socket.getPeerCertificate(false));
    if (mismatch !== undefined) return `${code}: ${mismatch.message}`;
  }
  return `${code}: ${VERIFY_TEXT[code] ?? 'certificate verification failed'}`;
}

/** cert_expiring applies when a warning threshold is set and the certificate expires sooner. */
export function certExpiring(facts: TlsFacts, warningDays: number | undefined, now: number): string | undefined {
  if (warningDays === undefined || facts.certNotAfter === undefined) return undefined;
  const exact = (facts.certNotAfter - now) / DAY_MS;
  if (exact >= warningDays) return undefined;
  return `certificate expires in ${facts.certDaysLeft} day(s), under the ${warningDays}-day warning threshold`;
}

export type CaBundle = { ok: true; ca: Buffer[] | undefined } | { ok: false; message: string };

/**
 * Reads a `ca_file` once per probe definition. Node replaces the system roots when `ca` is given,
 * so the file's certificates are added to them rather than used alone (what an operator expects).
 */
export function loadCaFile(path: string | undefined, systemRoots: readonly string[]): CaBundle {
  if (path === undefined) return { ok: true, ca: undefined };
  try {
    const pem = readFileSync(path);
    return { ok: true, ca: [...systemRoots.map((root) => Buffer.from(root)), pem] };
  } catch (error) {
    return { ok: false, message: `cannot read ca_file: ${(error as Error).message}` };
  }
}

/** Node's dns lookup `family` for an `ip_protocol` setting. */
export function lookupFamily(ipProtocol: 'ip4' | 'ip6' | undefined): 4 | 6 | undefined {
  return ipProtocol === 'ip4' ? 4 : ipProtocol === 'ip6' ? 6 : undefined;
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed acknowledge links: `v1.<payload>.<signature>`, both base64url. The payload binds the
 * link to one alert instance and one firing of it (its incarnation), carries its expiry and a
 * nonce that makes it single-use. The signature is HMAC-SHA256 under a key from the secret store,
 * over a domain-separated string, so no other HMAC the product makes can be passed off as one.
 */
export interface AckLinkClaims {
  /** Alert instance key, `rule/fingerprint`. */
  readonly alertKey: string;
  readonly site: string;
  /** Epoch ms the acknowledged problem began. */
  readonly incarnation: number;
  /** Epoch ms after which the link is refused. */
  readonly expiresAt: number;
  /** Random, unique per link: a used nonce is refused (single use). */
  readonly nonce: string;
}

const VERSION = 'v1';
const CONTEXT = 'pflow-ack-link-v1';
/** A key shorter than this is refused at start: HMAC is only as strong as its key. */
export const ACK_KEY_MIN_LENGTH = 32;

export type AckLinkRefusal = 'malformed' | 'bad_signature' | 'expired';

export function signAckLink(claims: AckLinkClaims, key: string): string {
  const payload = Buffer.from(
    JSON.stringify({ a: claims.alertKey, s: claims.site, i: claims.incarnation, x: claims.expiresAt, n: claims.nonce }),
  ).toString('base64url');
  return `${VERSION}.${payload}.${mac(payload, key)}`;
}

/**
 * Checks a link's form, signature and expiry. Whether it was used already and whether its alert
 * still fires as this incarnation are for the caller, who holds that state.
 */
export function verifyAckLink(
  token: string,
  key: string,
  now: number,
): { ok: true; claims: AckLinkClaims } | { ok: false; reason: AckLinkRefusal } {
  const parts = token.split('.');
  if (
    parts.length !== 3 ||
    parts[0] !== VERSION ||
    !/^[A-Za-z0-9_-]+$/.test(parts[1]!) ||
    !/^[A-Za-z0-9_-]+$/.test(parts[2]!)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = Buffer.from(mac(parts[1]!, key), 'base64url');
  const given = Buffer.from(parts[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const claims = claimsOf(raw);
  if (claims === undefined) return { ok: false, reason: 'malformed' };
  if (now >= claims.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function claimsOf(raw: unknown): AckLinkClaims | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const { a, s, i, x, n } = raw as Record<string, unknown>;
  if (typeof a !== 'string' || typeof s !== 'string' || typeof n !== 'string') return undefined;
  if (typeof i !== 'number' || typeof x !== 'number' || !Number.isFinite(i) || !Number.isFinite(x)) return undefined;
  return { alertKey: a, site: s, incarnation: i, expiresAt: x, nonce: n };
}

function mac(payload: string, key: string): string {
  return createHmac('sha256', key).update(`${CONTEXT}.${payload}`).digest('base64url');
}

/** What a person reads when a link is refused; never says more than needed. */
export function refusalText(reason: AckLinkRefusal | 'replayed' | 'not_firing'): string {
  switch (reason) {
    case 'malformed':
    case 'bad_signature':
      return 'This acknowledge link is not valid.';
    case 'expired':
      return 'This acknowledge link has expired. Acknowledge with `pflow alerts ack` or a newer message.';
    case 'replayed':
      return 'This acknowledge link was already used.';
    case 'not_firing':
      return 'This alert is no longer firing as the one the link was made for; nothing was acknowledged.';
  }
}

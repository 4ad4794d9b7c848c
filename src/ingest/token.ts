import { createHash, randomBytes } from 'node:crypto';

/**
 * Agent tokens: `pfa_<tokenId>_<secret>`. The token id names the token in lists, logs and revokes;
 * the secret (32 random bytes, base64url) is what makes it unguessable. Only the SHA-256 of the
 * whole token is stored, so a copy of the token table lets no one write as an agent.
 */
export const TOKEN_PREFIX = 'pfa_';
const TOKEN_ID = /^[a-z0-9]{12}$/;
const TOKEN = /^pfa_([a-z0-9]{12})_([A-Za-z0-9_-]{43,})$/;
const SECRET_BYTES = 32;

/** A token as stored: never the token itself. */
export interface AgentTokenRecord {
  readonly tokenId: string;
  /** SHA-256 of the whole token, lower-case hex. */
  readonly tokenHash: string;
  readonly site: string;
  readonly name: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms; a revoked token is refused from then on. */
  readonly revokedAt?: number;
}

export interface NewToken {
  /** Shown once, at create; nowhere else. */
  readonly token: string;
  readonly record: AgentTokenRecord;
}

export function createToken(site: string, name: string, now: number, random = randomBytes): NewToken {
  const tokenId = random(8).readBigUInt64BE().toString(36).padStart(13, '0').slice(-12);
  const token = `${TOKEN_PREFIX}${tokenId}_${random(SECRET_BYTES).toString('base64url')}`;
  return { token, record: { tokenId, tokenHash: hashToken(token), site, name, createdAt: now } };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token of an `Authorization: Bearer …` header, if it has the shape of one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  const token = match?.[1];
  return token !== undefined && TOKEN.test(token) ? token : undefined;
}

export function isTokenId(text: string): boolean {
  return TOKEN_ID.test(text);
}

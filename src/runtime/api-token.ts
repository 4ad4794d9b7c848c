import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file that holds the local API token: made by the runtime at its first start, mode 0600. */
export function apiTokenPath(dataDir: string): string {
  return join(dataDir, 'api-token');
}

/**
 * The token that the changing calls of the local API (silences, acknowledgements) ask for. It is
 * made once and kept in the data directory, readable only by its owner: whoever can read the
 * runtime's data may change its alerts anyway.
 */
export function ensureApiToken(dataDir: string): string {
  const path = apiTokenPath(dataDir);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length > 0) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = `pfl_${randomBytes(32).toString('base64url')}`;
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'w' });
  chmodSync(path, 0o600);
  return token;
}

/** Reads the token for the CLI; undefined when the runtime never started in this directory. */
export function readApiToken(dataDir: string): string | undefined {
  try {
    const token = readFileSync(apiTokenPath(dataDir), 'utf8').trim();
    return token.length > 0 ? token : undefined;
  } catch {
    return undefined;
  }
}

/** Compares an `Authorization` header with the token in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}

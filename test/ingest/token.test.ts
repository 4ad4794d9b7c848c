import { describe, expect, it } from 'vitest';
import { bearerToken, createToken, hashToken, isTokenId } from '../../src/ingest/token.js';

describe('agent tokens', () => {
  it('creates pfa_<id>_<secret> with 32 random bytes and stores only its SHA-256', () => {
    const { token, record } = createToken('st-anna', 'lab server', 1_000);
    expect(token).toMatch(/^pfa_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(record).toEqual({
      tokenId: token.slice(4, 16),
      tokenHash: hashToken(token),
      site: 'st-anna',
      name: 'lab server',
      createdAt: 1_000,
    });
    expect(JSON.stringify(record)).not.toContain(token.slice(17));
    expect(isTokenId(record.tokenId)).toBe(true);
  });

  it('never creates the same token twice', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => createToken('s', 'n', 0).token));
    expect(tokens.size).toBe(200);
  });

  it('hashes the whole token as lower-case hex SHA-256', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Bearer not-a-token', undefined],
    ['Bearer pfa_abc_def', undefined],
  ])('reads no token from %j', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });

  it('reads the token of a Bearer header, scheme case-insensitive', () => {
    const { token } = createToken('s', 'n', 0);
    expect(bearerToken(`Bearer ${token}`)).toBe(token);
    expect(bearerToken(`bearer ${token}`)).toBe(token);
  });
});

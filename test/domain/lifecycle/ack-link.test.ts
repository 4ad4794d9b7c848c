import { describe, expect, it } from 'vitest';
import { signAckLink, verifyAckLink, type AckLinkClaims } from '../../../src/domain/lifecycle/ack-link.js';

const KEY = 'k'.repeat(32);
const T0 = Date.parse('2026-12-01T10:00:00Z');
const claims: AckLinkClaims = {
  alertKey: 'api-login-down/abc123',
  site: 'site-a',
  incarnation: T0,
  expiresAt: T0 + 3_600_000,
  nonce: 'n1',
};

function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [version, payload, signature] = token.split('.') as [string, string, string];
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  change(decoded);
  return `${version}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
}

describe('acknowledge links', () => {
  it('verifies a link it signed, and gives back its claims', () => {
    expect(verifyAckLink(signAckLink(claims, KEY), KEY, T0 + 1)).toEqual({ ok: true, claims });
  });

  it.each([
    ['another alert (cross-alert)', (p: Record<string, unknown>) => (p.a = 'other-rule/def456')],
    ['an earlier firing', (p: Record<string, unknown>) => (p.i = T0 - 1)],
    ['a later expiry', (p: Record<string, unknown>) => (p.x = T0 + 86_400_000)],
    ['another nonce (to replay)', (p: Record<string, unknown>) => (p.n = 'n2')],
  ])('refuses a payload changed to %s', (_what, change) => {
    expect(verifyAckLink(tamper(signAckLink(claims, KEY), change), KEY, T0)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a link signed with another key', () => {
    expect(verifyAckLink(signAckLink(claims, 'x'.repeat(32)), KEY, T0)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses an expired link, from the instant it expires', () => {
    const token = signAckLink(claims, KEY);
    expect(verifyAckLink(token, KEY, claims.expiresAt - 1).ok).toBe(true);
    expect(verifyAckLink(token, KEY, claims.expiresAt)).toEqual({ ok: false, reason: 'expired' });
  });

  it.each(['', 'v1', 'v1.abc', 'v2.a.b', 'v1.a+b.c', 'v1..'])('refuses the malformed token %j', (token) => {
    expect(verifyAckLink(token, KEY, T0)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a signature cut short', () => {
    const token = signAckLink(claims, KEY);
    expect(verifyAckLink(token.slice(0, -4), KEY, T0)).toEqual({ ok: false, reason: 'bad_signature' });
  });
});

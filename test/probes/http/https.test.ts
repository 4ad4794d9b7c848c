import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpProber } from '../../../src/probes/http/probe.js';
import { httpSettingsSchema } from '../../../src/probes/http/settings.js';
import { createSelfSignedCertificate, createTestCa, daysFromNow } from '../../support/tls.js';
import { startHttpsServer, type LoopbackServer } from '../loopback.js';

const DAY_MS = 86_400_000;

describe('http prober against loopback https servers', () => {
  let tempDir: string;
  let caFile: string;
  let expiringSoon: LoopbackServer;
  let selfSigned: LoopbackServer;
  let expired: LoopbackServer;
  let expiringNotAfter: number;
  let expiredNotAfter: number;
  /** Requests that reached a server: a certificate the probe rejects must see none. */
  let requests: number;

  beforeAll(async () => {
    tempDir = mkdtempSync(join(tmpdir(), 'pflow-https-'));
    const ca = await createTestCa();
    caFile = join(tempDir, 'ca.pem');
    writeFileSync(caFile, ca.cert);
    const notAfter = daysFromNow(3);
    // X.509 keeps whole seconds.
    expiringNotAfter = Math.floor(notAfter.getTime() / 1000) * 1000;
    const handler = (_request: unknown, response: { end(body: string): void }) => {
      requests += 1;
      response.end('secure hello');
    };
    expiringSoon = await startHttpsServer(await ca.issue({ notAfter }), handler);
    selfSigned = await startHttpsServer(await createSelfSignedCertificate(daysFromNow(30)), handler);
    const expiredAt = daysFromNow(-2);
    expiredNotAfter = Math.floor(expiredAt.getTime() / 1000) * 1000;
    expired = await startHttpsServer(await ca.issue({ notBefore: daysFromNow(-30), notAfter: expiredAt }), handler);
  });
  beforeEach(() => {
    requests = 0;
  });
  afterAll(async () => {
    await Promise.all([expiringSoon.close(), selfSigned.close(), expired.close()]);
    rmSync(tempDir, { recursive: true, force: true });
  });

  const probe = (server: LoopbackServer, block: Record<string, unknown>, host = '127.0.0.1') =>
    httpProber(`https://${host}:${server.port}/`, httpSettingsSchema.parse(block), { timeoutMs: 3_000 });

  it('verifies a CA-signed certificate against ca_file and reports TLS facts and phases', async () => {
    const outcome = await probe(expiringSoon, { ca_file: caFile, body_match: 'secure' });

    expect(outcome).toMatchObject({ success: true, statusCode: 200, tlsVersion: 'TLSv1.3' });
    expect(outcome.certNotAfter).toBe(expiringNotAfter);
    expect(outcome.certDaysLeft).toBeGreaterThan(2.98);
    expect(outcome.certDaysLeft).toBeLessThanOrEqual(3);
    expect(outcome.phases.tlsMs).toBeGreaterThan(0);
    expect(outcome.phases.connectMs).toBeGreaterThanOrEqual(0);
    expect(outcome.phases.firstByteMs).toBeGreaterThanOrEqual(0);
  });

  it('verifies the certificate name when the target is a name', async () => {
    const outcome = await probe(expiringSoon, { ca_file: caFile, ip_protocol: 'ip4' }, 'localhost');

    expect(outcome.success).toBe(true);
    expect(outcome.phases.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it.each([
    { name: 'CA-signed, CA not trusted', server: 'expiringSoon', trustCa: false, block: {}, reason: 'tls' },
    {
      name: 'CA-signed, 7-day warning',
      server: 'expiringSoon',
      trustCa: true,
      block: { cert_expiry_warning_days: 7 },
      reason: 'cert_expiring',
    },
    {
      name: 'CA-signed, 2-day warning',
      server: 'expiringSoon',
      trustCa: true,
      block: { cert_expiry_warning_days: 2 },
      reason: undefined,
    },
    { name: 'self-signed, verified', server: 'selfSigned', trustCa: true, block: {}, reason: 'tls' },
    {
      name: 'self-signed, not verified',
      server: 'selfSigned',
      trustCa: false,
      block: { tls_verify: false },
      reason: undefined,
    },
    {
      name: 'self-signed, not verified, 60-day warning',
      server: 'selfSigned',
      trustCa: false,
      block: { tls_verify: false, cert_expiry_warning_days: 60 },
      reason: 'cert_expiring',
    },
  ])('$name → $reason', async ({ server, trustCa, block, reason }) => {
    const outcome = await probe(server === 'selfSigned' ? selfSigned : expiringSoon, {
      ...(trustCa ? { ca_file: caFile } : {}),
      ...block,
    });

    expect(outcome.success).toBe(reason === undefined);
    expect(outcome.failure?.reason).toBe(reason);
  });

  it('says why verification failed', async () => {
    const outcome = await probe(selfSigned, {});

    expect(outcome.failure?.message).toMatch(/self[- ]signed/i);
    expect(outcome.phases.connectMs).toBeGreaterThanOrEqual(0);
  });

  it('names the expiry in a cert_expiring failure and still reports the days left', async () => {
    const outcome = await probe(expiringSoon, { ca_file: caFile, cert_expiry_warning_days: 7 });

    expect(outcome.failure?.message).toMatch(/expires in 2\.9\d|3 day/);
    expect(outcome.statusCode).toBe(200);
    expect((outcome.certNotAfter ?? 0) - Date.now()).toBeLessThan(3 * DAY_MS);
  });

  it('self-signed with verification off still reports the certificate', async () => {
    const outcome = await probe(selfSigned, { tls_verify: false });

    expect(outcome.certDaysLeft).toBeGreaterThan(29.9);
    expect(outcome.tlsVersion).toMatch(/^TLSv1\.[23]$/);
  });

  it('keeps the facts of an expired certificate when verification fails on it, and sends no request', async () => {
    const outcome = await probe(expired, { ca_file: caFile });

    expect(outcome).toMatchObject({
      success: false,
      failure: { reason: 'tls', message: 'CERT_HAS_EXPIRED: certificate has expired' },
      certNotAfter: expiredNotAfter,
      tlsVersion: 'TLSv1.3',
    });
    expect(outcome.certDaysLeft).toBeGreaterThan(-2.02);
    expect(outcome.certDaysLeft).toBeLessThanOrEqual(-2);
    expect(outcome.statusCode).toBeUndefined();
    expect(outcome.phases.tlsMs).toBeGreaterThan(0);
    expect(requests).toBe(0);
  });

  it('keeps the facts of a self-signed certificate when verification fails on it, and sends no request', async () => {
    const outcome = await probe(selfSigned, { headers: { authorization: 'Bearer not-for-strangers' } });

    expect(outcome.failure).toEqual({ reason: 'tls', message: 'DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate' });
    expect(outcome.certDaysLeft).toBeGreaterThan(29.98);
    expect(outcome.certDaysLeft).toBeLessThanOrEqual(30);
    expect(requests).toBe(0);
  });

  it('reports an unreadable ca_file as a configuration error, not a target failure', async () => {
    const outcome = await probe(expiringSoon, { ca_file: join(tempDir, 'missing.pem') });

    expect(outcome).toMatchObject({ success: false, failure: { reason: 'error' } });
    expect(outcome.failure?.message).toMatch(/cannot read ca_file/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpProber } from '../../../src/probes/tcp/probe.js';
import { tcpSettingsSchema } from '../../../src/probes/tcp/settings.js';
import { createSelfSignedCertificate, createTestCa, daysFromNow } from '../../support/tls.js';
import { closedPort, startTcpServer, type LoopbackServer } from '../loopback.js';

const probe = (target: string, block: Record<string, unknown> = {}, timeoutMs = 2_000) =>
  tcpProber(target, tcpSettingsSchema.parse(block), { timeoutMs });

describe('tcp prober against loopback servers', () => {
  let tempDir: string;
  let caFile: string;
  let plain: LoopbackServer;
  let pingPong: LoopbackServer;
  let silent: LoopbackServer;
  let tlsServer: tls.Server;
  let tlsPort: number;
  let selfSignedServer: tls.Server;
  let selfSignedPort: number;
  let expiredServer: tls.Server;
  let expiredPort: number;
  /** Bytes a TLS server received after the handshake: a probe that rejects its certificate sends none. */
  let received = 0;

  beforeAll(async () => {
    tempDir = mkdtempSync(join(tmpdir(), 'pflow-tcp-'));
    const ca = await createTestCa();
    caFile = join(tempDir, 'ca.pem');
    writeFileSync(caFile, ca.cert);

    plain = await startTcpServer((socket) => socket.on('error', () => undefined));
    // Answers PING with PONG and anything else with ERR, then closes: a line protocol like Redis or SMTP.
    pingPong = await startTcpServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (data) => socket.end(data.toString().startsWith('PING') ? '+PONG\r\n' : '-ERR unknown\r\n'));
    });
    silent = await startTcpServer((socket) => socket.on('error', () => undefined));

    const listenTls = async (server: tls.Server): Promise<number> => {
      server.on('secureConnection', (socket) => {
        socket.on('data', (data) => (received += data.length));
        socket.end('+READY\r\n');
      });
      server.on('tlsClientError', () => undefined);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as { port: number }).port;
    };
    tlsServer = tls.createServer(await ca.issue({ notAfter: daysFromNow(3) }));
    tlsPort = await listenTls(tlsServer);
    selfSignedServer = tls.createServer(await createSelfSignedCertificate());
    selfSignedPort = await listenTls(selfSignedServer);
    expiredServer = tls.createServer(await ca.issue({ notBefore: daysFromNow(-30), notAfter: daysFromNow(-5) }));
    expiredPort = await listenTls(expiredServer);
  });
  afterAll(async () => {
    await Promise.all([plain.close(), pingPong.close(), silent.close()]);
    await Promise.all(
      [tlsServer, selfSignedServer, expiredServer].map((s) => new Promise((resolve) => s.close(resolve))),
    );
    rmSync(tempDir, { recursive: true, force: true });
  });

  it('connects to an open port and times the connection', async () => {
    const outcome = await probe(`127.0.0.1:${plain.port}`);

    expect(outcome).toMatchObject({ success: true });
    expect(outcome.phases.connectMs).toBeGreaterThanOrEqual(0);
    expect(outcome.phases.tlsMs).toBeUndefined();
  });

  it('resolves a name first and times it', async () => {
    const outcome = await probe(`localhost:${plain.port}`, { ip_protocol: 'ip4' });

    expect(outcome.success).toBe(true);
    expect(outcome.phases.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a refused port', async () => {
    const outcome = await probe(`127.0.0.1:${await closedPort()}`);

    expect(outcome).toMatchObject({ success: false, failure: { reason: 'refused' } });
  });

  it.each([
    { name: 'expected reply', send: 'PING\r\n', expect: '^\\+PONG', reason: undefined },
    { name: 'unexpected reply, then close', send: 'HELLO\r\n', expect: '^\\+PONG', reason: 'answer_mismatch' },
  ])('send/expect: $name → $reason', async ({ send, expect: pattern, reason }) => {
    const outcome = await probe(`127.0.0.1:${pingPong.port}`, { send, expect: pattern });

    expect(outcome.success).toBe(reason === undefined);
    expect(outcome.failure?.reason).toBe(reason);
    expect(outcome.phases.firstByteMs).toBeGreaterThanOrEqual(0);
  });

  it('times out waiting for a reply that never comes', async () => {
    const outcome = await probe(`127.0.0.1:${silent.port}`, { send: 'PING\r\n', expect: 'PONG' }, 300);

    expect(outcome.failure).toEqual({
      reason: 'timeout',
      message: 'timed out after 300 ms waiting for the expected reply',
    });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(299);
    expect(outcome.durationMs).toBeLessThan(800);
  });

  it.each([
    { name: 'CA trusted', port: () => tlsPort, block: () => ({ ca_file: caFile }), reason: undefined, days: 3 },
    { name: 'CA not trusted', port: () => tlsPort, block: () => ({}), reason: 'tls', days: undefined },
    {
      name: 'expiring within the warning',
      port: () => tlsPort,
      block: () => ({ ca_file: caFile, cert_expiry_warning_days: 14 }),
      reason: 'cert_expiring',
      days: 3,
    },
    { name: 'self-signed, verified', port: () => selfSignedPort, block: () => ({}), reason: 'tls', days: undefined },
    {
      name: 'self-signed, not verified',
      port: () => selfSignedPort,
      block: () => ({ tls_verify: false }),
      reason: undefined,
      days: 30,
    },
  ])('TLS: $name → $reason', async ({ port, block, reason, days }) => {
    const outcome = await probe(`127.0.0.1:${port()}`, { tls: true, ...block() });

    expect(outcome.success).toBe(reason === undefined);
    expect(outcome.failure?.reason).toBe(reason);
    if (days !== undefined) {
      expect(outcome.tlsVersion).toBe('TLSv1.3');
      expect(outcome.certDaysLeft).toBeGreaterThan(days - 0.02);
      expect(outcome.certDaysLeft).toBeLessThanOrEqual(days);
      expect(outcome.phases.tlsMs).toBeGreaterThan(0);
    }
  });

  it.each([
    {
      name: 'expired',
      port: () => expiredPort,
      message: 'CERT_HAS_EXPIRED: certificate has expired',
      days: -5,
    },
    {
      name: 'self-signed',
      port: () => selfSignedPort,
      message: 'DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate',
      days: 30,
    },
  ])(
    'TLS: a rejected $name certificate still reports its days left, and nothing is sent',
    async ({ port, message, days }) => {
      received = 0;
      const outcome = await probe(`127.0.0.1:${port()}`, {
        tls: true,
        ca_file: caFile,
        send: 'PING\r\n',
        expect: 'READY',
      });

      expect(outcome).toMatchObject({ success: false, failure: { reason: 'tls', message }, tlsVersion: 'TLSv1.3' });
      expect(outcome.certDaysLeft).toBeGreaterThan(days - 0.02);
      expect(outcome.certDaysLeft).toBeLessThanOrEqual(days);
      expect(outcome.certNotAfter).toBeLessThan(Date.now() + (days + 0.01) * 86_400_000);
      expect(outcome.phases.tlsMs).toBeGreaterThan(0);
      expect(received).toBe(0);
    },
  );

  it('verifies the certificate against server_name', async () => {
    const matching = await probe(`127.0.0.1:${tlsPort}`, { tls: true, ca_file: caFile, server_name: 'localhost' });
    const other = await probe(`127.0.0.1:${tlsPort}`, { tls: true, ca_file: caFile, server_name: 'pfsw.example.org' });

    expect(matching.success).toBe(true);
    expect(other).toMatchObject({ success: false, failure: { reason: 'tls' } });
    expect(other.failure?.message).toMatch(/^ERR_TLS_CERT_ALTNAME_INVALID: .*pfsw\.example\.org/);
    // The certificate that failed the name check is still reported.
    expect(other.certDaysLeft).toBeGreaterThan(2.98);
  });

  it('reports a TLS handshake against a plain-TCP server as a tls failure', async () => {
    const outcome = await probe(`127.0.0.1:${pingPong.port}`, { tls: true }, 1_000);

    expect(outcome).toMatchObject({ success: false, failure: { reason: 'tls' } });
  });
});

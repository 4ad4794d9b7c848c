import { generate } from 'selfsigned';

/** A PEM certificate and its private key, as `https.createServer` / `tls.createServer` take them. */
export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

export interface TestCertificateAuthority extends CertificatePair {
  /** Issues a leaf certificate for loopback names (localhost, 127.0.0.1, ::1) signed by this CA. */
  issue(options?: LeafOptions): Promise<CertificatePair>;
}

export interface LeafOptions {
  readonly commonName?: string;
  /** Default: one hour ago. */
  readonly notBefore?: Date;
  /** Default: 90 days from now. */
  readonly notAfter?: Date;
}

const DAY_MS = 86_400_000;
const loopbackNames = [
  { type: 2 as const, value: 'localhost' },
  { type: 7 as const, ip: '127.0.0.1' },
  { type: 7 as const, ip: '::1' },
];
// EC keys: generated in milliseconds (RSA-2048 would slow every test file that needs a certificate).
const keyOptions = { keyType: 'ec' as const, curve: 'P-256' as const, algorithm: 'sha256' };

export function daysFromNow(days: number, now = Date.now()): Date {
  return new Date(now + days * DAY_MS);
}

/** A throwaway certificate authority, created at test time; its `cert` is what a client trusts. */
export async function createTestCa(commonName = 'PerformanceFlow Test CA'): Promise<TestCertificateAuthority> {
  const ca = await generate([{ name: 'commonName', value: commonName }], {
    ...keyOptions,
    notBeforeDate: new Date(Date.now() - 3_600_000),
    notAfterDate: daysFromNow(365),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const authority = { cert: ca.cert, key: ca.private };
  return {
    ...authority,
    async issue(options = {}) {
      const leaf = await generate([{ name: 'commonName', value: options.commonName ?? 'localhost' }], {
        ...keyOptions,
        notBeforeDate: options.notBefore ?? new Date(Date.now() - 3_600_000),
        notAfterDate: options.notAfter ?? daysFromNow(90),
        ca: authority,
        extensions: [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: loopbackNames },
        ],
      });
      return { cert: leaf.cert, key: leaf.private };
    },
  };
}

/** A self-signed loopback certificate: what a verifying client must reject. */
export async function createSelfSignedCertificate(notAfter = daysFromNow(30)): Promise<CertificatePair> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...keyOptions,
    notBeforeDate: new Date(Date.now() - 3_600_000),
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: loopbackNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

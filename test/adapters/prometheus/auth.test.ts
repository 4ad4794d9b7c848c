import aws4 from 'aws4';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authenticator } from '../../../src/adapters/prometheus/auth.js';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'FQoGZXIvYXdzEXAMPLETOKEN',
};
const DATE = new Date('2026-12-01T08:00:00Z');

/** The same request signed by aws4, an independent SigV4 implementation, with the same headers and date. */
function aws4Signature(url: URL, method: string, headers: Record<string, string>, body: Uint8Array) {
  const signed = aws4.sign(
    {
      host: url.host,
      path: `${url.pathname}${url.search}`,
      method,
      service: 'aps',
      region: 'eu-central-1',
      // The SDK signer also signs the payload hash header; aws4 signs whatever headers it is given.
      headers: {
        ...headers,
        'X-Amz-Date': '20261201T080000Z',
        'X-Amz-Content-Sha256': createHash('sha256').update(body).digest('hex'),
      },
      ...(body.length > 0 && { body: Buffer.from(body) }),
    },
    credentials,
  );
  return (signed.headers as Record<string, string>)['Authorization'];
}

describe('SigV4 for AMP (service aps)', () => {
  const sign = authenticator(
    { kind: 'sigv4', region: 'eu-central-1', credentials: async () => credentials },
    { signingDate: () => DATE },
  );

  it.each([
    {
      name: 'a remote write',
      method: 'POST' as const,
      url: 'https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1234abcd-12ab-34cd-56ef-1234567890ab/api/v1/remote_write',
      headers: {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
      } as Record<string, string>,
      body: new Uint8Array([0x1f, 0x00, 0xff, 0x0a, 0x41, 0x42]),
    },
    {
      name: 'a form-encoded query',
      method: 'POST' as const,
      url: 'https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1/api/v1/query',
      headers: { 'content-type': 'application/x-www-form-urlencoded' } as Record<string, string>,
      body: new TextEncoder().encode('query=%7B__name__%3D~%22probe_success%22%7D%5B300001ms%5D&time=1795000000.000'),
    },
    {
      name: 'a GET with a query string',
      method: 'GET' as const,
      url: 'https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1/api/v1/query?query=up&time=1795000000',
      headers: {} as Record<string, string>,
      body: new Uint8Array(),
    },
  ])('matches aws4 on $name', async ({ method, url, headers, body }) => {
    const signed = await sign({ method, url: new URL(url), headers, body });

    expect(signed['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261201\/eu-central-1\/aps\/aws4_request/,
    );
    expect(signed['x-amz-security-token']).toBe(credentials.sessionToken);
    expect(signed['authorization']).toBe(aws4Signature(new URL(url), method, headers, body));
  });

  it('basic and bearer auth add only the authorization header', async () => {
    const request = {
      method: 'POST' as const,
      url: new URL('http://127.0.0.1:9090/api/v1/write'),
      headers: { a: 'b' },
      body: new Uint8Array(),
    };
    expect(await authenticator({ kind: 'basic', username: 'u', password: 'p:w' })(request)).toEqual({
      a: 'b',
      authorization: 'Basic dTpwOnc=',
    });
    expect(await authenticator({ kind: 'bearer', token: 't0k' })(request)).toEqual({
      a: 'b',
      authorization: 'Bearer t0k',
    });
  });
});

/**
 * Amazon SES (API v2) stand-ins on 127.0.0.1 for tests.
 *
 * `startSesLocal()` runs aws-ses-v2-local (npm), an SES-compatible server that keeps what it is
 * sent; `emails()` reads its store through its own `GET /store` endpoint.
 *
 *   const ses = await startSesLocal();
 *   ses.client()        // @aws-sdk/client-sesv2 pointed at it, fake credentials, one attempt
 *   await ses.emails()  // [{ from, destination: { to, cc, bcc }, subject, body: { text, html }, headers }]
 *   await ses.clear(); await ses.close();
 *
 * `startSesRefusing(reply)` answers every request as SES v2 does when it refuses one — the status,
 * the error code in `x-amzn-ErrorType` and a JSON `{message}` — which the local server cannot do;
 * its `requests` keep each request's method, path and JSON body (ConfigurationSetName, …).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type sesLocalModule from 'aws-ses-v2-local';

// CommonJS with `exports.default`: Node's and vitest's ESM interop disagree on what a default
// import yields, so load it the CommonJS way, which both agree on.
const startAwsSesV2Local = (createRequire(import.meta.url)('aws-ses-v2-local') as typeof sesLocalModule).default;

export interface SesStoredEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: string[]; readonly cc: string[]; readonly bcc: string[] };
  readonly subject: string;
  readonly body: { readonly text?: string; readonly html?: string };
  /** The `Headers` of a simple message, as sent. */
  readonly headers?: { readonly name: string; readonly value: string }[];
}

export interface SesLocal {
  readonly endpoint: string;
  client(): SESv2Client;
  emails(): Promise<SesStoredEmail[]>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

export async function startSesLocal(): Promise<SesLocal> {
  const server = await startAwsSesV2Local({ host: '127.0.0.1', port: 0 });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    client: () => sesClient(endpoint),
    emails: async () => ((await (await fetch(`${endpoint}/store`)).json()) as { emails: SesStoredEmail[] }).emails,
    clear: async () => {
      await fetch(`${endpoint}/clear-store`, { method: 'POST' });
    },
    close: () => closeServer(server),
  };
}

export interface SesRefusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export interface SesRequest {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export async function startSesRefusing(
  refusal: SesRefusal,
): Promise<{ endpoint: string; client(): SESv2Client; requests: SesRequest[]; close(): Promise<void> }> {
  const requests: SesRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      });
      response.writeHead(refusal.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': `${refusal.code}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`,
      });
      response.end(JSON.stringify({ message: refusal.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    client: () => sesClient(endpoint),
    requests,
    close: () => closeServer(server),
  };
}

export function sesClient(endpoint: string): SESv2Client {
  return new SESv2Client({
    endpoint,
    region: 'eu-west-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

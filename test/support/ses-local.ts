/**
 * Amazon SES stand-ins on 127.0.0.1 for tests.
 *
 * `startSesLocal()` runs aws-ses-v2-local (npm), an SES-compatible server that keeps what it is
 * sent; `emails()` reads its store through its own `GET /store` endpoint.
 *
 *   const ses = await startSesLocal();
 *   ses.client()        // @aws-sdk/client-ses pointed at it, fake credentials, one attempt
 *   await ses.emails()  // [{ from, destination: { to, cc, bcc }, subject, body: { text, html } }]
 *   await ses.clear(); await ses.close();
 *
 * `startSesRefusing(reply)` answers every request as SES does when it refuses one — an
 * `<ErrorResponse>` with a status, code and message — which the local server cannot do; its
 * `requests` keep each request's form parameters (Action, ConfigurationSetName, …).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { SESClient } from '@aws-sdk/client-ses';
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
}

export interface SesLocal {
  readonly endpoint: string;
  client(): SESClient;
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
  readonly type?: 'Sender' | 'Receiver';
}

export async function startSesRefusing(
  refusal: SesRefusal,
): Promise<{ endpoint: string; client(): SESClient; requests: URLSearchParams[]; close(): Promise<void> }> {
  const requests: URLSearchParams[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(refusal.status, { 'content-type': 'text/xml' });
      response.end(
        `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${refusal.type ?? 'Sender'}</Type>` +
          `<Code>${xml(refusal.code)}</Code><Message>${xml(refusal.message)}</Message></Error>` +
          '<RequestId>test</RequestId></ErrorResponse>',
      );
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

export function sesClient(endpoint: string): SESClient {
  return new SESClient({
    endpoint,
    region: 'eu-west-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
  });
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

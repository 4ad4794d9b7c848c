/**
 * A loopback HTTP server standing in for an IAM-authorized API Gateway route: it checks each
 * request's SigV4 signature as API Gateway would (recomputed with aws4, an implementation
 * independent of the SDK signer the code uses, from the headers the request says it signed),
 * answers 403 with API Gateway's message when it does not match, and otherwise records the exact
 * request and lets the test answer it.
 *
 *   const api = await startSigV4Loopback({ credentials, region: 'eu-west-1', service: 'execute-api' });
 *   api.answer = (request) => ({ status: 200, body: { ok: true } });
 *   api.requests   // method, path, query, headers, body, and the parsed authorization
 *   await api.close();
 */
import aws4 from 'aws4';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SignedRequest {
  readonly method: string;
  /** Path and query as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly credential: { accessKeyId: string; date: string; region: string; service: string };
  readonly signedHeaders: readonly string[];
}

export interface LoopbackAnswer {
  readonly status: number;
  readonly body?: unknown;
}

export interface SigV4Loopback {
  readonly url: string;
  readonly requests: SignedRequest[];
  /** May be async: a test can hand the request to a real handler (the lifecycle API function). */
  answer: (request: SignedRequest) => LoopbackAnswer | Promise<LoopbackAnswer>;
  close(): Promise<void>;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

export async function startSigV4Loopback(expected: {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  region: string;
  service: string;
}): Promise<SigV4Loopback> {
  const requests: SignedRequest[] = [];
  const state: { answer: (request: SignedRequest) => LoopbackAnswer | Promise<LoopbackAnswer> } = {
    answer: () => ({ status: 500, body: { message: 'no answer set' } }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      const match = AUTHORIZATION.exec(String(req.headers.authorization ?? ''));
      if (!match) return reply(403, { message: 'Missing Authentication Token' });
      const [, accessKeyId, date, region, service, signedList, signature] = match;
      const signedHeaders = signedList!.split(';');
      const headers: Record<string, string> = {};
      for (const name of signedHeaders) headers[name] = String(req.headers[name] ?? '');
      const recomputed = aws4.sign(
        {
          host: String(req.headers.host),
          path: req.url!,
          method: req.method!,
          service: service!,
          region: region!,
          headers,
          ...(body !== '' && { body }),
        },
        expected.credentials,
      ).headers!['Authorization'] as string;
      // The payload hash the request claims must be its body's: the signature covers the claim.
      const claimed = req.headers['x-amz-content-sha256'];
      const valid =
        (claimed === undefined || claimed === createHash('sha256').update(body).digest('hex')) &&
        accessKeyId === expected.credentials.accessKeyId &&
        region === expected.region &&
        service === expected.service &&
        recomputed.endsWith(`Signature=${signature}`);
      if (!valid) {
        return reply(403, {
          message:
            'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
        });
      }
      const request: SignedRequest = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body,
        credential: { accessKeyId: accessKeyId!, date: date!, region: region!, service: service! },
        signedHeaders,
      };
      requests.push(request);
      void Promise.resolve(state.answer(request)).then(
        (answer) => reply(answer.status, answer.body ?? {}),
        (error: unknown) => reply(500, { message: String(error) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    get answer() {
      return state.answer;
    },
    set answer(fn) {
      state.answer = fn;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

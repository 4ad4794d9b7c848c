/**
 * A real S3-compatible server on 127.0.0.1 for tests: s3rver (npm) on port 0 in a temp dir,
 * behind a thin HTTP front that records each request's headers (s3rver drops SSE headers) and
 * can answer the next requests with an S3 error, as S3 does when it throttles or refuses.
 *
 *   const s3 = await startS3Local({ buckets: ['logdrop'] });
 *   const client = s3.client();                      // @aws-sdk/client-s3, path style, fake credentials
 *   s3.failNext({ status: 503, code: 'SlowDown' });  // the next request gets this error
 *   s3.requests                                      // method, path, headers of every request
 *   await s3.close();                                // stops the server, removes the temp dir
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

interface S3rverInstance {
  configureBuckets(): Promise<void>;
  callback(): (request: IncomingMessage, response: ServerResponse) => void;
}
type S3rverConstructor = new (options: {
  directory: string;
  silent: boolean;
  configureBuckets: { name: string; configs: string[] }[];
}) => S3rverInstance;

// s3rver ships CommonJS without type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

export interface S3Failure {
  readonly status: number;
  readonly code: string;
  readonly message?: string;
}

export interface RecordedS3Request {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

export interface S3Local {
  readonly endpoint: string;
  readonly requests: RecordedS3Request[];
  client(): S3Client;
  failNext(...failures: S3Failure[]): void;
  close(): Promise<void>;
}

export async function startS3Local(options: { buckets: readonly string[] }): Promise<S3Local> {
  const directory = await mkdtemp(join(tmpdir(), 'pflow-s3rver-'));
  const s3rver = new S3rver({
    directory,
    silent: true,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const requests: RecordedS3Request[] = [];
  const failures: S3Failure[] = [];

  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers });
    const failure = failures.shift();
    if (!failure) return handle(request, response);
    request.resume();
    response.writeHead(failure.status, { 'content-type': 'application/xml' });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${failure.code}</Code>` +
        `<Message>${failure.message ?? failure.code}</Message><RequestId>test</RequestId></Error>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    requests,
    client: () =>
      new S3Client({
        endpoint,
        region: 'eu-central-1',
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      }),
    failNext: (...next) => failures.push(...next),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(directory, { recursive: true, force: true });
    },
  };
}

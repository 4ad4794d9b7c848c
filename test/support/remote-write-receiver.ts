import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deserialize } from 'prometheus-remote-write';
import { uncompress } from 'snappyjs';

/**
 * A remote-write endpoint on 127.0.0.1 that decodes every body with independent implementations
 * (snappyjs, and protobufjs through the prometheus-remote-write package) and answers as told, so
 * tests can both check what went over the wire and script failures.
 */
export interface DecodedSeries {
  readonly labels: Record<string, string>;
  readonly samples: ReadonlyArray<{ readonly value: number; readonly timestamp: number }>;
}

export interface ReceivedWrite {
  readonly headers: IncomingHttpHeaders;
  readonly series: readonly DecodedSeries[];
}

export interface Reply {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

export interface RemoteWriteReceiver {
  readonly url: string;
  readonly writes: ReceivedWrite[];
  reply(plan: (write: ReceivedWrite, index: number) => Reply): void;
  close(): Promise<void>;
}

interface ProtoSeries {
  labels: Array<{ name: string; value: string }>;
  samples: Array<{ value: number; timestamp: number | { toNumber(): number } }>;
}

export async function startRemoteWriteReceiver(): Promise<RemoteWriteReceiver> {
  const writes: ReceivedWrite[] = [];
  let plan: (write: ReceivedWrite, index: number) => Reply = () => ({ status: 204 });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const raw = uncompress(new Uint8Array(Buffer.concat(chunks)));
        const decoded = (await deserialize(raw as unknown as ArrayBuffer)) as unknown as { timeseries: ProtoSeries[] };
        const write: ReceivedWrite = {
          headers: request.headers,
          series: decoded.timeseries.map((s) => ({
            labels: Object.fromEntries(s.labels.map((l) => [l.name, l.value])),
            samples: s.samples.map((x) => ({
              value: x.value,
              timestamp: typeof x.timestamp === 'number' ? x.timestamp : x.timestamp.toNumber(),
            })),
          })),
        };
        writes.push(write);
        const reply = plan(write, writes.length - 1);
        response.writeHead(reply.status, reply.headers ?? {});
        response.end(reply.body ?? '');
      })().catch((error: unknown) => {
        response.writeHead(599);
        response.end(`receiver could not decode: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1/write`,
    writes,
    reply: (next) => {
      plan = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
